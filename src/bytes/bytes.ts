import { BytesError } from './errors.js';

/** Concatenates byte arrays into a new one. */
export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Byte-wise equality that may return early: for public data only; secrets use `constantTimeEqual`. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** XOR of two equal-length arrays into a new array. */
export function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== b.length) throw new BytesError('ERR_BYTES_RANGE', `xor of ${a.length} and ${b.length} bytes`);
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** Big-endian unsigned integer of `width` bytes. */
export function uintBE(value: number, width: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0 || width < 1 || width > 6 || value >= 2 ** (8 * width)) {
    throw new BytesError('ERR_BYTES_RANGE', `${value} does not fit in ${width} unsigned big-endian byte(s)`);
  }
  const out = new Uint8Array(width);
  let v = value;
  for (let i = width - 1; i >= 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}

/** Reads a big-endian unsigned integer (up to 6 bytes, so the result is a safe integer). */
export function readUintBE(bytes: Uint8Array, offset = 0, width = bytes.length - offset): number {
  if (width < 1 || width > 6 || offset < 0 || offset + width > bytes.length) {
    throw new BytesError('ERR_BYTES_RANGE', `cannot read ${width} byte(s) at offset ${offset} of ${bytes.length}`);
  }
  let v = 0;
  for (let i = 0; i < width; i++) v = v * 256 + bytes[offset + i]!;
  return v;
}

/** A view (no copy) of `length` bytes at `offset`; throws when it would run past the end. */
export function slice(bytes: Uint8Array, offset: number, length: number): Uint8Array {
  if (offset < 0 || length < 0 || offset + length > bytes.length) {
    throw new BytesError('ERR_BYTES_RANGE', `range ${offset}+${length} is outside ${bytes.length} byte(s)`);
  }
  return bytes.subarray(offset, offset + length);
}
