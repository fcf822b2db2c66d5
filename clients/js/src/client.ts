/**
 * LogClient: structured logs from a browser or Node.js to the nlq ingest service.
 *
 * `logger.info({...})` builds one wire record and appends it to a bounded buffer; it never
 * blocks, never throws and never awaits. Batches leave by size or by interval, one request at a
 * time, each under its own Idempotency-Key. When a page is hidden or unloaded, what is buffered
 * leaves with navigator.sendBeacon (which survives the page; it cannot set headers, hence
 * `?api_key=` and a text/plain body, both accepted by the ingest service).
 */

import { currentBrowserInfo, type BrowserInfo } from './browser.js';
import { errorColumns } from './errors.js';
import {
  columnOf,
  LEVEL_RANK,
  levelOf,
  setColumn,
  snakeCase,
  type Level,
  type LevelName,
  type LogFields,
  type LogType,
  type WireRecord,
} from './fields.js';
import { toJsonValue } from './json.js';
import {
  asyncLocalStorageClass,
  isBrowser,
  nodeProcess,
  randomBytes,
  toHex,
  unrefTimer,
  type AsyncLocalStorageLike,
} from './runtime.js';
import { formatTraceparent, newSpanId, newTraceId, parseTraceparent, Trace } from './trace.js';
import { KEEPALIVE_LIMIT, newBatch, sendBatch, type Batch, type TransportOptions } from './transport.js';

export interface LogClientOptions {
  /** Service name (the `service` column), e.g. "web-app". */
  service: string;
  /** Base URL of the ingest service (records go to `<url>/logs`). */
  logServerUrl: string;
  /** An API key from NLQ_INGEST_KEYS. */
  apiKey?: string;
  /** production, staging, development (default), test, local. */
  environment?: string;
  serviceVersion?: string;
  /** Default FRONTEND in browsers and web workers, BACKEND elsewhere. */
  logType?: LogType | string;
  /** Records below this level are not sent (default: debug). */
  minLevel?: LevelName;
  /** Fields every record carries (e.g. `{ userId }`); a record's own fields win. */
  defaults?: LogFields;
  /** Browsers: a random id per tab (sessionStorage) unless given; false for none. */
  sessionId?: string | false;
  /** Records per request (default 100). */
  batchSize?: number;
  /** Longest a record waits in the buffer before it is sent (default 1000 ms). */
  flushIntervalMs?: number;
  /** Buffered records beyond this drop the oldest (counted in stats().dropped). Default 10000. */
  maxBufferSize?: number;
  /** Retries of one batch on network errors, 408, 429, 5xx (default 8). */
  maxRetries?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  maxRetryAfterMs?: number;
  requestTimeoutMs?: number;
  /** gzip batches larger than 2 KB where CompressionStream exists (default true). */
  compress?: boolean;
  /**
   * Log uncaught errors. Browsers: window `error` and `unhandledrejection` (default on).
   * Node: `uncaughtException` / `unhandledRejection` (default off; when it is the only handler,
   * the process still exits with code 1 as Node would, after the record is sent).
   */
  captureErrors?: boolean;
  /** Browsers: send what is buffered with sendBeacon on pagehide / hidden (default true). */
  useBeacon?: boolean;
  /** Browsers: metadata.browser / browser_version / os / device on every record (default true). */
  browserInfo?: boolean;
  /**
   * Which URLs `logger.fetch` adds `traceparent` to: URL prefixes or RegExps. Default: the page's
   * own origin in browsers (a cross-origin header forces a CORS preflight), every URL in Node.
   */
  tracePropagationTargets?: Array<string | RegExp>;
  /** The fetch used to send batches (default: globalThis.fetch at construction). */
  fetch?: typeof fetch;
  /** Told about batches that could not be delivered and other trouble; never required. */
  onError?: (error: Error, context: { batchId?: string; records?: number }) => void;
  /** Also print delivery problems with console.warn. */
  debug?: boolean;
  /** false: a no-op logger (keeps call sites unconditional). */
  enabled?: boolean;
}

