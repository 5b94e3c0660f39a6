import { HttpProblem } from './problem.js';

/**
 * Request-body checking that names the field at fault: every refusal is a 400 with code
 * `ERR_REQUEST_FIELD` and the field's path in the detail, before anything is done.
 */
export function field(path: string, message: string): HttpProblem {
  return new HttpProblem(400, 'ERR_REQUEST_FIELD', `${path}: ${message}`);
}

export type Json = Record<string, unknown>;

export function object(value: unknown, path = 'body'): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw field(path, 'must be a JSON object');
  return value as Json;
}

/** Refuses members the endpoint does not know (a typo should not be silently ignored). */
export function only(o: Json, allowed: readonly string[], path = 'body'): void {
  const extra = Object.keys(o).filter((k) => !allowed.includes(k));
  if (extra.length > 0) throw field(path, `unknown member(s) ${extra.join(', ')}`);
}

export function string(o: Json, key: string, options: { path?: string; max?: number; pattern?: RegExp; optional?: boolean } = {}): string {
  const path = `${options.path ?? 'body'}.${key}`;
  const v = o[key];
  if (v === undefined && options.optional) return '';
  if (typeof v !== 'string') throw field(path, 'must be a string');
  if (v.length === 0 || v.length > (options.max ?? 1000)) throw field(path, `must be 1..${options.max ?? 1000} characters`);
  if (options.pattern && !options.pattern.test(v)) throw field(path, 'is malformed');
  return v;
}

export function optionalString(o: Json, key: string, options: { path?: string; max?: number; pattern?: RegExp } = {}): string | undefined {
  return o[key] === undefined ? undefined : string(o, key, options);
}

export function integer(o: Json, key: string, options: { path?: string; min: number; max: number }): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < options.min || v > options.max) {
    throw field(`${options.path ?? 'body'}.${key}`, `must be an integer from ${options.min} to ${options.max}`);
  }
  return v;
}

/** Standard base64 (RFC 4648 4), at most `maxBytes` decoded. */
export function base64(o: Json, key: string, options: { path?: string; maxBytes?: number } = {}): Uint8Array {
  const max = options.maxBytes ?? 16 * 1024;
  const s = string(o, key, { path: options.path, max: Math.ceil((max * 4) / 3) + 4, pattern: /^[A-Za-z0-9+/]+={0,2}$/ });
  if (s.length % 4 !== 0) throw field(`${options.path ?? 'body'}.${key}`, 'is not padded base64');
  return new Uint8Array(Buffer.from(s, 'base64'));
}
