// Browser behaviour under Node with the few browser globals the client touches put in place
// (window events, document.visibilityState, location, navigator.sendBeacon, sessionStorage).
// The same paths run in real Chromium in tests/test_js_client.py; this file pins the details.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { LogClient } from 'log-client';
import { sleep, startServer, UUID, waitFor } from './helpers.mjs';

const win = new EventTarget();
const doc = new EventTarget();
const beacons = [];
const store = new Map();
let server;

before(async () => {
  server = await startServer();
  Object.assign(globalThis, {
    window: globalThis,
    document: Object.assign(doc, { visibilityState: 'visible' }),
    addEventListener: win.addEventListener.bind(win),
    removeEventListener: win.removeEventListener.bind(win),
    location: new URL('https://shop.example/checkout?step=2'),
    sessionStorage: { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v) },
  });
  Object.defineProperty(globalThis, 'navigator', {
    configurable: true,
    value: {
      userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
      sendBeacon: (url, blob) => {
        beacons.push({ url: new URL(url), blob });
        return true;
      },
    },
  });
});
after(() => server.close());
beforeEach(() => {
  beacons.length = 0;
});

const make = (extra = {}) =>
  new LogClient({ service: 'web-app', logServerUrl: server.url, apiKey: 'pub-key', environment: 'production', ...extra });

function event(type, props) {
  return Object.assign(new Event(type), props);
}

test('browser records: FRONTEND, page path, a per-tab session id, browser metadata', async () => {
  const logger = make();
  const other = make();
  logger.info({ message: 'page_view', actionType: 'view' });
  other.info('x');
  await logger.flush();
  await other.flush();
  const [rec, rec2] = server.records().slice(-2);
  assert.equal(rec.log_type, 'FRONTEND');
  assert.equal(rec.path, '/checkout');
  assert.match(rec.session_id, /^sess_[0-9a-f]{16}$/);
  assert.equal(rec2.session_id, rec.session_id, 'same tab, same session');
  assert.deepEqual(rec.metadata, { browser: 'Chrome', browser_version: '126.0', os: 'Windows', device: 'desktop' });
  await logger.close();
  await other.close();
});

test('pagehide hands the buffer to sendBeacon: text/plain, api_key and idempotency_key in the URL', async () => {
  const logger = make({ flushIntervalMs: 60_000 });
  logger.info('one');
  logger.info('two');
  win.dispatchEvent(new Event('pagehide'));
  assert.equal(beacons.length, 1);
  const [{ url, blob }] = beacons;
  assert.equal(url.pathname, '/logs');
  assert.equal(url.searchParams.get('api_key'), 'pub-key');
  assert.match(url.searchParams.get('idempotency_key'), UUID);
  assert.equal(blob.type, 'text/plain;charset=utf-8');
  assert.deepEqual(JSON.parse(await blob.text()).map((r) => r.message), ['one', 'two']);
  assert.equal(logger.stats().beaconed, 2);
  assert.equal(logger.stats().queued, 0);
  await logger.close();
});

test('visibilitychange to hidden beacons too; to visible it does not', async () => {
  const logger = make({ flushIntervalMs: 60_000 });
  logger.info('a');
  doc.visibilityState = 'visible';
  doc.dispatchEvent(new Event('visibilitychange'));
  assert.equal(beacons.length, 0);
  doc.visibilityState = 'hidden';
  doc.dispatchEvent(new Event('visibilitychange'));
  assert.equal(beacons.length, 1);
  doc.visibilityState = 'visible';
  await logger.close();
});