export interface LogClientStats {
  /** records accepted into the buffer */
  enqueued: number;
  /** records the service stored (or already had: a duplicate batch) */
  sent: number;
  /** records lost because the buffer was full (oldest first) */
  dropped: number;
  /** records the service refused (reported per record in its answer) */
  rejected: number;
  /** records given up on after retries or a permanent error */
  failedRecords: number;
  failedBatches: number;
  batches: number;
  retries: number;
  /** records handed to navigator.sendBeacon (delivery unconfirmed by nature) */
  beaconed: number;
  /** records waiting in the buffer now */
  queued: number;
}

export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

type Writer = (level: Level, message: string | LogFields | undefined, fields: LogFields | undefined, bound: LogFields | undefined) => void;

/** The level methods, shared by the client and its children (`logger.child({...})`). */
abstract class LevelMethods {
  protected abstract write: Writer;
  protected abstract readonly bound: LogFields | undefined;

  trace(message: string | LogFields, fields?: LogFields): void {
    this.write('TRACE', message, fields, this.bound);
  }
  debug(message: string | LogFields, fields?: LogFields): void {
    this.write('DEBUG', message, fields, this.bound);
  }
  info(message: string | LogFields, fields?: LogFields): void {
    this.write('INFO', message, fields, this.bound);
  }
  warn(message: string | LogFields, fields?: LogFields): void {
    this.write('WARN', message, fields, this.bound);
  }
  error(message: string | LogFields, fields?: LogFields): void {
    this.write('ERROR', message, fields, this.bound);
  }
  fatal(message: string | LogFields, fields?: LogFields): void {
    this.write('FATAL', message, fields, this.bound);
  }
  /** Any level by name: `logger.log('warning', {...})`. */
  log(level: LevelName | string, message: string | LogFields, fields?: LogFields): void {
    this.write(levelOf(level) ?? 'INFO', message, fields, this.bound);
  }
}

/** A logger with fields bound to every record it writes; shares its parent's buffer. */
export class ChildLogger extends LevelMethods {
  protected readonly write: Writer;
  protected readonly bound: LogFields;
  private readonly parent: LogClient;

  /** @internal */
  constructor(parent: LogClient, write: Writer, bound: LogFields) {
    super();
    this.parent = parent;
    this.write = write;
    this.bound = bound;
  }

  child(fields: LogFields): ChildLogger {
    return new ChildLogger(this.parent, this.write, { ...this.bound, ...fields });
  }

  exception(error: unknown, fields?: LogFields): void {
    const merged: LogFields = { ...this.bound };
    assignSafe(merged, fields);
    this.parent.exception(error, merged);
  }
}

const SESSION_KEY = 'log-client.session-id';
const DEFAULT_TARGETS_NODE: Array<string | RegExp> = [/.*/];

function newSessionId(): string {
  return `sess_${toHex(randomBytes(new Uint8Array(8)))}`;
}

function browserSessionId(): string {
  try {
    const storage = (globalThis as any).sessionStorage as Storage | undefined;
    const existing = storage?.getItem(SESSION_KEY);
    if (existing) return existing;
    const id = newSessionId();
    storage?.setItem(SESSION_KEY, id);
    return id;
  } catch {
    return newSessionId(); // storage disabled (privacy mode, sandboxed iframe)
  }
}

function endpointOf(base: string): string {
  const trimmed = String(base || '').replace(/\/+$/, '');
  return /\/logs$/.test(trimmed) ? trimmed : `${trimmed}/logs`;
}

function urlOf(input: RequestInfo | URL): string {
  if (typeof input === 'string') return input;
  if (typeof URL !== 'undefined' && input instanceof URL) return input.href;
  return (input as Request).url ?? String(input);
}

