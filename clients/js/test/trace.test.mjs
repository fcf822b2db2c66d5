// Tracing: W3C ids, traceparent in and out, records inside an action carry its trace_id, and
// logger.fetch sends `traceparent` on the app's own requests (a real local server receives it).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LogClient, Trace, formatTraceparent, newSpanId, newTraceId, parseTraceparent } from 'log-client';
import { sleep, startServer } from './helpers.mjs';

let server;
let api; // stands in for the app's backend
before(async () => {
  server = await startServer();
  api = await startServer(() => ({ json: { ok: true } }));
});
after(async () => {
  await server.close();
  await api.close();
});

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

test('ids are W3C-shaped and random', () => {
  const ids = new Set(Array.from({ length: 100 }, newTraceId));
  assert.equal(ids.size, 100);
  for (const id of ids) assert.match(id, /^[0-9a-f]{32}$/);
  assert.match(newSpanId(), /^[0-9a-f]{16}$/);
  const tp = formatTraceparent('4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7');
  assert.equal(tp, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
  assert.deepEqual(parseTraceparent(tp), { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true });
  for (const bad of [
    undefined, '', 'nonsense', '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
  ]) {
    assert.equal(parseTraceparent(bad), undefined, String(bad));
  }
  const t = new Trace();
  const [, tid, sid] = TRACEPARENT.exec(t.traceparent());
  assert.equal(tid, t.traceId);
  assert.notEqual(sid, t.traceparent().split('-')[2], 'a new span id per request');
});

test('withTrace: records inside the action carry its trace_id, across awaits; outside they do not', async () => {
  const logger = new LogClient({ service: 'svc', logServerUrl: server.url });
  let seen;
  logger.info('before');
  await logger.withTrace(async (trace) => {
    seen = trace.traceId;
    logger.info('start');
    await sleep(5);
    await Promise.all([
      (async () => { await sleep(1); logger.info('branch a'); })(),
      (async () => { await sleep(2); logger.info('branch b'); })(),
    ]);
  }, { name: 'checkout' });
  logger.info('after');
  await logger.flush();
  const byMessage = Object.fromEntries(server.records().map((r) => [r.message, r.trace_id]));
  assert.match(seen, /^[0-9a-f]{32}$/);
  assert.deepEqual(byMessage, { before: undefined, start: seen, 'branch a': seen, 'branch b': seen, after: undefined });
  await logger.close();
});

test('concurrent actions in Node keep their own trace ids (AsyncLocalStorage)', async () => {
  const logger = new LogClient({ service: 'svc', logServerUrl: server.url });
  const start = server.records().length;
  const ids = await Promise.all(
    [0, 1, 2].map((i) =>
      logger.withTrace(async (trace) => {
        await sleep(10 - i * 3);
        logger.info({ message: 'step', n: i });
        return trace.traceId;
      }),
    ),
  );
  await logger.flush();
  const recs = server.records().slice(start);
  for (const rec of recs) assert.equal(rec.trace_id, ids[rec.metadata.n]);
  await logger.close();
});

test('startTrace / endTrace, an explicit traceId wins, and an incoming traceparent continues', async () => {
  const logger = new LogClient({ service: 'svc', logServerUrl: server.url });
  const start = server.records().length;
  const t = logger.startTrace({ name: 'page' });
  logger.info('in');
  logger.info({ message: 'explicit', traceId: 'ffffffffffffffffffffffffffffffff' });
  logger.endTrace(t);
  logger.info('out');
  logger.withTrace(() => logger.info('continued'), { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
  await logger.flush();
  assert.deepEqual(server.records().slice(start).map((r) => r.trace_id), [
    t.traceId, 'ffffffffffffffffffffffffffffffff', undefined, '4bf92f3577b34da6a3ce929d0e0e4736',
  ]);
  await logger.close();
});

test('logger.fetch sends traceparent with the current trace id and a fresh span id', async () => {
  const logger = new LogClient({ service: 'svc', logServerUrl: server.url });
  const start = api.requests.length;
  const traceId = await logger.withTrace(async (trace) => {
    const resp = await logger.fetch(`${api.url}/api/v1/payment`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-App': '1' }, body: '{"amount":1}',
    });
    assert.deepEqual(await resp.json(), { ok: true });
    await logger.fetch(new Request(`${api.url}/second`, { headers: { 'X-From-Request': 'yes' } }));
    return trace.traceId;
  });
  const [first, second] = api.requests.slice(start);
  const m1 = TRACEPARENT.exec(first.headers.traceparent);
  const m2 = TRACEPARENT.exec(second.headers.traceparent);
  assert.equal(m1[1], traceId);
  assert.equal(m2[1], traceId);
  assert.notEqual(m1[2], m2[2]);
  assert.equal(first.headers['x-app'], '1');
  assert.equal(first.headers['content-type'], 'application/json');
  assert.deepEqual(first.body, { amount: 1 });
  assert.equal(second.headers['x-from-request'], 'yes', 'a Request’s own headers are kept');
  await logger.close();
});

test('logger.fetch keeps a caller’s traceparent, starts a one-off trace outside an action, honours targets', async () => {
  const logger = new LogClient({ service: 'svc', logServerUrl: server.url, tracePropagationTargets: [`${api.url}/traced`] });
  const start = api.requests.length;
  const own = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  await logger.fetch(`${api.url}/traced/1`, { headers: { traceparent: own } });
  await logger.fetch(`${api.url}/traced/2`);
  await logger.fetch(`${api.url}/other`);
  const [a, b, c] = api.requests.slice(start);
  assert.equal(a.headers.traceparent, own);
  assert.match(b.headers.traceparent, TRACEPARENT);
  assert.equal(c.headers.traceparent, undefined);
  // a detached method still works (apps pass logger.fetch around)
  const { fetch: detached } = logger;
  assert.equal((await detached(`${api.url}/traced/3`)).status, 200);
  await logger.close();
});
