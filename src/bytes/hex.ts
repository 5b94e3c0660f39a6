import { BytesError } from './errors.js';

const HEX_DIGITS = '0123456789ABCDEF';
const ENCODE_TABLE: string[] = Array.from({ length: 256 }, (_, i) => HEX_DIGITS[i >> 4]! + HEX_DIGITS[i & 15]!);

/** Uppercase contiguous hex, the notation of every spec and digest this project follows. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += ENCODE_TABLE[bytes[i]!];
  return out;
}

/**
 * Parses hex text. Spaces, tabs, newlines and colons between byte pairs are ignored, so digests can
 * be pasted as written (`80 50 30 00`); anything else, or an odd number of digits, is an error.
 */
export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0) {
    throw new BytesError('ERR_HEX_INVALID', `hex text has an odd number of digits (${clean.length})`);
  }
  if (!/^[0-9a-fA-F]*$/.test(clean)) {
    throw new BytesError('ERR_HEX_INVALID', 'hex text contains a character that is not a hex digit');
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16);
  return out;
}

/** Short alias used throughout tests and tables: `hex\`80 50 30 00\``, or `hex('8050')`. */
export function hex(strings: TemplateStringsArray | string, ...values: unknown[]): Uint8Array {
  if (typeof strings === 'string') return fromHex(strings);
  let text = strings[0]!;
  for (let i = 0; i < values.length; i++) text += String(values[i]) + strings[i + 1]!;
  return fromHex(text);
}