test('beacons stay under 64 KiB each; a refused beacon falls back to fetch', async () => {
  const logger = make({ flushIntervalMs: 60_000, maxBufferSize: 1000 });
  for (let i = 0; i < 300; i++) logger.info({ message: 'x'.repeat(500), seq: i });
  win.dispatchEvent(new Event('pagehide'));
  assert.ok(beacons.length >= 3);
  const sizes = await Promise.all(beacons.map(async (b) => (await b.blob.arrayBuffer()).byteLength));
  assert.ok(sizes.every((n) => n <= 60_000), sizes.join());
  const seqs = (await Promise.all(beacons.map(async (b) => JSON.parse(await b.blob.text())))).flat().map((r) => r.metadata.seq);
  assert.deepEqual(seqs, [...Array(300).keys()]);
  await logger.close();

  const original = navigator.sendBeacon;
  navigator.sendBeacon = () => false;
  try {
    const refused = make({ flushIntervalMs: 60_000 });
    const before = server.requests.length;
    refused.info('via fetch');
    win.dispatchEvent(new Event('pagehide'));
    await refused.flush();
    assert.deepEqual(server.requests.slice(before).flatMap((r) => r.body.map((x) => x.message)), ['via fetch']);
    await refused.close();
  } finally {
    navigator.sendBeacon = original;
  }
});

test('a batch waiting to retry is beaconed under its own Idempotency-Key', async () => {
  const flaky = await startServer(() => ({ status: 503, headers: { 'retry-after': '30' } }));
  const logger = new LogClient({ service: 'web-app', logServerUrl: flaky.url, apiKey: 'k', maxRetryAfterMs: 30_000 });
  logger.info('stuck');
  void logger.flush();
  await waitFor(() => flaky.requests.length === 1);
  await sleep(50); // the 503 is in: the batch now waits 30 s to retry
  assert.equal(flaky.requests.length, 1);
  win.dispatchEvent(new Event('pagehide'));
  assert.equal(beacons.length, 1);
  assert.equal(beacons[0].url.searchParams.get('idempotency_key'), flaky.requests[0].headers['idempotency-key']);
  await logger.close(100);
  await flaky.close();
});

test('window errors and unhandled rejections are logged (once), and can be switched off', async () => {
  const logger = make();
  function renderCart() {
    return new TypeError("Cannot read properties of undefined (reading 'items')");
  }
  const err = renderCart();
  win.dispatchEvent(event('error', { error: err, message: err.message }));
  win.dispatchEvent(event('error', { message: 'Script error.', filename: 'https://cdn.example/x.js', lineno: 1, colno: 2 }));
  win.dispatchEvent(event('unhandledrejection', { reason: new RangeError('amount out of range') }));
  const handled = new Error('already logged');
  logger.exception(handled);
  win.dispatchEvent(event('error', { error: handled }));
  await logger.flush();
  const recs = server.records().slice(-4);
  assert.deepEqual(recs.map((r) => [r.level, r.error_type, r.metadata.source]), [
    ['ERROR', 'TypeError', 'window.onerror'],
    ['ERROR', 'Error', 'window.onerror'],
    ['ERROR', 'RangeError', 'unhandledrejection'],
    ['ERROR', 'Error', undefined],
  ]);
  assert.match(recs[0].stack_trace, /at renderCart/);
  assert.equal(recs[1].file_path, 'https://cdn.example/x.js');
  await logger.close();

  const quiet = make({ captureErrors: false });
  const before = server.requests.length;
  win.dispatchEvent(event('error', { error: new Error('ignored') }));
  await quiet.flush();
  assert.equal(server.requests.length, before);
  await quiet.close();
});

test('fetch tracing in a browser defaults to the page’s own origin', async () => {
  const api = await startServer(() => ({ json: {} }));
  globalThis.location = new URL(`${api.url}/checkout`);
  try {
    const logger = make();
    const cross = make({ tracePropagationTargets: [] });
    const before = api.requests.length;
    await logger.fetch(`${api.url}/api/v1/payment`, { method: 'POST' });
    assert.match(api.requests[before].headers.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    // Node's fetch cannot resolve relative URLs, so check that decision directly
    assert.equal(logger['shouldPropagate']('/api/v1/payment'), true);
    assert.equal(logger['shouldPropagate']('https://other.example/api'), false);
    assert.equal(cross['shouldPropagate']('/api/v1/payment'), false);
    await logger.close();
    await cross.close();
  } finally {
    globalThis.location = new URL('https://shop.example/checkout?step=2');
    await api.close();
  }
});
