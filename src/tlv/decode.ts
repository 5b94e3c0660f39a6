import { TlvError } from './errors.js';
import { readLength } from './length.js';
import type { Tlv } from './node.js';
import { readTag } from './tag.js';

export interface TlvDecodeOptions {
  /**
   * Skip the meaningless `00` and `FF` bytes ISO/IEC 7816-4 5.2.2 allows before, between and after
   * data objects (erased or rewritten records), at every nesting level. Because `FF` also starts
   * real tags such as FF40, it is padding only where it cannot start a well-formed tag: at the end,
   * or before `00`-`1E`, `80` or `FF` (so tags beginning `FF FF` are not recognised in this mode).
   * Off by default: a strict decoder tolerates nothing the card should not send.
   */
  readonly skipPadding?: boolean;
  /** Deepest nesting accepted; a top-level data object is at depth 1. Default 16, at most 256. */
  readonly maxDepth?: number;
}

export const DEFAULT_MAX_DEPTH = 16;
const MAX_DEPTH_LIMIT = 256;

interface Context {
  readonly bytes: Uint8Array;
  readonly skipPadding: boolean;
  readonly maxDepth: number;
}

/**
 * Decodes exactly one data object filling `bytes`. Values are views into a private copy of the
 * input, so the tree stays valid however the caller reuses its buffer.
 */
export function decodeTlv(bytes: Uint8Array, options?: TlvDecodeOptions): Tlv {
  const ctx = context(bytes, options);
  const end = ctx.bytes.length;
  const start = skipPadding(ctx, 0, end);
  if (start >= end) throw new TlvError('ERR_TLV_EMPTY', 'no data object in the input');
  const { node, next } = decodeOne(ctx, start, end, 1);
  const rest = skipPadding(ctx, next, end);
  if (rest < end) {
    throw new TlvError('ERR_TLV_TRAILING_BYTES', `${end - rest} byte(s) after the data object at offset ${rest}`);
  }
  return node;
}

/**
 * Decodes a sequence of data objects filling `bytes` exactly (ISO/IEC 7816-4 5.2.1); empty input
 * gives an empty list. Values are views into a private copy of the input, as for `decodeTlv`.
 */
export function decodeTlvList(bytes: Uint8Array, options?: TlvDecodeOptions): Tlv[] {
  const ctx = context(bytes, options);
  return decodeRange(ctx, 0, ctx.bytes.length, 1);
}

function context(bytes: Uint8Array, options: TlvDecodeOptions | undefined): Context {
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!Number.isInteger(maxDepth) || maxDepth < 1 || maxDepth > MAX_DEPTH_LIMIT) {
    throw new TlvError('ERR_TLV_OPTIONS_INVALID', `maxDepth must be an integer from 1 to ${MAX_DEPTH_LIMIT}`);
  }
  return { bytes: new Uint8Array(bytes), skipPadding: options?.skipPadding === true, maxDepth };
}

function decodeRange(ctx: Context, start: number, end: number, depth: number): Tlv[] {
  const out: Tlv[] = [];
  // Every step consumes at least one byte, so hostile input cannot make this loop spin.
  for (let p = skipPadding(ctx, start, end); p < end; p = skipPadding(ctx, p, end)) {
    const { node, next } = decodeOne(ctx, p, end, depth);
    out.push(node);
    p = next;
  }
  return out;
}

function decodeOne(ctx: Context, offset: number, end: number, depth: number): { node: Tlv; next: number } {
  // Checked before reading, so recursion stops at the limit whatever the input claims.
  if (depth > ctx.maxDepth) {
    throw new TlvError('ERR_TLV_DEPTH_EXCEEDED', `data object at offset ${offset} is nested deeper than ${ctx.maxDepth}`);
  }
  const { tag, constructed, next: lengthAt } = readTag(ctx.bytes, offset, end);
  const { length, next: valueAt } = readLength(ctx.bytes, lengthAt, end);
  // The claimed length is compared with what is left of the enclosing range before anything is
  // sliced or allocated, so a length of FFFFFFFF costs nothing (ISO/IEC 7816-4 5.2.2.2).
  if (length > end - valueAt) {
    throw new TlvError('ERR_TLV_VALUE_OVERRUN', `length ${length} at offset ${lengthAt} exceeds the ${end - valueAt} byte(s) left`);
  }
  const valueEnd = valueAt + length;
  const value = ctx.bytes.subarray(valueAt, valueEnd);
  const node: Tlv = constructed
    ? { tag, constructed, value, children: decodeRange(ctx, valueAt, valueEnd, depth + 1) }
    : { tag, constructed, value };
  return { node, next: valueEnd };
}

function skipPadding(ctx: Context, offset: number, end: number): number {
  if (!ctx.skipPadding) return offset;
  let p = offset;
  while (p < end && isPadding(ctx.bytes[p]!, p + 1 < end ? ctx.bytes[p + 1]! : undefined)) p++;
  return p;
}

/** `FF` followed by 1F-7F or 81-FE would be a tag under X.690 8.1.2.4, so it is kept for readTag. */
function isPadding(b: number, next: number | undefined): boolean {
  if (b === 0x00) return true;
  if (b !== 0xff) return false;
  return next === undefined || next < 0x1f || next === 0x80 || next === 0xff;
}
