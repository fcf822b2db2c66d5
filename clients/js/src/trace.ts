/**
 * W3C Trace Context ids: a trace id (32 hex digits) names one user action end to end, a span id
 * (16 hex digits) one hop of it. The `traceparent` header carries both to the backend, whose
 * logs then share the action's trace_id (see the ingest README: "trace_id로 프론트-백 연결").
 */

import { randomBytes, toHex } from './runtime.js';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** A new random 32-hex-digit trace id (never all zeros, which W3C declares invalid). */
export function newTraceId(): string {
  for (;;) {
    const id = toHex(randomBytes(new Uint8Array(16)));
    if (id !== ZERO_TRACE) return id;
  }
}

/** A new random 16-hex-digit span id (never all zeros). */
export function newSpanId(): string {
  for (;;) {
    const id = toHex(randomBytes(new Uint8Array(8)));
    if (id !== ZERO_SPAN) return id;
  }
}

/** `00-<traceId>-<spanId>-01` (version 00, sampled). */
export function formatTraceparent(traceId: string, spanId: string, sampled = true): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}

export interface TraceparentParts {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

/** Parse a `traceparent` header; undefined when it is not a valid W3C value. */
export function parseTraceparent(header: string | null | undefined): TraceparentParts | undefined {
  if (typeof header !== 'string') return undefined;
  const m = TRACEPARENT.exec(header.trim().toLowerCase());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags] = m;
  if (version === 'ff' || traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  if (version === '00' && header.trim().length !== 55) return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

/** One user action: its trace id, the span that started it, and fields its records share. */
export class Trace {
  readonly traceId: string;
  readonly spanId: string;
  readonly name?: string;
  readonly startedAt: number;

  constructor(options: { traceId?: string; spanId?: string; name?: string } = {}) {
    this.traceId = options.traceId ?? newTraceId();
    this.spanId = options.spanId ?? newSpanId();
    this.name = options.name;
    this.startedAt = Date.now();
  }

  /** A `traceparent` value for one outgoing request of this action (a new span id per call). */
  traceparent(): string {
    return formatTraceparent(this.traceId, newSpanId());
  }
}
