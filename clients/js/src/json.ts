/**
 * Turning arbitrary app values into plain JSON, once, when a record is made: the batch is
 * serialised later, and JSON.stringify would throw on a BigInt or a cycle, or see an object the
 * app has mutated since. Depth and size are bounded so one huge object cannot flood the buffer.
 */

const MAX_DEPTH = 8;
const MAX_KEYS = 200;
const MAX_STRING = 10_000;

export function toJsonValue(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  switch (typeof value) {
    case 'string':
      return value.length > MAX_STRING ? value.slice(0, MAX_STRING) : value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return null;
  const obj = value as object;
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? null : obj.toISOString();
  if (obj instanceof Error) return { error_type: obj.name, message: obj.message };
  if (seen.has(obj)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Object]';
  seen.add(obj);
  try {
    if (Array.isArray(obj)) {
      return obj.slice(0, MAX_KEYS).map((v) => {
        const j = toJsonValue(v, depth + 1, seen);
        return j === undefined ? null : j;
      });
    }
    const toJSON = (obj as { toJSON?: () => unknown }).toJSON;
    if (typeof toJSON === 'function') {
      try {
        return toJsonValue(toJSON.call(obj), depth + 1, seen);
      } catch {
        return '[Unserializable]';
      }
    }
    if (obj instanceof Map) return toJsonValue(Object.fromEntries(obj), depth, seen);
    if (obj instanceof Set) return toJsonValue(Array.from(obj), depth, seen);
    const out: Record<string, unknown> = {};
    let n = 0;
    for (const key of Object.keys(obj)) {
      if (n++ >= MAX_KEYS) break;
      let item: unknown;
      try {
        item = (obj as Record<string, unknown>)[key];
      } catch {
        continue; // a throwing getter
      }
      const j = toJsonValue(item, depth + 1, seen);
      if (j !== undefined) out[key] = j;
    }
    return out;
  } finally {
    seen.delete(obj);
  }
}
