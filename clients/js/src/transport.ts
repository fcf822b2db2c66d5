/**
 * Delivering one batch to `POST /logs`: an Idempotency-Key per batch that stays the same across
 * retries (the service stores a retried batch once), exponential backoff with jitter on network
 * errors, 408, 429 and 5xx, honouring Retry-After, and `keepalive` so a batch in flight survives
 * the page being closed. Nothing here throws: every outcome is a value.
 */

import type { WireRecord } from './fields.js';
import { uuid } from './runtime.js';

/** Browsers allow 64 KiB of keepalive request bodies in flight (and as much per sendBeacon). */
export const KEEPALIVE_LIMIT = 60_000;
const COMPRESS_ABOVE = 2_048;

export interface Batch {
  /** The Idempotency-Key: one UUID per batch, reused by every retry of it. */
  readonly id: string;
  readonly records: WireRecord[];
  attempts: number;
  /** Set when the page is going away and sendBeacon took the batch over. */
  handedOff?: boolean;
  /** True while a request of this batch is on the wire (not while waiting to retry). */
  inFlight?: boolean;
  body?: { data: string | Uint8Array; gzip: boolean };
  /** Ends a wait for the next retry early (page hidden, client closing). */
  wake?: () => void;
}

export function newBatch(records: WireRecord[]): Batch {
  return { id: uuid(), records, attempts: 0 };
}

export type Outcome =
  | { kind: 'sent'; accepted: number; rejected: number; duplicate: boolean }
  | { kind: 'split' } // 413 for a batch of several records: send it in halves
  | { kind: 'handed-off' }
  | { kind: 'failed'; status?: number; reason: string };

export interface TransportOptions {
  endpoint: string;
  apiKey?: string;
  fetch: typeof fetch;
  maxRetries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  maxRetryAfterMs: number;
  requestTimeoutMs: number;
  compress: boolean;
  /** Called before each retry (for stats). */
  onRetry?: (batch: Batch, delayMs: number, why: string) => void;
  /** When set and passed, no more retries are started (closing with a timeout). */
  deadline?: () => number | undefined;
}

const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE.has(status) || (status >= 500 && status <= 599);
}

/** Milliseconds from a Retry-After header: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(parseFloat(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The wait before retry number `attempt` (1-based): Retry-After when the server gave one
 * (capped, plus up to 20% so a crowd of clients does not come back at the same instant),
 * otherwise "equal jitter" exponential backoff: half the capped exponential delay, plus a
 * random part of the other half.
 */
export function backoffDelay(
  attempt: number,
  opts: Pick<TransportOptions, 'backoffBaseMs' | 'backoffMaxMs' | 'maxRetryAfterMs'>,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, opts.maxRetryAfterMs) * (1 + 0.2 * random());
  const cap = Math.min(opts.backoffMaxMs, opts.backoffBaseMs * 2 ** (attempt - 1));
  return cap / 2 + random() * (cap / 2);
}

function sleep(ms: number, batch: Batch): Promise<void> {
  // Not unref'd: a Node process waits for a retry rather than exit with the batch undelivered.
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      batch.wake = undefined;
      resolve();
    }
    batch.wake = done;
  });
}

async function gzip(text: string): Promise<Uint8Array | undefined> {
  const CS = (globalThis as any).CompressionStream;
  if (typeof CS !== 'function' || typeof Blob === 'undefined' || typeof Response === 'undefined') return undefined;
  try {
    const stream = new Blob([text]).stream().pipeThrough(new CS('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch {
    return undefined;
  }
}

function byteLength(data: string | Uint8Array): number {
  if (typeof data !== 'string') return data.byteLength;
  return typeof TextEncoder === 'function' ? new TextEncoder().encode(data).byteLength : data.length * 3;
}

async function encode(batch: Batch, compress: boolean): Promise<{ data: string | Uint8Array; gzip: boolean }> {
  if (!batch.body) {
    const json = JSON.stringify(batch.records);
    const zipped = compress && json.length > COMPRESS_ABOVE ? await gzip(json) : undefined;
    batch.body = zipped ? { data: zipped, gzip: true } : { data: json, gzip: false };
  }
  return batch.body;
}

async function readJson(resp: Response): Promise<any> {
  try {
    return await resp.json();
  } catch {
    return undefined;
  }
}

async function post(
  opts: TransportOptions,
  batch: Batch,
  body: { data: string | Uint8Array; gzip: boolean },
): Promise<Response> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'Idempotency-Key': batch.id,
  };
  if (opts.apiKey) headers.Authorization = `Bearer ${opts.apiKey}`;
  if (body.gzip) headers['Content-Encoding'] = 'gzip';
  const controller = typeof AbortController === 'function' ? new AbortController() : undefined;
  const timer = controller ? setTimeout(() => controller.abort(), opts.requestTimeoutMs) : undefined;
  try {
    return await opts.fetch(opts.endpoint, {
      method: 'POST',
      headers,
      body: body.data as BodyInit,
      // keepalive lets the request outlive the page; browsers refuse it above 64 KiB
      keepalive: byteLength(body.data) <= KEEPALIVE_LIMIT,
      signal: controller?.signal,
      credentials: 'omit',
      mode: 'cors',
    } as RequestInit);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** Sends `batch` until it is stored, refused for good, or out of retries. */
export async function sendBatch(opts: TransportOptions, batch: Batch): Promise<Outcome> {
  const body = await encode(batch, opts.compress);
  for (;;) {
    if (batch.handedOff) return { kind: 'handed-off' };
    batch.attempts += 1;
    let status: number | undefined;
    let retryAfter: number | undefined;
    let why: string;
    batch.inFlight = true;
    try {
      const resp = await post(opts, batch, body);
      status = resp.status;
      if (resp.ok) {
        const answer = await readJson(resp);
        const rejected = Array.isArray(answer?.rejected) ? answer.rejected.length : 0;
        const accepted = typeof answer?.accepted === 'number' ? answer.accepted : batch.records.length - rejected;
        return { kind: 'sent', accepted, rejected, duplicate: answer?.duplicate === true };
      }
      const answer = await readJson(resp);
      why = `HTTP ${status}${answer?.error ? `: ${answer.error}` : ''}`;
      if (status === 413 && batch.records.length > 1) return { kind: 'split' };
      if (!isRetryableStatus(status)) return { kind: 'failed', status, reason: why };
      retryAfter = parseRetryAfter(resp.headers.get('retry-after'));
    } catch (err) {
      why = `network error: ${(err as Error)?.message ?? String(err)}`;
    } finally {
      batch.inFlight = false;
    }
    if (batch.attempts > opts.maxRetries) {
      return { kind: 'failed', status, reason: `${why}; gave up after ${batch.attempts} attempts` };
    }
    let delay = backoffDelay(batch.attempts, opts, retryAfter);
    const deadline = opts.deadline?.();
    if (deadline !== undefined) {
      const left = deadline - Date.now();
      if (left <= 0) return { kind: 'failed', status, reason: `${why}; out of time` };
      delay = Math.min(delay, left);
    }
    opts.onRetry?.(batch, delay, why);
    await sleep(delay, batch);
    const end = opts.deadline?.();
    if (end !== undefined && Date.now() >= end && !batch.handedOff) {
      return { kind: 'failed', status, reason: `${why}; out of time` };
    }
  }
}
