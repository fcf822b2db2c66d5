// Records on the wire: camelCase fields become the logs table's snake_case columns, everything
// else lands in metadata, values are normalised, and nothing the app passes can make it throw.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LogClient, errorColumns, snakeCase } from 'log-client';
import { startServer } from './helpers.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(() => server.close());

function client(extra = {}) {
  return new LogClient({
    service: 'payment-api', environment: 'test', logServerUrl: server.url, apiKey: 'k', ...extra,
  });
}

async function sent(logger, fn) {
  const before = server.requests.length;
  fn(logger);
  await logger.flush();
  return server.requests.slice(before).flatMap((r) => r.body);
}

test('camelCase fields map to the logs columns; unknown fields go to metadata', async () => {
  const logger = client({ serviceVersion: 'v1.2.3' });
  const [rec] = await sent(logger, (l) =>
    l.info({
      message: 'checkout_completed', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', userId: 'user_123',
      sessionId: 'sess_1', path: '/checkout', method: 'post', actionType: 'submit', durationMs: 123.45678,
      errorType: 'None', functionName: 'pay', filePath: 'src/pay.ts', statusCode: 201, cartTotal: 3,
      createdAt: new Date('2026-11-21T10:00:00Z'), metadata: { region: 'kr' },
    }),
  );
  assert.deepEqual(rec, {
    message: 'checkout_completed', service: 'payment-api', log_type: 'BACKEND', level: 'INFO',
    environment: 'test', service_version: 'v1.2.3', created_at: '2026-11-21T10:00:00.000Z',
    trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', user_id: 'user_123', session_id: 'sess_1',
    path: '/checkout', method: 'POST', action_type: 'submit', duration_ms: 123.457, error_type: 'None',
    function_name: 'pay', file_path: 'src/pay.ts',
    metadata: { status_code: 201, cart_total: 3, region: 'kr' },
  });
  await logger.close();
});

test('snake_case keys are accepted too, and the message may come first', async () => {
  const logger = client();
  const [a, b] = await sent(logger, (l) => {
    l.warn('retrying', { trace_id: 'abc', user_id: 7 });
    l.log('critical', { message: 'down', log_type: 'worker' });
  });
  assert.equal(a.level, 'WARN');
  assert.equal(a.message, 'retrying');
  assert.equal(a.trace_id, 'abc');
  assert.equal(a.user_id, '7');
  assert.equal(b.level, 'FATAL');
  assert.equal(b.log_type, 'WORKER');
  await logger.close();
});

test('each level method sets its level; minLevel filters', async () => {
  const logger = client({ minLevel: 'info' });
  const recs = await sent(logger, (l) => {
    for (const m of ['trace', 'debug', 'info', 'warn', 'error', 'fatal']) l[m]({ message: m });
  });
  assert.deepEqual(recs.map((r) => r.level), ['INFO', 'WARN', 'ERROR', 'FATAL']);
  await logger.close();
});

test('log_type defaults to BACKEND under Node and can be overridden', async () => {
  const logger = client({ logType: 'worker' });
  const [rec] = await sent(logger, (l) => l.info({ message: 'job' }));
  assert.equal(rec.log_type, 'WORKER');
  await logger.close();
});

