import { toHex } from '../bytes/index.js';
import { TlvError } from './errors.js';

/** The two high bits of the first tag byte (X.690 8.1.2.2, table 1). */
export type TagClass = 'universal' | 'application' | 'context' | 'private';

const CLASSES: readonly TagClass[] = ['universal', 'application', 'context', 'private'];

/**
 * ISO/IEC 7816-4 5.2.2.1 allows tags of up to three bytes; one more is accepted so that the
 * four-byte tags some GlobalPlatform profiles use still fit a safe integer with room to spare.
 */
export const MAX_TAG_BYTES = 4;

export interface TagRead {
  readonly tag: number;
  readonly constructed: boolean;
  /** Offset of the first byte after the tag. */
  readonly next: number;
}

/**
 * Reads the tag at `offset`, never looking at or past `end`. The tag is returned as the big-endian
 * number of its bytes (9F65 → 0x9F65), the form specs print, so callers compare against literals.
 */
export function readTag(bytes: Uint8Array, offset: number, end: number): TagRead {
  if (offset >= end) throw new TlvError('ERR_TLV_TAG_TRUNCATED', `no tag byte at offset ${offset}`);
  const first = bytes[offset]!;
  // X.690 8.1.5 reserves tag 00 for end-of-contents, which only indefinite lengths use, and ISO/IEC
  // 7816-4 5.2.2 treats a 00 between data objects as padding: it never starts a real tag.
  if (first === 0x00) throw new TlvError('ERR_TLV_TAG_RESERVED', `reserved tag 00 at offset ${offset}`);
  let tag = first;
  let p = offset + 1;
  // X.690 8.1.2.4: low five bits 11111 announce subsequent bytes, each with b8 = "more follows".
  if ((first & 0x1f) === 0x1f) {
    let number = 0;
    for (;;) {
      if (p - offset === MAX_TAG_BYTES) {
        throw new TlvError('ERR_TLV_TAG_TOO_LONG', `tag at offset ${offset} exceeds ${MAX_TAG_BYTES} bytes`);
      }
      if (p >= end) throw new TlvError('ERR_TLV_TAG_TRUNCATED', `tag at offset ${offset} is cut short`);
      const b = bytes[p]!;
      // X.690 8.1.2.4.2 c: the first subsequent byte may not be 80 (a leading zero group).
      if (p === offset + 1 && b === 0x80) {
        throw new TlvError('ERR_TLV_TAG_NON_MINIMAL', `tag at offset ${offset} has a leading zero group`);
      }
      tag = tag * 256 + b; // multiplication, not <<, keeps four-byte tags positive
      number = number * 128 + (b & 0x7f);
      p++;
      if ((b & 0x80) === 0) break;
    }
    // X.690 8.1.2.2 / ISO/IEC 7816-4 5.2.2.1: numbers 0 to 30 must use the single-byte form.
    if (number < 31) {
      throw new TlvError('ERR_TLV_TAG_NON_MINIMAL', `tag number ${number} at offset ${offset} fits one byte`);
    }
  }
  return { tag, constructed: (first & 0x20) !== 0, next: p };
}

/**
 * The bytes of a tag number. The number is checked by reading its bytes back with `readTag`, so
 * the encoder accepts exactly the tags the decoder produces.
 */
export function encodeTag(tag: number): Uint8Array {
  if (!Number.isInteger(tag) || tag <= 0 || tag >= 2 ** (8 * MAX_TAG_BYTES)) {
    throw new TlvError('ERR_TLV_TAG_INVALID', `${String(tag)} is not a tag number`);
  }
  const out: number[] = [];
  for (let v = tag; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256);
  const bytes = Uint8Array.from(out);
  let read: TagRead | undefined;
  try {
    read = readTag(bytes, 0, bytes.length);
  } catch (cause) {
    throw new TlvError('ERR_TLV_TAG_INVALID', `${toHex(bytes)} is not a well-formed tag`, { cause });
  }
  if (read.next !== bytes.length) {
    throw new TlvError('ERR_TLV_TAG_INVALID', `${toHex(bytes)} is not a well-formed tag`);
  }
  return bytes;
}

/** X.690 8.1.2.5: b6 of the first tag byte says whether the value holds nested data objects. */
export function isConstructedTag(tag: number): boolean {
  return (encodeTag(tag)[0]! & 0x20) !== 0;
}

/** The class bits (b8 b7) of the first tag byte. */
export function tagClass(tag: number): TagClass {
  return CLASSES[encodeTag(tag)[0]! >> 6]!;
}

/** Uppercase hex of the tag bytes, as specs print tags (`9F65`). */
export function tagToHex(tag: number): string {
  return toHex(encodeTag(tag));
}
