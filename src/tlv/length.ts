import { readUintBE, uintBE } from '../bytes/index.js';
import { TlvError } from './errors.js';

/** Four length bytes cover every value up to 2^32 - 1, far beyond any APDU or card file. */
export const MAX_LENGTH_BYTES = 4;

export interface LengthRead {
  readonly length: number;
  /** Offset of the first value byte. */
  readonly next: number;
}

/**
 * Reads a definite length (X.690 8.1.3, ISO/IEC 7816-4 5.2.2.2) at `offset`, never past `end`.
 * Non-minimal long forms such as `81 05` are accepted: cards send them, and BER leaves the form to
 * the sender (X.690 8.1.3.2; only DER, 10.1, demands the minimal one). The encoder always writes the
 * minimal form, so re-encoding normalises them.
 */
export function readLength(bytes: Uint8Array, offset: number, end: number): LengthRead {
  if (offset >= end) throw new TlvError('ERR_TLV_LENGTH_TRUNCATED', `no length byte at offset ${offset}`);
  const first = bytes[offset]!;
  if (first < 0x80) return { length: first, next: offset + 1 };
  // X.690 8.1.3.6: 80 is the indefinite form, which ISO/IEC 7816-4 does not use.
  if (first === 0x80) {
    throw new TlvError('ERR_TLV_LENGTH_INDEFINITE', `indefinite length at offset ${offset}`);
  }
  const count = first & 0x7f;
  // X.690 8.1.3.5 c reserves FF; ISO/IEC 7816-4 5.2.2.2 stops at 84 (five-byte length fields).
  if (count > MAX_LENGTH_BYTES) {
    throw new TlvError('ERR_TLV_LENGTH_TOO_LONG', `length field of ${count} bytes at offset ${offset}`);
  }
  if (end - (offset + 1) < count) {
    throw new TlvError('ERR_TLV_LENGTH_TRUNCATED', `length field at offset ${offset} is cut short`);
  }
  return { length: readUintBE(bytes, offset + 1, count), next: offset + 1 + count };
}

/** The minimal definite length field (X.690 8.1.3.4 short form below 128, else 8.1.3.5). */
export function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  let count = 1;
  while (count <= MAX_LENGTH_BYTES && length >= 2 ** (8 * count)) count++;
  if (count > MAX_LENGTH_BYTES) {
    throw new TlvError('ERR_TLV_LENGTH_TOO_LONG', `length ${length} needs more than ${MAX_LENGTH_BYTES} bytes`);
  }
  const out = new Uint8Array(1 + count);
  out[0] = 0x80 | count;
  out.set(uintBE(length, count), 1);
  return out;
}