test('values are cut to the column sizes and made JSON-safe', async () => {
  const logger = client();
  const circular = { name: 'c' };
  circular.self = circular;
  const [rec] = await sent(logger, (l) =>
    l.info({
      message: 'big', path: '/p'.repeat(400), traceId: '4BF92F35-77B3-4DA6-A3CE-929D0E0E4736',
      durationMs: -5, amount: 10n, when: new Date(0), fn: () => 1, circular, list: [1, undefined, 'x'],
      get exploding() {
        throw new Error('getter');
      },
    }),
  );
  assert.equal(rec.path.length, 500);
  assert.equal(rec.trace_id, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(rec.duration_ms, undefined);
  assert.equal(rec.metadata.duration_ms, -5, 'an impossible duration is kept in metadata, not dropped');
  assert.equal(rec.metadata.amount, '10');
  assert.equal(rec.metadata.when, '1970-01-01T00:00:00.000Z');
  assert.equal(rec.metadata.fn, undefined);
  assert.deepEqual(rec.metadata.circular, { name: 'c', self: '[Circular]' });
  assert.deepEqual(rec.metadata.list, [1, null, 'x']);
  await logger.close();
});

test('defaults, setContext, setUser and child loggers add fields; a record’s own win', async () => {
  const logger = client({ defaults: { userId: 'u0', tenant: 't1' } });
  const recs = await sent(logger, (l) => {
    l.info({ message: 'a' });
    l.setUser('user_9');
    l.info({ message: 'b', userId: 'explicit' });
    l.child({ actionType: 'click', feature: 'cart' }).info('c');
  });
  assert.deepEqual(recs.map((r) => r.user_id), ['u0', 'explicit', 'user_9']);
  assert.equal(recs[0].metadata.tenant, 't1');
  assert.equal(recs[2].action_type, 'click');
  assert.equal(recs[2].metadata.feature, 'cart');
  await logger.close();
});

class PaymentDeclined extends Error {}

test('exception(): message, error_type (the name) and stack_trace', async () => {
  const logger = client();
  function chargeCard() {
    throw new PaymentDeclined('card declined', { cause: new TypeError('bad number') });
  }
  let caught;
  try {
    chargeCard();
  } catch (err) {
    caught = err;
  }
  const [a, b, c] = await sent(logger, (l) => {
    l.exception(caught, { userId: 'u1' });
    l.exception(new RangeError('too big'), { message: 'amount_check_failed', level: 'fatal' });
    l.exception('a string was thrown');
  });
  assert.equal(a.level, 'ERROR');
  assert.equal(a.message, 'card declined');
  assert.equal(a.error_type, 'PaymentDeclined');
  assert.match(a.stack_trace, /at chargeCard/);
  assert.deepEqual(a.metadata.cause, { error_type: 'TypeError', message: 'bad number' });
  assert.equal(a.user_id, 'u1');
  assert.equal(b.level, 'FATAL');
  assert.equal(b.message, 'amount_check_failed');
  assert.equal(b.error_type, 'RangeError');
  assert.equal(b.metadata.error_message, 'too big');
  assert.equal(c.message, 'a string was thrown');
  assert.equal(c.error_type, 'Error');
  assert.equal(c.stack_trace, undefined);
  await logger.close();
});

test('errorColumns handles anything thrown', () => {
  assert.deepEqual(errorColumns({ code: 42 }), { message: '{"code":42}', error_type: 'NonErrorThrown' });
  assert.deepEqual(errorColumns(undefined), { message: 'undefined', error_type: 'NonErrorThrown' });
  const foreign = { name: 'DOMException', message: 'aborted', stack: 'DOMException: aborted\n    at x (a.js:1:1)' };
  assert.equal(errorColumns(foreign).error_type, 'DOMException');
});

test('the logger never throws into the app', async () => {
  const logger = client();
  assert.doesNotThrow(() => {
    logger.info(null);
    logger.info(undefined);
    logger.info(42);
    logger.info({ message: { nested: true } });
    logger.exception(null);
    logger.log('nonsense-level', 'x');
    logger.setContext(null);
  });
  const recs = await sent(logger, () => {});
  assert.ok(recs.every((r) => typeof r.message === 'string' && r.message.length > 0));
  await logger.close();
  const broken = new LogClient({ service: 'x', logServerUrl: server.url, maxRetries: 0, fetch: () => { throw new Error('sync fail'); } });
  broken.info('y');
  await broken.flush();
  assert.equal(broken.stats().failedRecords, 1);
  assert.doesNotThrow(() => new LogClient(undefined).info('no options at all'));
});

test('snakeCase', () => {
  assert.equal(snakeCase('cartTotal'), 'cart_total');
  assert.equal(snakeCase('HTTPStatus'), 'http_status');
  assert.equal(snakeCase('already_snake'), 'already_snake');
});
