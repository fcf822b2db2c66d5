/**
 * An Error (or anything thrown) → the error columns: message, error_type (its name) and
 * stack_trace. function_name / file_path are left to the ingest service, which takes them from
 * the innermost application frame of V8, Firefox and Safari stacks alike.
 */

export interface ErrorColumns {
  message: string;
  error_type: string;
  stack_trace?: string;
  cause?: { error_type: string; message: string };
}

function nameOf(err: Error): string {
  const name = typeof err.name === 'string' && err.name ? err.name : 'Error';
  if (name === 'Error') {
    // `class PaymentDeclined extends Error {}` without setting name still says "Error"
    const ctor = (err as { constructor?: { name?: unknown } }).constructor;
    if (ctor && typeof ctor.name === 'string' && ctor.name && ctor.name !== 'Object') return ctor.name;
  }
  return name;
}

function isErrorLike(value: unknown): value is Error {
  if (value instanceof Error) return true;
  // Errors from another realm (iframe, vm context) fail instanceof
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Error).message === 'string' &&
    (typeof (value as Error).stack === 'string' || typeof (value as Error).name === 'string')
  );
}

export function errorColumns(error: unknown): ErrorColumns {
  try {
    if (isErrorLike(error)) {
      const out: ErrorColumns = {
        message: error.message || nameOf(error),
        error_type: nameOf(error),
      };
      if (typeof error.stack === 'string' && error.stack) out.stack_trace = error.stack;
      const cause = (error as { cause?: unknown }).cause;
      if (cause !== undefined && cause !== null) {
        out.cause = isErrorLike(cause)
          ? { error_type: nameOf(cause), message: String(cause.message) }
          : { error_type: typeof cause, message: String(cause) };
      }
      return out;
    }
    if (typeof error === 'string') return { message: error || 'Error', error_type: 'Error' };
    if (error && typeof error === 'object') {
      let text: string;
      try {
        text = JSON.stringify(error) ?? String(error);
      } catch {
        text = String(error);
      }
      const ctor = (error as { constructor?: { name?: string } }).constructor?.name;
      return { message: text, error_type: ctor && ctor !== 'Object' ? ctor : 'NonErrorThrown' };
    }
    return { message: String(error), error_type: 'NonErrorThrown' };
  } catch {
    return { message: 'unrepresentable error', error_type: 'NonErrorThrown' };
  }
}
