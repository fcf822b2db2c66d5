/**
 * The wire vocabulary: an app writes camelCase (`traceId`, `durationMs`), the ingest service
 * takes the `logs` table's snake_case column names (`trace_id`, `duration_ms`). Anything that is
 * not a column goes into `metadata` (with its key in snake_case, like the Python client's), so a
 * typo never silently creates a new column nor loses the value.
 */

export const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
export type Level = (typeof LEVELS)[number];
export type LevelName = Level | Lowercase<Level> | 'warning' | 'critical';

export const LOG_TYPES = ['BACKEND', 'FRONTEND', 'MOBILE', 'IOT', 'WORKER'] as const;
export type LogType = (typeof LOG_TYPES)[number];

export const LEVEL_RANK: Record<Level, number> = { TRACE: 5, DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40, FATAL: 50 };

const LEVEL_ALIASES: Record<string, Level> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  warning: 'WARN',
  error: 'ERROR',
  err: 'ERROR',
  fatal: 'FATAL',
  critical: 'FATAL',
};

/** `"warning"` → `"WARN"`; undefined for an unknown level. */
export function levelOf(value: unknown): Level | undefined {
  return typeof value === 'string' ? LEVEL_ALIASES[value.trim().toLowerCase()] : undefined;
}

/** The fields an app may pass to `logger.info({...})`; every other key goes to metadata. */
export interface LogFields {
  message?: string;
  level?: LevelName;
  logType?: LogType | string;
  service?: string;
  environment?: string;
  serviceVersion?: string;
  /** A Date, epoch milliseconds or an ISO-8601 string; default: now. */
  createdAt?: Date | number | string;
  traceId?: string;
  userId?: string | number;
  sessionId?: string;
  errorType?: string;
  stackTrace?: string;
  /** Page path in a browser, API endpoint in a backend. */
  path?: string;
  method?: string;
  /** Frontend user action: click, submit, navigate, view, … */
  actionType?: string;
  functionName?: string;
  filePath?: string;
  durationMs?: number;
  /** No column: stored as metadata.status_code. */
  statusCode?: number;
  metadata?: Record<string, unknown>;
  [extra: string]: unknown;
}

/** One record as sent: the `logs` column names. */
export interface WireRecord {
  message: string;
  service: string;
  log_type: string;
  level: Level;
  environment?: string;
  created_at: string;
  service_version?: string;
  trace_id?: string;
  user_id?: string;
  session_id?: string;
  error_type?: string;
  stack_trace?: string;
  path?: string;
  method?: string;
  action_type?: string;
  function_name?: string;
  file_path?: string;
  duration_ms?: number;
  metadata?: Record<string, unknown>;
}

/** App key (camelCase or already snake_case) → column. */
const COLUMN_OF: Record<string, keyof WireRecord> = {};
for (const column of [
  'message', 'level', 'log_type', 'service', 'environment', 'service_version', 'created_at',
  'trace_id', 'user_id', 'session_id', 'error_type', 'stack_trace', 'path', 'method',
  'action_type', 'function_name', 'file_path', 'duration_ms', 'metadata',
] as const) {
  COLUMN_OF[column] = column;
  COLUMN_OF[column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = column;
}

/** VARCHAR(n) limits of the logs table: longer values are cut here rather than rejected there. */
export const VARCHAR_LIMITS: Partial<Record<keyof WireRecord, number>> = {
  service: 100,
  service_version: 50,
  trace_id: 32,
  user_id: 255,
  session_id: 100,
  error_type: 200,
  path: 500,
  action_type: 50,
  function_name: 300,
  file_path: 1000,
};
const MAX_DURATION_MS = 9_999_999.999;
const MAX_TEXT = 1_000_000; // message / stack_trace: TEXT, but a megabyte is plenty for a log line

export function columnOf(key: string): keyof WireRecord | undefined {
  return Object.prototype.hasOwnProperty.call(COLUMN_OF, key) ? COLUMN_OF[key] : undefined;
}

/** `cartTotal` → `cart_total` (metadata keys read like the columns next to them). */
export function snakeCase(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

function cut(value: string, limit: number): string {
  return value.length > limit ? value.slice(0, limit) : value;
}

/** A created_at for the wire: ISO-8601 in UTC. */
export function timestampOf(value: unknown): string | undefined {
  let date: Date | undefined;
  if (value instanceof Date) date = value;
  else if (typeof value === 'number' && Number.isFinite(value)) date = new Date(value);
  else if (typeof value === 'string' && value.trim()) return value.trim();
  return date && !Number.isNaN(date.getTime()) ? date.toISOString() : undefined;
}

/**
 * Sets one column of `rec` from an app value, normalising what the table is strict about.
 * Returns false when the value cannot be a column value (the caller keeps it in metadata).
 */
export function setColumn(rec: Record<string, unknown>, column: keyof WireRecord, value: unknown): boolean {
  switch (column) {
    case 'level': {
      const level = levelOf(value);
      if (!level) return false;
      rec.level = level;
      return true;
    }
    case 'created_at': {
      const ts = timestampOf(value);
      if (!ts) return false;
      rec.created_at = ts;
      return true;
    }
    case 'duration_ms': {
      const n = typeof value === 'string' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return false;
      rec.duration_ms = Math.min(Math.round(n * 1000) / 1000, MAX_DURATION_MS);
      return true;
    }
    case 'method':
      if (typeof value !== 'string' || !value) return false;
      rec.method = value.toUpperCase();
      return true;
    case 'log_type':
      if (typeof value !== 'string' || !value) return false;
      rec.log_type = value.toUpperCase();
      return true;
    case 'metadata':
      return false; // merged by the caller
    case 'trace_id': {
      if (typeof value !== 'string' || !value) return false;
      const id = value.length === 36 && value.split('-').length === 5 ? value.replace(/-/g, '') : value;
      rec.trace_id = cut(id.toLowerCase(), 32);
      return true;
    }
    case 'message':
    case 'stack_trace':
      if (typeof value !== 'string') {
        if (value === undefined || value === null) return false;
        value = String(value);
      }
      rec[column] = cut(value as string, MAX_TEXT);
      return true;
    default: {
      if (typeof value === 'number' || typeof value === 'bigint') value = String(value);
      if (typeof value !== 'string' || value === '') return false;
      const limit = VARCHAR_LIMITS[column];
      rec[column] = limit ? cut(value, limit) : value;
      return true;
    }
  }
}
