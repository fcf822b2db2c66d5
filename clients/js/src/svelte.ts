/**
 * Svelte and SvelteKit glue (`log-client/svelte`), with no dependency on svelte itself:
 *
 *   <svelte:boundary onerror={boundaryErrorHandler(logger, { boundary: 'checkout' })}>
 *
 *   // hooks.client.ts / hooks.server.ts
 *   export const handleError = sveltekitHandleError(logger);
 *
 * An error a boundary catches never reaches window.onerror, so without this it would be lost.
 */

import type { LogClient } from './client.js';
import type { LogFields } from './fields.js';
import { parseTraceparent } from './trace.js';

export interface BoundaryOptions {
  /** Names the boundary in metadata.boundary (which part of the page failed). */
  boundary?: string;
  /** Extra fields for the record (actionType, userId, …). */
  fields?: LogFields;
  /** Called after logging, with the same arguments Svelte passed. */
  onerror?: (error: unknown, reset: () => void) => void;
}

/** A Svelte 5 `<svelte:boundary onerror>` handler: logs the error (ERROR, with its stack). */
export function boundaryErrorHandler(
  logger: Pick<LogClient, 'exception'>,
  options: BoundaryOptions = {},
): (error: unknown, reset: () => void) => void {
  return (error: unknown, reset: () => void) => {
    try {
      const metadata: Record<string, unknown> = {
        source: 'svelte:boundary',
        ...(options.fields?.metadata ?? {}),
      };
      if (options.boundary) metadata.boundary = options.boundary;
      logger.exception(error, { ...options.fields, metadata });
    } catch {
      // logging must never break the app's error handling
    }
    options.onerror?.(error, reset);
  };
}

/** What SvelteKit passes to handleError (client and server hooks). */
export interface HandleErrorInput {
  error: unknown;
  event: {
    url?: URL;
    route?: { id: string | null };
    request?: Request;
    params?: Record<string, string>;
  };
  status?: number;
  message?: string;
}

export interface HandleErrorOptions {
  /** The message shown to the user (default: SvelteKit's own, e.g. "Internal Error"). */
  userMessage?: (input: HandleErrorInput) => string;
  fields?: LogFields;
}

/**
 * A SvelteKit `handleError` hook: logs the unexpected error (WARN for a 404, ERROR otherwise)
 * with path, method, route and status, on the request's trace when it came with `traceparent`,
 * and returns `{ message, traceId }` so an error page can show an id support can search for.
 */
export function sveltekitHandleError(
  logger: Pick<LogClient, 'exception' | 'currentTrace'>,
  options: HandleErrorOptions = {},
): (input: HandleErrorInput) => { message: string; traceId?: string } {
  return (input: HandleErrorInput) => {
    const status = typeof input?.status === 'number' ? input.status : 500;
    const message = options.userMessage?.(input) ?? input?.message ?? 'Internal Error';
    let traceId: string | undefined;
    try {
      const event = input?.event ?? {};
      traceId =
        parseTraceparent(event.request?.headers?.get?.('traceparent'))?.traceId ?? logger.currentTrace()?.traceId;
      const fields: LogFields = {
        ...options.fields,
        level: status === 404 ? 'WARN' : 'ERROR',
        path: event.url?.pathname,
        method: event.request?.method,
        traceId,
        metadata: {
          source: 'sveltekit.handleError',
          status_code: status,
          route: event.route?.id ?? undefined,
          ...(options.fields?.metadata ?? {}),
        },
      };
      logger.exception(input?.error, fields);
    } catch {
      // never let logging turn an error page into a crash
    }
    return traceId ? { message, traceId } : { message };
  };
}
