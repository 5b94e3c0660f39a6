// Shared by the TLV tests: error-code assertions and a reference model of BER-TLV trees for
// fast-check, written independently of src/tlv so the properties compare two implementations.
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { TlvError, tlv } from '../../src/tlv/index.js';
import type { Tlv, TlvErrorCode } from '../../src/tlv/index.js';

/** Every declared code; the Record type makes the compiler reject a missing or unknown one. */
const CODES: Record<TlvErrorCode, true> = {
  ERR_TLV_EMPTY: true,
  ERR_TLV_TAG_TRUNCATED: true,
  ERR_TLV_TAG_TOO_LONG: true,
  ERR_TLV_TAG_NON_MINIMAL: true,
  ERR_TLV_TAG_RESERVED: true,
  ERR_TLV_TAG_INVALID: true,
  ERR_TLV_LENGTH_TRUNCATED: true,
  ERR_TLV_LENGTH_INDEFINITE: true,
  ERR_TLV_LENGTH_TOO_LONG: true,
  ERR_TLV_VALUE_OVERRUN: true,
  ERR_TLV_TRAILING_BYTES: true,
  ERR_TLV_DEPTH_EXCEEDED: true,
  ERR_TLV_CONSTRUCTED_MISMATCH: true,
  ERR_TLV_NOT_FOUND: true,
  ERR_TLV_OPTIONS_INVALID: true,
};
export const ALL_CODES: ReadonlySet<string> = new Set(Object.keys(CODES));

/** Asserts that `fn` throws a TlvError carrying exactly `code`. */
export function throwsCode(fn: () => unknown, code: TlvErrorCode): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TlvError, `expected a TlvError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

/** A tree as the generator describes it: a primitive has `value`, a constructed one `children`. */
export type Skeleton = { tag: number; value: Uint8Array } | { tag: number; children: Skeleton[] };

/** Tag bytes from class, constructed bit and tag number, per X.690 8.1.2 (base-128, b8 = more). */
export function tagBytesOf(cls: number, constructed: boolean, number: number): number[] {
  const first = (cls << 6) | (constructed ? 0x20 : 0);
  if (number < 31) return [first | number];
  const groups: number[] = [];
  for (let n = number; n > 0; n = Math.floor(n / 128)) groups.unshift(n % 128);
  return [first | 0x1f, ...groups.map((g, i) => (i < groups.length - 1 ? g | 0x80 : g))];
}

const tagNumber = fc.oneof(
  fc.integer({ min: 0, max: 30 }),
  fc.integer({ min: 31, max: 127 }),
  fc.integer({ min: 128, max: 16383 }),
);

/** Tags of one to three bytes with the given constructed bit; 00 (reserved) is never produced. */
export function tagArb(constructed: boolean): fc.Arbitrary<number> {
  return fc
    .record({ cls: fc.integer({ min: 0, max: 3 }), number: tagNumber })
    .filter(({ cls, number }) => constructed || cls !== 0 || number !== 0)
    .map(({ cls, number }) => tagBytesOf(cls, constructed, number).reduce((t, b) => t * 256 + b, 0));
}

const valueArb = fc.oneof(
  { arbitrary: fc.uint8Array({ maxLength: 16 }), weight: 8 },
  { arbitrary: fc.uint8Array({ minLength: 120, maxLength: 300 }), weight: 1 },
);

/** Trees of at most `depth` levels. */
export function skeletonArb(depth: number): fc.Arbitrary<Skeleton> {
  const primitive = fc.record({ tag: tagArb(false), value: valueArb }, { noNullPrototype: true });
  if (depth <= 1) return primitive;
  const children = fc.array(skeletonArb(depth - 1), { maxLength: 4 });
  const constructed = fc.record({ tag: tagArb(true), children }, { noNullPrototype: true });
  return fc.oneof(primitive, constructed);
}

export function build(s: Skeleton): Tlv {
  return 'children' in s ? tlv(s.tag, s.children.map(build)) : tlv(s.tag, s.value);
}

export function project(node: Tlv): Skeleton {
  return node.constructed ? { tag: node.tag, children: node.children.map(project) } : { tag: node.tag, value: node.value };
}

/** Reference encoder: the tag number's bytes, a minimal length (X.690 8.1.3), then the content. */
export function referenceEncode(s: Skeleton): number[] {
  const tag: number[] = [];
  for (let t = s.tag; t > 0; t = Math.floor(t / 256)) tag.unshift(t % 256);
  const content = 'children' in s ? s.children.flatMap(referenceEncode) : [...s.value];
  const n = content.length;
  const length: number[] = [];
  if (n < 128) length.push(n);
  else {
    for (let v = n; v > 0; v = Math.floor(v / 256)) length.unshift(v % 256);
    length.unshift(0x80 | length.length);
  }
  return [...tag, ...length, ...content];
}
