// The package as consumers load it: ESM import and CommonJS require of both entry points, the
// type declarations next to each, and a Node process that opts in to crash capture.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { startServer } from './helpers.mjs';

const require = createRequire(import.meta.url);
const root = new URL('..', import.meta.url);

test('require() and import give the same API, both entry points', async () => {
  const cjs = require('log-client');
  const esm = await import('log-client');
  for (const name of ['LogClient', 'newTraceId', 'parseTraceparent', 'formatTraceparent', 'errorColumns']) {
    assert.equal(typeof cjs[name], 'function', `cjs ${name}`);
    assert.equal(typeof esm[name], 'function', `esm ${name}`);
  }
  assert.equal(typeof require('log-client/svelte').boundaryErrorHandler, 'function');
  assert.equal(typeof (await import('log-client/svelte')).sveltekitHandleError, 'function');
  assert.match(require.resolve('log-client'), /dist[\\/]cjs[\\/]index\.js$/);
});

test('exports map every condition to a file that exists, with types', () => {
  const pkg = JSON.parse(readFileSync(new URL('package.json', root)));
  for (const entry of ['.', './svelte']) {
    for (const cond of ['import', 'require']) {
      for (const file of Object.values(pkg.exports[entry][cond])) {
        assert.ok(existsSync(new URL(file, root)), file);
      }
      assert.match(pkg.exports[entry][cond].types, /\.d\.ts$/);
    }
  }
  assert.equal(JSON.parse(readFileSync(new URL('dist/cjs/package.json', root))).type, 'commonjs');
});

function run(script, env = {}) {
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', script], { cwd: new URL('.', import.meta.url), timeout: 15_000, env: { ...process.env, ...env } },
      (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
}

test('Node crash capture (opt-in): the error is logged FATAL, then the process still exits 1', async () => {
  const server = await startServer();
  try {
    const { code, stderr } = await run(`
      const { LogClient } = require('log-client');
      const logger = new LogClient({ service: 'worker', logServerUrl: process.env.URL, captureErrors: true });
      function settleInvoice() { throw new RangeError('invoice total negative'); }
      setTimeout(settleInvoice, 10);
    `, { URL: server.url });
    assert.equal(code, 1);
    assert.match(stderr, /RangeError: invoice total negative/);
    const [rec] = server.records();
    assert.equal(rec.level, 'FATAL');
    assert.equal(rec.error_type, 'RangeError');
    assert.equal(rec.metadata.source, 'uncaughtException');
    assert.match(rec.stack_trace, /settleInvoice/);

    const rejected = await run(`
      const { LogClient } = require('log-client');
      new LogClient({ service: 'worker', logServerUrl: process.env.URL, captureErrors: true });
      Promise.reject(new TypeError('no handler'));
    `, { URL: server.url });
    assert.equal(rejected.code, 1);
    assert.equal(server.records()[1].metadata.source, 'unhandledRejection');

    // without opting in, Node's own behaviour is untouched and nothing is logged
    const plain = await run(`
      const { LogClient } = require('log-client');
      new LogClient({ service: 'worker', logServerUrl: process.env.URL });
      Promise.reject(new Error('plain'));
    `, { URL: server.url });
    assert.equal(plain.code, 1);
    assert.equal(server.records().length, 2);
  } finally {
    await server.close();
  }
});