function absoluteUrl(url: string): URL | undefined {
  try {
    const base = (globalThis as any).location?.href as string | undefined;
    return base ? new URL(url, base) : new URL(url);
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------------------ process-wide hooks

/**
 * One listener per process event for all clients (no MaxListeners warnings with many clients).
 * The crash listeners exist only while some client asked for them: a listener on
 * `unhandledRejection` changes what Node does, so nobody gets one without opting in.
 */
const nodeClients = new Set<LogClient>();
let exitHookInstalled = false;
let crashHooks: { uncaught: (e: unknown) => void; rejection: (e: unknown) => void } | undefined;
let crashing = false;

function installNodeHooks(client: LogClient): void {
  const proc = nodeProcess();
  if (!proc) return;
  nodeClients.add(client);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // When the event loop runs dry, send what is buffered (the flush timer does not hold the loop).
    proc.on('beforeExit', () => {
      for (const c of nodeClients) c._onBeforeExit();
    });
  }
  if (client._capturesNodeErrors && !crashHooks) {
    crashHooks = {
      uncaught: (error: unknown) => onNodeCrash(error, 'uncaughtException'),
      rejection: (reason: unknown) => onNodeCrash(reason, 'unhandledRejection'),
    };
    proc.on('uncaughtException', crashHooks.uncaught);
    proc.on('unhandledRejection', crashHooks.rejection);
  }
}

function removeNodeHooks(client: LogClient): void {
  nodeClients.delete(client);
  const proc = nodeProcess();
  if (!proc || !crashHooks || [...nodeClients].some((c) => c._capturesNodeErrors) || crashing) return;
  const off = (proc.off ?? proc.removeListener)?.bind(proc);
  off?.('uncaughtException', crashHooks.uncaught);
  off?.('unhandledRejection', crashHooks.rejection);
  crashHooks = undefined;
}

function onNodeCrash(error: unknown, source: 'uncaughtException' | 'unhandledRejection'): void {
  const proc = nodeProcess();
  const capturing = [...nodeClients].filter((c) => c._capturesNodeErrors);
  for (const client of capturing) client._logCrash(error, source);
  // With no other listener, do what Node would have done: print the error and exit with 1.
  if (!proc || (proc.listenerCount?.(source) ?? 1) > 1 || crashing) return;
  crashing = true;
  try {
    const text = error instanceof Error && error.stack ? error.stack : String(error);
    console.error(source === 'unhandledRejection' ? `Unhandled promise rejection: ${text}` : text);
  } catch {
    // stderr closed
  }
  const exit = () => proc.exit?.(1);
  Promise.all(capturing.map((c) => c.close(2000))).then(exit, exit);
  setTimeout(exit, 3000);
}

// ------------------------------------------------------------------------------------- the client

export class LogClient extends LevelMethods {
  readonly service: string;
  readonly endpoint: string;
  protected readonly bound: LogFields | undefined = undefined;
  private readonly opts: LogClientOptions;
  private readonly enabled: boolean;
  private readonly logType: string;
  private readonly minRank: number;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly maxBufferSize: number;
  private readonly transport: TransportOptions;
  private readonly browser: boolean;
  private readonly browserMeta: BrowserInfo | undefined;
  private readonly sessionId: string | undefined;
  private readonly als: AsyncLocalStorageLike<Trace> | undefined;
  private readonly targets: Array<string | RegExp> | undefined;
  private context: LogFields;
  private activeTrace: Trace | undefined;
  private buffer: WireRecord[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pumping: Promise<void> | undefined;
  private current: Batch | undefined;
  private closed = false;
  private deadline: number | undefined;
  private readonly logged = new WeakSet<object>();
  private readonly counts = {
    enqueued: 0, sent: 0, dropped: 0, rejected: 0, failedRecords: 0, failedBatches: 0,
    batches: 0, retries: 0, beaconed: 0,
  };
  private readonly detach: Array<() => void> = [];
  /** @internal */
  readonly _capturesNodeErrors: boolean;

  constructor(options: LogClientOptions) {
    super();
    options = (options ?? {}) as LogClientOptions; // JS callers: never throw, be a no-op instead
    this.opts = { ...options };
    this.service = String(options?.service ?? '');
    this.endpoint = endpointOf(options?.logServerUrl);
    this.browser = isBrowser();
    this.enabled = options?.enabled !== false && Boolean(this.service) && Boolean(options?.logServerUrl);
    this.logType = String(options.logType ?? (this.browser ? 'FRONTEND' : 'BACKEND')).toUpperCase();
    this.minRank = LEVEL_RANK[levelOf(options.minLevel) ?? 'DEBUG'];
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? 100));
    this.flushIntervalMs = Math.max(10, options.flushIntervalMs ?? 1000);
    this.maxBufferSize = Math.max(this.batchSize, Math.floor(options.maxBufferSize ?? 10_000));
    this.context = {};
    assignSafe(this.context, options.defaults);
    this.browserMeta = this.browser && options.browserInfo !== false ? currentBrowserInfo() : undefined;
    this.sessionId =
      options.sessionId === false ? undefined : (options.sessionId ?? (this.browser ? browserSessionId() : undefined));
    this.targets = options.tracePropagationTargets ?? (this.browser ? undefined : DEFAULT_TARGETS_NODE);
    const ALS = this.browser ? undefined : asyncLocalStorageClass();
    this.als = ALS ? new ALS() : undefined;

    const baseFetch = options.fetch ?? (globalThis as any).fetch;
    this.transport = {
      endpoint: this.endpoint,
      apiKey: options.apiKey,
      fetch: typeof baseFetch === 'function' ? baseFetch.bind(globalThis) : missingFetch,
      maxRetries: Math.max(0, options.maxRetries ?? 8),
      backoffBaseMs: options.backoffBaseMs ?? 500,
      backoffMaxMs: options.backoffMaxMs ?? 30_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      compress: options.compress !== false,
      onRetry: () => {
        this.counts.retries += 1;
      },
      deadline: () => this.deadline,
    };
    this._capturesNodeErrors = !this.browser && options.captureErrors === true;
    this.fetch = this.fetch.bind(this);
    if (this.enabled) this.attach();
  }

  protected write: Writer = (level, message, fields, bound) => {
    try {
      if (!this.enabled || LEVEL_RANK[level] < this.minRank) return;
      const merged: LogFields = {};
      assignSafe(merged, bound);
      if (typeof message === 'string' || typeof message === 'number' || typeof message === 'boolean') {
        assignSafe(merged, fields);
        merged.message = String(message);
      } else {
        assignSafe(merged, message);
        assignSafe(merged, fields);
      }
      this.enqueue(this.build(level, merged));
    } catch (err) {
      this.report(err, {});
    }
  };

  // ------------------------------------------------------------------------------ public API

  /** Log an Error (or anything thrown): message, error_type (its name), stack_trace. */
  exception(error: unknown, fields?: LogFields): void {
    try {
      if (!this.enabled) return;
      if (error && typeof error === 'object') this.logged.add(error);
      const cols = errorColumns(error);
      const extra: LogFields = {};
      assignSafe(extra, fields);
      const level = levelOf(extra.level) ?? 'ERROR';
      delete extra.level;
      const meta: Record<string, unknown> = {};
      if (extra.metadata && typeof extra.metadata === 'object') assignSafe(meta, extra.metadata);
      if (cols.cause) meta.cause = cols.cause;
      if (extra.message !== undefined && extra.message !== cols.message) meta.error_message = cols.message;
      this.write(level, {
        errorType: cols.error_type,
        stackTrace: cols.stack_trace,
        ...extra,
        message: extra.message ?? cols.message,
        metadata: Object.keys(meta).length ? meta : undefined,
      }, undefined, undefined);
    } catch (err) {
      this.report(err, {});
    }
  }

  /** Whether `error` was already logged by exception() (so global handlers skip it). */
  wasLogged(error: unknown): boolean {
    return typeof error === 'object' && error !== null && this.logged.has(error);
  }

  /** A logger whose records all carry `fields` (same buffer, same delivery). */
  child(fields: LogFields): ChildLogger {
    return new ChildLogger(this, this.write, { ...fields });
  }

  /** Fields for every later record, e.g. after sign-in: `setContext({ userId: 'user_123' })`. */
  setContext(fields: LogFields): void {
    const next: LogFields = { ...this.context };
    assignSafe(next, fields);
    this.context = next;
  }

  setUser(userId: string | number | undefined): void {
    this.setContext({ userId: userId === undefined ? undefined : String(userId) });
  }

  /**
   * Start a trace for one user action and make it current: records without their own traceId
   * carry it, and `logger.fetch` sends it as `traceparent`. It stays current until the next
   * startTrace() or endTrace().
   */
  startTrace(options: { name?: string; traceId?: string; traceparent?: string } = {}): Trace {
    const trace = this.makeTrace(options);
    this.activeTrace = trace;
    return trace;
  }

  /** Stop `trace` (default: the current one) being current. */
  endTrace(trace?: Trace): void {
    if (!trace || this.activeTrace === trace) this.activeTrace = undefined;
  }

  /** The trace records are stamped with now, if any. */
  currentTrace(): Trace | undefined {
    return this.als?.getStore() ?? this.activeTrace;
  }

  /**
   * Run `fn` as one traced action (a new trace, or the caller's from `traceparent`). In Node the
   * trace follows the async calls `fn` makes (AsyncLocalStorage); in a browser it is current
   * until `fn`'s promise settles.
   */
  withTrace<T>(fn: (trace: Trace) => T, options: { name?: string; traceId?: string; traceparent?: string } = {}): T {
    const trace = this.makeTrace(options);
    if (this.als) return this.als.run(trace, () => fn(trace));
    const previous = this.activeTrace;
    this.activeTrace = trace;
    const restore = () => {
      if (this.activeTrace === trace) this.activeTrace = previous;
    };
    let result: T;
    try {
      result = fn(trace);
    } catch (err) {
      restore();
      throw err;
    }
    if (result && typeof (result as any).then === 'function') {
      (result as any).then(restore, restore);
    } else {
      restore();
    }
    return result;
  }

  /**
   * The app's own fetch with `traceparent: 00-<trace id>-<new span id>-01` added (for URLs in
   * tracePropagationTargets), so the backend's records carry this action's trace_id.
   */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const appFetch: FetchLike | undefined = (globalThis as any).fetch;
    if (typeof appFetch !== 'function') return Promise.reject(new TypeError('fetch is not available in this runtime'));
    let nextInit = init;
    try {
      if (this.shouldPropagate(urlOf(input))) {
        const source = init?.headers ?? (typeof Request !== 'undefined' && input instanceof Request ? input.headers : undefined);
        const headers = new Headers(source);
        if (!headers.has('traceparent')) {
          const traceId = this.currentTrace()?.traceId ?? newTraceId();
          headers.set('traceparent', formatTraceparent(traceId, newSpanId()));
        }
        nextInit = { ...init, headers };
      }
    } catch (err) {
      this.report(err, {});
      nextInit = init;
    }
    return appFetch(input, nextInit);
  }

  /** Send everything buffered now; resolves when done (never rejects). */
  async flush(): Promise<void> {
    try {
      this.clearTimer();
      while (this.buffer.length > 0 || this.pumping) {
        await this.pump();
      }
    } catch (err) {
      this.report(err, {});
    }
  }

  /**
   * Flush within `timeoutMs` (retries stop at the deadline), then detach every listener.
   * Resolves true when nothing was left undelivered. Later records are ignored.
   */
  async close(timeoutMs = 5000): Promise<boolean> {
    const failedBefore = this.counts.failedRecords;
    if (!this.closed) {
      this.closed = true;
      this.deadline = Date.now() + timeoutMs;
      let timeout: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.flush(),
        new Promise<void>((resolve) => {
          timeout = setTimeout(resolve, timeoutMs + 50);
          unrefTimer(timeout);
        }),
      ]);
      if (timeout !== undefined) clearTimeout(timeout);
      this.current?.wake?.(); // past the deadline: a batch waiting to retry gives up now
      this.clearTimer();
      for (const undo of this.detach.splice(0)) {
        try {
          undo();
        } catch {
          // listener already gone
        }
      }
      removeNodeHooks(this);
    }
    return this.buffer.length === 0 && !this.pumping && this.counts.failedRecords === failedBefore;
  }

  stats(): LogClientStats {
    return { ...this.counts, queued: this.buffer.length };
  }

  // ------------------------------------------------------------------------------ internals

  private makeTrace(options: { name?: string; traceId?: string; traceparent?: string }): Trace {
    const parent = parseTraceparent(options.traceparent);
    return new Trace({ name: options.name, traceId: options.traceId ?? parent?.traceId });
  }

  private shouldPropagate(url: string): boolean {
    if (this.targets) {
      const absolute = absoluteUrl(url)?.href ?? url;
      return this.targets.some((t) => (typeof t === 'string' ? absolute.startsWith(t) || url.startsWith(t) : t.test(absolute)));
    }
    const target = absoluteUrl(url);
    const origin = (globalThis as any).location?.origin;
    return Boolean(target && origin && target.origin === origin);
  }

  private build(level: Level, fields: LogFields): WireRecord {
    const rec: Record<string, unknown> = {
      message: '',
      service: this.service,
      log_type: this.logType,
      level,
      created_at: new Date().toISOString(),
    };
    if (this.opts.environment) rec.environment = this.opts.environment;
    if (this.opts.serviceVersion) rec.service_version = this.opts.serviceVersion;
    if (this.sessionId) rec.session_id = this.sessionId;
    if (this.browser) {
      const path = (globalThis as any).location?.pathname;
      if (typeof path === 'string' && path) rec.path = path;
    }
    let meta: Record<string, unknown> | undefined = this.browserMeta ? { ...this.browserMeta } : undefined;
    let explicitMeta: Record<string, unknown> | undefined;
    for (const source of [this.context, fields]) {
      for (const key of Object.keys(source)) {
        const value = source[key];
        if (value === undefined || value === null) continue;
        const column = columnOf(key);
        if (column === 'metadata') {
          if (typeof value === 'object' && !Array.isArray(value)) explicitMeta = { ...explicitMeta, ...(value as object) };
          else (meta ??= {}).metadata = toJsonValue(value);
          continue;
        }
        if (column && setColumn(rec, column, value)) continue;
        const json = toJsonValue(value);
        if (json !== undefined) (meta ??= {})[column ?? snakeCase(key)] = json;
      }
    }
    if (rec.trace_id === undefined) {
      const trace = this.currentTrace();
      if (trace) rec.trace_id = trace.traceId;
    }
    if (!rec.message) rec.message = '(no message)';
    if (explicitMeta) {
      const json = toJsonValue(explicitMeta) as Record<string, unknown>;
      meta = { ...meta, ...json };
    }
    if (meta && Object.keys(meta).length) rec.metadata = meta;
    return rec as unknown as WireRecord;
  }

  private enqueue(rec: WireRecord): void {
    if (this.closed) {
      this.counts.dropped += 1;
      return;
    }
    this.buffer.push(rec);
    this.counts.enqueued += 1;
    const over = this.buffer.length - this.maxBufferSize;
    if (over > 0) {
      this.buffer.splice(0, over);
      this.counts.dropped += over;
      if (this.opts.debug) this.warn_(`log-client: buffer full, dropped ${over} oldest record(s)`);
    }
    if (this.buffer.length >= this.batchSize) {
      this.clearTimer();
      // after the current synchronous burst of logging, so it leaves as full batches
      const t = setTimeout(() => void this.pump(), 0);
      unrefTimer(t);
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.pump();
      }, this.flushIntervalMs);
      unrefTimer(this.timer);
    }
  }

  private clearTimer(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private pump(): Promise<void> {
    if (this.pumping) return this.pumping;
    if (this.buffer.length === 0) return Promise.resolve();
    this.pumping = (async () => {
      try {
        while (this.buffer.length > 0) {
          await this.deliver(newBatch(this.buffer.splice(0, this.batchSize)));
        }
      } catch (err) {
        this.report(err, {});
      } finally {
        this.pumping = undefined;
        this.current = undefined;
      }
    })();
    return this.pumping;
  }

  private async deliver(batch: Batch): Promise<void> {
    this.current = batch;
    const outcome = await sendBatch(this.transport, batch);
    this.current = undefined;
    switch (outcome.kind) {
      case 'sent':
        this.counts.batches += 1;
        this.counts.rejected += outcome.rejected;
        this.counts.sent += batch.records.length - outcome.rejected;
        if (outcome.rejected && this.opts.debug) this.warn_(`log-client: ${outcome.rejected} record(s) rejected by the ingest service`);
        return;
      case 'split': {
        const half = Math.ceil(batch.records.length / 2);
        await this.deliver(newBatch(batch.records.slice(0, half)));
        await this.deliver(newBatch(batch.records.slice(half)));
        return;
      }
      case 'handed-off':
        return; // sendBeacon took it (counted there)
      case 'failed':
        this.counts.failedBatches += 1;
        this.counts.failedRecords += batch.records.length;
        this.report(new Error(`log-client: batch of ${batch.records.length} not delivered: ${outcome.reason}`), {
          batchId: batch.id,
          records: batch.records.length,
        });
    }
  }

  /** Page going away: hand what is buffered (and a batch waiting to retry) to sendBeacon. */
  private beaconFlush(): void {
    try {
      this.clearTimer();
      const nav = (globalThis as any).navigator;
      const canBeacon = this.opts.useBeacon !== false && typeof nav?.sendBeacon === 'function';
      if (!canBeacon) {
        void this.pump(); // fetch with keepalive outlives the page too
        return;
      }
      const waiting = this.current && !this.current.inFlight && !this.current.handedOff ? this.current : undefined;
      if (waiting && this.beacon(nav, waiting.records, waiting.id)) {
        waiting.handedOff = true;
        waiting.wake?.();
      }
      if (this.buffer.length === 0) return;
      const records = this.buffer.splice(0);
      const leftovers: WireRecord[] = [];
      for (const chunk of chunksUnder(records, KEEPALIVE_LIMIT)) {
        if (!this.beacon(nav, chunk, newBatch([]).id)) leftovers.push(...chunk);
      }
      if (leftovers.length) {
        this.buffer.unshift(...leftovers);
        void this.pump();
      }
    } catch (err) {
      this.report(err, {});
    }
  }

  private beacon(nav: { sendBeacon(url: string, data?: BodyInit): boolean }, records: WireRecord[], key: string): boolean {
    const params = new URLSearchParams({ idempotency_key: key });
    if (this.opts.apiKey) params.set('api_key', this.opts.apiKey);
    const body = JSON.stringify(records);
    // text/plain is a CORS-safelisted type: no preflight, which a beacon could not do
    const ok = nav.sendBeacon(`${this.endpoint}?${params}`, new Blob([body], { type: 'text/plain;charset=UTF-8' }));
    if (ok) this.counts.beaconed += records.length;
    return ok;
  }

  private attach(): void {
    const g = globalThis as any;
    if (this.browser && typeof g.addEventListener === 'function') {
      const onPageHide = () => this.beaconFlush();
      const onVisibility = () => {
        if (g.document?.visibilityState === 'hidden') this.beaconFlush();
      };
      g.addEventListener('pagehide', onPageHide);
      g.document?.addEventListener?.('visibilitychange', onVisibility);
      this.detach.push(() => g.removeEventListener('pagehide', onPageHide));
      this.detach.push(() => g.document?.removeEventListener?.('visibilitychange', onVisibility));
      if (this.opts.captureErrors !== false) {
        const onError = (event: ErrorEvent) => this.onWindowError(event);
        const onRejection = (event: PromiseRejectionEvent) => this.onRejection(event);
        g.addEventListener('error', onError);
        g.addEventListener('unhandledrejection', onRejection);
        this.detach.push(() => g.removeEventListener('error', onError));
        this.detach.push(() => g.removeEventListener('unhandledrejection', onRejection));
      }
    } else if (nodeProcess()) {
      installNodeHooks(this);
    }
  }

  private onWindowError(event: ErrorEvent): void {
    try {
      const error = event?.error;
      if (error !== undefined && error !== null) {
        if (this.wasLogged(error)) return;
        this.exception(error, { metadata: { source: 'window.onerror' } });
        return;
      }
      // "Script error." from a cross-origin script, or an ErrorEvent without an error object
      this.write('ERROR', {
        message: event?.message || 'Script error',
        errorType: 'Error',
        filePath: event?.filename || undefined,
        metadata: { source: 'window.onerror', line: event?.lineno, column: event?.colno },
      }, undefined, undefined);
    } catch (err) {
      this.report(err, {});
    }
  }

  private onRejection(event: PromiseRejectionEvent): void {
    try {
      const reason = event?.reason;
      if (this.wasLogged(reason)) return;
      this.exception(reason, { metadata: { source: 'unhandledrejection' } });
    } catch (err) {
      this.report(err, {});
    }
  }

  /** @internal */
  _onBeforeExit(): void {
    if (this.buffer.length > 0 && !this.pumping) void this.pump();
  }

  /** @internal */
  _logCrash(error: unknown, source: string): void {
    if (this.wasLogged(error)) return;
    this.exception(error, { level: 'FATAL', metadata: { source } });
  }

  private report(err: unknown, context: { batchId?: string; records?: number }): void {
    const error = err instanceof Error ? err : new Error(String(err));
    try {
      this.opts.onError?.(error, context);
    } catch {
      // the app's own handler failed: nothing more to do
    }
    if (this.opts.debug) this.warn_(error.message);
  }

  private warn_(text: string): void {
    try {
      console.warn(text);
    } catch {
      // no console
    }
  }
}

