// log-client/svelte: the <svelte:boundary onerror> handler and SvelteKit's handleError hook.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LogClient } from 'log-client';
import { boundaryErrorHandler, sveltekitHandleError } from 'log-client/svelte';
import { startServer } from './helpers.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(() => server.close());

test('boundaryErrorHandler logs the error and passes (error, reset) on', async () => {
  const logger = new LogClient({ service: 'web-app', logServerUrl: server.url });
  const calls = [];
  const onerror = boundaryErrorHandler(logger, {
    boundary: 'checkout',
    fields: { actionType: 'click', metadata: { cart: 3 } },
    onerror: (error, reset) => calls.push([error.message, typeof reset]),
  });
  function PaymentForm() {
    throw new TypeError('total is undefined');
  }
  try {
    PaymentForm();
  } catch (err) {
    onerror(err, () => {});
  }
  await logger.flush();
  const [rec] = server.records().slice(-1);
  assert.equal(rec.level, 'ERROR');
  assert.equal(rec.message, 'total is undefined');
  assert.equal(rec.error_type, 'TypeError');
  assert.match(rec.stack_trace, /at PaymentForm/);
  assert.equal(rec.action_type, 'click');
  assert.deepEqual(rec.metadata, { source: 'svelte:boundary', cart: 3, boundary: 'checkout' });
  assert.deepEqual(calls, [['total is undefined', 'function']]);
  await logger.close();
});

test('a failing logger never breaks the boundary', () => {
  const calls = [];
  const onerror = boundaryErrorHandler({ exception: () => { throw new Error('logger broken'); } }, { onerror: () => calls.push(1) });
  assert.doesNotThrow(() => onerror(new Error('x'), () => {}));
  assert.deepEqual(calls, [1]);
});

test('sveltekitHandleError logs with path, method, route and status, on the request’s trace', async () => {
  const logger = new LogClient({ service: 'web-app', logServerUrl: server.url });
  const handleError = sveltekitHandleError(logger);
  const request = new Request('https://shop.example/checkout', {
    method: 'POST',
    headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
  });
  const answer = handleError({
    error: new Error('db timeout'),
    event: { url: new URL(request.url), route: { id: '/checkout' }, request },
    status: 500,
    message: 'Internal Error',
  });
  assert.deepEqual(answer, { message: 'Internal Error', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' });
  const notFound = handleError({ error: new Error('Not found: /nope'), event: { url: new URL('https://shop.example/nope'), route: { id: null } }, status: 404, message: 'Not Found' });
  assert.deepEqual(notFound, { message: 'Not Found' });
  await logger.flush();
  const [a, b] = server.records().slice(-2);
  assert.deepEqual(
    [a.level, a.message, a.error_type, a.path, a.method, a.trace_id, a.metadata.status_code, a.metadata.route, a.metadata.source],
    ['ERROR', 'db timeout', 'Error', '/checkout', 'POST', '4bf92f3577b34da6a3ce929d0e0e4736', 500, '/checkout', 'sveltekit.handleError'],
  );
  assert.equal(b.level, 'WARN');
  assert.equal(b.path, '/nope');
  await logger.close();
});
