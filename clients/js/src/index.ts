/**
 * log-client: structured logs from browsers and Node.js (>= 18) to the nlq ingest service.
 *
 *   import { LogClient } from 'log-client';
 *   const logger = new LogClient({ service: 'web-app', environment: 'production',
 *                                  logServerUrl: 'http://localhost:8000', apiKey });
 *   logger.info({ message: 'checkout_completed', traceId, userId, path: '/checkout', actionType: 'submit' });
 */

export { LogClient, ChildLogger, chunksUnder } from './client.js';
export type { LogClientOptions, LogClientStats, FetchLike } from './client.js';
export { LEVELS, LOG_TYPES, levelOf, snakeCase, columnOf } from './fields.js';
export type { Level, LevelName, LogFields, LogType, WireRecord } from './fields.js';
export { errorColumns } from './errors.js';
export { Trace, newTraceId, newSpanId, formatTraceparent, parseTraceparent } from './trace.js';
export type { TraceparentParts } from './trace.js';
export { backoffDelay, parseRetryAfter, isRetryableStatus } from './transport.js';
export { parseUserAgent } from './browser.js';
export type { BrowserInfo } from './browser.js';