/** Object.assign that skips throwing getters and tolerates non-objects (app input is untrusted). */
function assignSafe(target: Record<string, unknown>, source: unknown): void {
  if (!source || typeof source !== 'object') return;
  for (const key of Object.keys(source)) {
    try {
      target[key] = (source as Record<string, unknown>)[key];
    } catch {
      // a getter that throws: skip the field, keep the record
    }
  }
}

function missingFetch(): Promise<Response> {
  return Promise.reject(new Error('no fetch() in this runtime: pass options.fetch (Node >= 18 has one)'));
}

function utf8Length(text: string): number {
  return typeof TextEncoder === 'function' ? new TextEncoder().encode(text).byteLength : text.length * 3;
}

/** Split records into runs whose JSON array stays under `limit` bytes (one oversized record alone). */
export function chunksUnder(records: WireRecord[], limit: number): WireRecord[][] {
  const out: WireRecord[][] = [];
  let chunk: WireRecord[] = [];
  let size = 2;
  for (const rec of records) {
    const n = utf8Length(JSON.stringify(rec)) + 1;
    if (chunk.length && size + n > limit) {
      out.push(chunk);
      chunk = [];
      size = 2;
    }
    chunk.push(rec);
    size += n;
  }
  if (chunk.length) out.push(chunk);
  return out;
}
