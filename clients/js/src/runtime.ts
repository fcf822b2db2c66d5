/**
 * What the client needs to know about where it runs, without importing anything Node-specific:
 * the same build must load in a browser bundle and in Node >= 18.
 */

/** The small part of Node's `process` the client touches (typed here so no @types/node is needed). */
export interface NodeProcessLike {
  versions?: { node?: string };
  env?: Record<string, string | undefined>;
  on(event: string, listener: (...args: any[]) => void): unknown;
  off?(event: string, listener: (...args: any[]) => void): unknown;
  removeListener?(event: string, listener: (...args: any[]) => void): unknown;
  listenerCount?(event: string): number;
  exit?(code?: number): never;
  exitCode?: number | string;
  getBuiltinModule?(id: string): any;
}

const g = globalThis as any;

/** True in a page or a web worker: records default to log_type FRONTEND there. */
export function isBrowser(): boolean {
  const hasWindow = typeof g.window !== 'undefined' && typeof g.document !== 'undefined';
  const isWorker = typeof g.WorkerGlobalScope !== 'undefined' && typeof g.importScripts === 'function';
  return hasWindow || isWorker;
}

/** Node's process object, or undefined outside Node (Deno and Bun expose one too, which is fine). */
export function nodeProcess(): NodeProcessLike | undefined {
  const proc = g.process;
  return proc && typeof proc.on === 'function' && proc.versions?.node ? (proc as NodeProcessLike) : undefined;
}

/** A timer that does not keep a Node process alive (browsers have no such notion). */
export function unrefTimer(handle: unknown): void {
  const timer = handle as { unref?: () => void } | undefined;
  if (timer && typeof timer.unref === 'function') timer.unref();
}

/** Node's AsyncLocalStorage when it can be had without a static import (Node >= 20.16). */
export function asyncLocalStorageClass(): (new () => AsyncLocalStorageLike<any>) | undefined {
  try {
    const mod = nodeProcess()?.getBuiltinModule?.('node:async_hooks');
    return mod?.AsyncLocalStorage;
  } catch {
    return undefined;
  }
}

export interface AsyncLocalStorageLike<T> {
  getStore(): T | undefined;
  run<R>(store: T, fn: () => R): R;
}

/** Fills `out` with random bytes: Web Crypto when present (browsers, Node >= 19), else Math.random. */
export function randomBytes(out: Uint8Array): Uint8Array {
  const crypto = g.crypto;
  if (crypto && typeof crypto.getRandomValues === 'function') {
    crypto.getRandomValues(out);
  } else {
    for (let i = 0; i < out.length; i++) out[i] = Math.floor(Math.random() * 256);
  }
  return out;
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]];
  return out;
}

/** A random RFC 4122 version 4 UUID: the Idempotency-Key of one batch. */
export function uuid(): string {
  const crypto = g.crypto;
  if (crypto && typeof crypto.randomUUID === 'function') {
    try {
      return crypto.randomUUID();
    } catch {
      // randomUUID exists but refuses outside secure contexts in some browsers: fall through
    }
  }
  const b = randomBytes(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = toHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
