// Run by tests/test_js_client.py against the REAL ingest service and PostgreSQL (not by npm
// test): logs a known set of records from Node, closes the client, and prints a JSON summary
// (trace id, stats) on stdout for the Python side to compare with the rows in the database.
//   LOG_SERVER_URL, LOG_API_KEY   where to send
//   BULK                          how many plain records (default 250)
//   FAST_RETRY=1                  short backoff (the outage test starts the service late)
import { LogClient } from 'log-client';

class PaymentDeclinedError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PaymentDeclinedError';
  }
}

function chargeCard(amount) {
  throw new PaymentDeclinedError(`card declined for ${amount} KRW`);
}

const fast = process.env.FAST_RETRY === '1';
const logger = new LogClient({
  service: 'node-worker',
  environment: 'test',
  serviceVersion: 'v2.0.0',
  logServerUrl: process.env.LOG_SERVER_URL,
  apiKey: process.env.LOG_API_KEY,
  batchSize: 100,
  maxRetries: fast ? 60 : 8,
  backoffBaseMs: fast ? 50 : 500,
  backoffMaxMs: fast ? 200 : 30_000,
});

const bulk = Number(process.env.BULK ?? 250);
for (let seq = 0; seq < bulk; seq++) {
  logger.info({ message: 'bulk', seq, userId: `user_${seq % 7}` });
}

const traceId = await logger.withTrace(async (trace) => {
  logger.info({
    message: 'payment_request', userId: 'user_123', sessionId: 'sess_node', path: '/api/v1/payment',
    method: 'post', durationMs: 123.456, actionType: 'submit', statusCode: 201, cartTotal: 2,
    metadata: { region: 'ap-northeast-2' },
  });
  await new Promise((resolve) => setTimeout(resolve, 5));
  try {
    chargeCard(15000);
  } catch (err) {
    logger.exception(err, { userId: 'user_123', path: '/api/v1/payment' });
  }
  return trace.traceId;
});

const delivered = await logger.close(fast ? 30_000 : 10_000);
process.stdout.write(JSON.stringify({ traceId, delivered, stats: logger.stats() }) + '\n');
