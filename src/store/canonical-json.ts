import { StoreError } from './errors.js';

const MAX_DEPTH = 64;

/**
 * The canonical JSON text of a value, after RFC 8785 (JCS): object keys sorted by UTF-16 code units,
 * no whitespace, strings and numbers as ECMAScript JSON.stringify writes them. Objects with a `toJSON`
 * method (Date) are replaced by its result, as JSON.stringify does, and object members whose value is
 * undefined are left out. Anything JSON cannot carry faithfully is refused (`ERR_STORE_AUDIT_PAYLOAD`):
 * NaN and ±Infinity, bigint, functions, symbols, undefined in an array or as the whole value,
 * non-plain objects (Map, Set, Uint8Array, class instances), cycles, and nesting beyond 64 levels.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, 0, new Set());
}

function encode(value: unknown, depth: number, path: Set<object>): string {
  if (depth > MAX_DEPTH) refuse('nests deeper than 64 levels');
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) refuse(`holds the number ${value}`);
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      refuse(`holds a ${typeof value}`);
  }
  const object = value as object;
  const toJSON = (object as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return encode(toJSON.call(object), depth + 1, path);
  if (path.has(object)) refuse('is cyclic');
  path.add(object);
  let text: string;
  if (Array.isArray(object)) {
    text = '[' + object.map((item: unknown) => (item === undefined ? refuse('holds undefined in an array') : encode(item, depth + 1, path))).join(',') + ']';
  } else {
    const proto = Object.getPrototypeOf(object) as unknown;
    if (proto !== Object.prototype && proto !== null) refuse(`holds a ${(object.constructor as { name?: string } | undefined)?.name ?? 'non-plain'} object`);
    const record = object as Record<string, unknown>;
    const members = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort()
      .map((k) => JSON.stringify(k) + ':' + encode(record[k], depth + 1, path));
    text = '{' + members.join(',') + '}';
  }
  path.delete(object);
  return text;
}

function refuse(why: string): never {
  throw new StoreError('ERR_STORE_AUDIT_PAYLOAD', `the audit payload ${why}`);
}
