import { StoreError } from './errors.js';
import type { SqlValue } from './database.js';

/**
 * Value conversion shared by both adapters: what goes in (booleans become 0/1, byte arrays a view the
 * driver accepts) and what comes out (integers as numbers when exact, bytes as plain Uint8Array).
 */

/** Checks one parameter and returns it in the form both drivers bind: no booleans, no undefined. */
export function bindValue(value: SqlValue, index: number): string | number | bigint | null | Uint8Array {
  switch (typeof value) {
    case 'string':
    case 'bigint':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new StoreError('ERR_STORE_PARAMETER', `parameter $${index} is not a finite number`);
      return value;
    case 'boolean':
      return value ? 1 : 0;
    case 'object':
      if (value === null || value instanceof Uint8Array) return value;
      break;
  }
  throw new StoreError('ERR_STORE_PARAMETER', `parameter $${index} has an unsupported type (${describe(value)})`);
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'object') return value?.constructor?.name ?? 'object';
  return typeof value;
}

/** A bigint as a number when it is exact, else unchanged. */
export function integerOut(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** A copy of driver bytes (a Buffer, possibly a view into a shared pool) as a plain Uint8Array. */
export function bytesOut(value: Uint8Array): Uint8Array {
  const copy = new Uint8Array(value.byteLength);
  copy.set(value);
  return copy;
}

/**
 * A Date as the stored timestamp form: ISO-8601 UTC with milliseconds (`2026-11-28T18:00:00.000Z`),
 * which sorts as text. Years outside 0000-9999 would not, and are refused.
 */
export function toDbTimestamp(date: Date): string {
  const time = date.getTime();
  if (!Number.isFinite(time)) throw new StoreError('ERR_STORE_VALUE', 'invalid date');
  const text = date.toISOString();
  if (text.length !== 24) throw new StoreError('ERR_STORE_VALUE', 'a timestamp year must be 0000-9999');
  return text;
}

const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The Date a stored timestamp names; anything but the exact stored form is `ERR_STORE_VALUE`. */
export function fromDbTimestamp(text: string): Date {
  const date = new Date(text);
  if (!TIMESTAMP_RE.test(text) || !Number.isFinite(date.getTime()) || date.toISOString() !== text) {
    throw new StoreError('ERR_STORE_VALUE', `not a stored timestamp: ${JSON.stringify(text.slice(0, 40))}`);
  }
  return date;
}
