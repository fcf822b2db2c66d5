// Retries against a real local HTTP server: 5xx, 429 and dropped connections are retried with
// the same Idempotency-Key, Retry-After is honoured, 4xx is not retried, 413 splits the batch,
// and the backoff arithmetic itself.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogClient, backoffDelay, isRetryableStatus, parseRetryAfter } from 'log-client';
import { deadPort, startServer } from './helpers.mjs';

const FAST = { backoffBaseMs: 20, backoffMaxMs: 100, compress: false };

test('5xx and 429 are retried with the same Idempotency-Key until stored', async () => {
  const statuses = [503, 500, 429, 200];
  const server = await startServer((_req, n) => (n <= 3 ? { status: statuses[n - 1], headers: { 'retry-after': '0' } } : undefined));
  const logger = new LogClient({ service: 'svc', logServerUrl: server.url, ...FAST });
  logger.info('a');
  logger.info('b');
  await logger.flush();
  assert.equal(server.requests.length, 4);
  const keys = new Set(server.requests.map((r) => r.headers['idempotency-key']));
  assert.equal(keys.size, 1, 'one key for every attempt of the batch');
  assert.deepEqual(server.requests.map((r) => r.body.length), [2, 2, 2, 2]);
  const s = logger.stats();
  assert.equal(s.retries, 3);
  assert.equal(s.sent, 2);
  assert.equal(s.failedBatches, 0);
  await logger.close();
  await server.close();
});

test('a dropped connection is retried, then the batch is stored once', async () => {
  const server = await startServer((_req, n, _raw, res) => {
    if (n === 1) res.socket.destroy();
  });
  const logger = new LogClient({ service: 'svc', logServerUrl: server.url, ...FAST });
  logger.info('x');
  await logger.flush();
  assert.equal(server.requests.length, 2);
  assert.equal(server.requests[0].headers['idempotency-key'], server.requests[1].headers['idempotency-key']);
  assert.equal(logger.stats().sent, 1);
  await logger.close();
  await server.close();
});

test('Retry-After (seconds) is honoured', async () => {
  const server = await startServer((_req, n) => (n === 1 ? { status: 503, headers: { 'retry-after': '1' } } : undefined));
  const logger = new LogClient({ service: 'svc', logServerUrl: server.url, ...FAST });
  logger.info('x');
  await logger.flush();
  const gap = server.requests[1].at - server.requests[0].at;
  assert.ok(gap >= 950 && gap < 1600, `retried after ${gap} ms`);
  await logger.close();
  await server.close();
});

test('a refused connection is retried with backoff, then given up and reported', async () => {
  const port = await deadPort();
  const errors = [];
  const logger = new LogClient({
    service: 'svc', logServerUrl: `http://127.0.0.1:${port}`, maxRetries: 3, ...FAST,
    onError: (err, ctx) => errors.push([err.message, ctx.records]),
  });
  logger.info('lost');
  const t0 = Date.now();
  await logger.flush();
  const s = logger.stats();
  assert.equal(s.retries, 3);
  assert.equal(s.failedBatches, 1);
  assert.equal(s.failedRecords, 1);
  assert.ok(Date.now() - t0 >= 3 * 10, 'waited between attempts');
  assert.equal(errors.length, 1);
  assert.match(errors[0][0], /network error.*gave up after 4 attempts/);
  assert.equal(errors[0][1], 1);
  await logger.close();
});

test('4xx other than 408/413/429 is not retried', async () => {
  const server = await startServer(() => ({ status: 401, json: { error: 'unknown API key' } }));
  const errors = [];
  const logger = new LogClient({ service: 'svc', logServerUrl: server.url, ...FAST, onError: (e) => errors.push(e.message) });
  logger.info('x');
  await logger.flush();
  assert.equal(server.requests.length, 1);
  assert.equal(logger.stats().failedRecords, 1);
  assert.match(errors[0], /HTTP 401: unknown API key/);
  await logger.close();
  await server.close();
});

test('413 splits the batch in halves (each half a new batch)', async () => {
  const server = await startServer((req) => (req.body.length > 2 ? { status: 413, json: { error: 'too large' } } : undefined));
  const logger = new LogClient({ service: 'svc', logServerUrl: server.url, ...FAST });
  for (let i = 0; i < 7; i++) logger.info({ message: 'm', seq: i });
  await logger.flush();
  const stored = server.requests.filter((r) => r.body.length <= 2);
  assert.deepEqual(stored.flatMap((r) => r.body.map((x) => x.metadata.seq)), [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(logger.stats().sent, 7);
  await logger.close();
  await server.close();
});

test('close(timeout) stops retrying at the deadline', async () => {
  const server = await startServer(() => ({ status: 503 }));
  const logger = new LogClient({ service: 'svc', logServerUrl: server.url, backoffBaseMs: 200, backoffMaxMs: 200 });
  logger.info('x');
  const t0 = Date.now();
  const ok = await logger.close(500);
  assert.equal(ok, false);
  assert.ok(Date.now() - t0 < 1500);
  await server.close();
});

test('backoff: exponential, capped, jittered; Retry-After wins', () => {
  const opts = { backoffBaseMs: 500, backoffMaxMs: 30_000, maxRetryAfterMs: 60_000 };
  assert.equal(backoffDelay(1, opts, undefined, () => 0), 250);
  assert.equal(backoffDelay(1, opts, undefined, () => 1), 500);
  assert.equal(backoffDelay(4, opts, undefined, () => 1), 4000);
  assert.equal(backoffDelay(20, opts, undefined, () => 1), 30_000);
  assert.equal(backoffDelay(20, opts, undefined, () => 0), 15_000);
  assert.equal(backoffDelay(1, opts, 2000, () => 0), 2000);
  assert.equal(backoffDelay(1, opts, 2000, () => 1), 2400);
  assert.equal(backoffDelay(1, opts, 600_000, () => 0), 60_000);
  const samples = new Set(Array.from({ length: 20 }, () => backoffDelay(3, opts)));
  assert.ok(samples.size > 1, 'jitter');
});

test('Retry-After parsing and which statuses are retried', () => {
  assert.equal(parseRetryAfter('2'), 2000);
  assert.equal(parseRetryAfter(' 0 '), 0);
  const now = Date.parse('2026-11-22T10:00:00Z');
  assert.equal(parseRetryAfter('Sun, 22 Nov 2026 10:00:05 GMT', now), 5000);
  assert.equal(parseRetryAfter('garbage'), undefined);
  assert.equal(parseRetryAfter(null), undefined);
  assert.deepEqual([408, 429, 500, 503, 599].map(isRetryableStatus), [true, true, true, true, true]);
  assert.deepEqual([400, 401, 403, 404, 413].map(isRetryableStatus), [false, false, false, false, false]);
});
