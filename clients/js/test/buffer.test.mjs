// The bounded buffer: when the service is unreachable or slow, the oldest records are dropped
// (counted), logging stays synchronous and cheap, and the newest records are the ones sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogClient } from 'log-client';
import { startServer } from './helpers.mjs';

test('a full buffer drops the oldest records and counts them', async () => {
  const server = await startServer();
  const logger = new LogClient({ service: 'svc', logServerUrl: server.url, batchSize: 10, maxBufferSize: 20 });
  for (let i = 0; i < 50; i++) logger.info({ message: 'm', seq: i }); // synchronous: nothing sent yet
  let s = logger.stats();
  assert.equal(s.enqueued, 50);
  assert.equal(s.dropped, 30);
  assert.equal(s.queued, 20);
  await logger.flush();
  assert.deepEqual(server.records().map((r) => r.metadata.seq), [...Array(20).keys()].map((i) => i + 30));
  s = logger.stats();
  assert.equal(s.sent, 20);
  assert.equal(s.queued, 0);
  await logger.close();
  await server.close();
});

test('records keep arriving in the buffer while a batch is being retried', async () => {
  let release;
  const gate = new Promise((resolve) => (release = resolve));
  const server = await startServer(async (_req, n) => {
    if (n === 1) {
      await gate;
      return { status: 503, headers: { 'retry-after': '0' } };
    }
  });
  const logger = new LogClient({ service: 'svc', logServerUrl: server.url, batchSize: 5, maxBufferSize: 5, backoffBaseMs: 10 });
  for (let i = 0; i < 5; i++) logger.info({ message: 'first', seq: i });
  await new Promise((r) => setTimeout(r, 50)); // batch 1 is now on the wire, held by the server
  const t0 = performance.now();
  for (let i = 0; i < 1000; i++) logger.info({ message: 'later', seq: i });
  const perRecordUs = ((performance.now() - t0) * 1000) / 1000;
  assert.ok(perRecordUs < 200, `logging took ${perRecordUs.toFixed(1)} µs a record`);
  assert.equal(logger.stats().dropped, 995);
  release();
  await logger.flush();
  const seqs = server.records().map((r) => `${r.message}:${r.metadata.seq}`);
  // the in-flight batch was retried (503 first), then the 5 newest of the later records
  assert.deepEqual(seqs.slice(-10), [
    'first:0', 'first:1', 'first:2', 'first:3', 'first:4', 'later:995', 'later:996', 'later:997', 'later:998', 'later:999',
  ]);
  await logger.close();
  await server.close();
});
