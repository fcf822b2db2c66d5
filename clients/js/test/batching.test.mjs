// Batching against a real local HTTP server: by size, by interval, one Idempotency-Key (a UUID)
// per batch, the headers the ingest service expects, and gzip for larger batches.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LogClient } from 'log-client';
import { sleep, startServer, UUID, waitFor } from './helpers.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(() => server.close());

const make = (extra = {}) =>
  new LogClient({ service: 'svc', logServerUrl: server.url, apiKey: 'secret', compress: false, ...extra });

test('records leave in batches of batchSize, in order, each with its own Idempotency-Key', async () => {
  const start = server.requests.length;
  const logger = make({ batchSize: 10, flushIntervalMs: 60_000 });
  for (let i = 0; i < 25; i++) logger.info({ message: 'm', seq: i });
  await waitFor(() => server.requests.length - start >= 2); // two full batches go without flush()
  await logger.flush();
  const reqs = server.requests.slice(start);
  assert.deepEqual(reqs.map((r) => r.body.length), [10, 10, 5]);
  assert.deepEqual(reqs.flatMap((r) => r.body.map((rec) => rec.metadata.seq)), [...Array(25).keys()]);
  const keys = reqs.map((r) => r.headers['idempotency-key']);
  assert.ok(keys.every((k) => UUID.test(k)), keys.join());
  assert.equal(new Set(keys).size, 3);
  for (const r of reqs) {
    assert.equal(r.method, 'POST');
    assert.equal(r.url, '/logs');
    assert.equal(r.headers.authorization, 'Bearer secret');
    assert.equal(r.headers['content-type'], 'application/json');
  }
  assert.deepEqual(
    { ...logger.stats() },
    { enqueued: 25, sent: 25, dropped: 0, rejected: 0, failedRecords: 0, failedBatches: 0, batches: 3, retries: 0, beaconed: 0, queued: 0 },
  );
  await logger.close();
});

test('a partial batch leaves after flushIntervalMs without any flush() call', async () => {
  const start = server.requests.length;
  const logger = make({ batchSize: 100, flushIntervalMs: 100 });
  const t0 = Date.now();
  logger.info('one');
  logger.info('two');
  await waitFor(() => server.requests.length > start, 3000);
  const elapsed = server.requests[start].at - t0;
  assert.ok(elapsed >= 90 && elapsed < 1500, `sent after ${elapsed} ms`);
  assert.deepEqual(server.requests[start].body.map((r) => r.message), ['one', 'two']);
  await logger.close();
});

test('larger batches are gzipped (Content-Encoding: gzip)', async () => {
  const start = server.requests.length;
  const logger = make({ compress: true });
  for (let i = 0; i < 50; i++) logger.info({ message: `payment ${i}`, path: '/api/v1/payment', userId: `user_${i}` });
  await logger.flush();
  const [req] = server.requests.slice(start);
  assert.equal(req.headers['content-encoding'], 'gzip');
  assert.ok(Number(req.headers['content-length']) < 2000, 'compressed');
  assert.equal(req.body.length, 50);
  await logger.close();
});

test('the logServerUrl may end in /logs or a slash', async () => {
  for (const base of [`${server.url}/`, `${server.url}/logs`]) {
    const start = server.requests.length;
    const logger = make({ logServerUrl: base });
    logger.info('x');
    await logger.flush();
    assert.equal(server.requests[start].url, '/logs');
    await logger.close();
  }
});

test('records rejected by the service are counted, not retried', async () => {
  const picky = await startServer((req) => ({
    json: { accepted: req.body.length - 1, rejected: [{ index: 0, error: 'message is required' }], duplicate: false },
  }));
  const logger = new LogClient({ service: 'svc', logServerUrl: picky.url });
  logger.info('a');
  logger.info('b');
  await logger.flush();
  const s = logger.stats();
  assert.equal(s.sent, 1);
  assert.equal(s.rejected, 1);
  assert.equal(picky.requests.length, 1);
  await logger.close();
  await picky.close();
});

test('close() sends what is left and later records are not sent', async () => {
  const start = server.requests.length;
  const logger = make({ flushIntervalMs: 60_000 });
  logger.info('before close');
  assert.equal(await logger.close(), true);
  logger.info('after close');
  await sleep(50);
  assert.deepEqual(server.requests.slice(start).flatMap((r) => r.body.map((x) => x.message)), ['before close']);
  assert.equal(logger.stats().dropped, 1);
});

test('a process exits on its own and its last records still arrive (beforeExit flush)', async () => {
  // async spawn: the server answering the child lives in this process's event loop
  const { execFile } = await import('node:child_process');
  const start = server.requests.length;
  const script = `
    import { LogClient } from 'log-client';
    const logger = new LogClient({ service: 'cli', logServerUrl: ${JSON.stringify(server.url)}, flushIntervalMs: 60000 });
    logger.info('last words');
  `;
  const code = await new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: new URL('.', import.meta.url), timeout: 10_000 },
      (err, _out, stderr) => resolve(err ? `${err.code}: ${stderr}` : 0));
  });
  assert.equal(code, 0);
  assert.deepEqual(server.requests.slice(start).flatMap((r) => r.body.map((x) => x.message)), ['last words']);
});
