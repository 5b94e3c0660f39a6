import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { concat, toHex } from '../../src/bytes/index.js';
import { TlvError, decodeTlv, decodeTlvList, encodeTlv, encodeTlvList } from '../../src/tlv/index.js';
import type { TlvDecodeOptions } from '../../src/tlv/index.js';
import { ALL_CODES, build, project, referenceEncode, skeletonArb, tagArb } from './helpers.js';

/** Runs `fn`; returns normally when it succeeds or throws a TlvError with a declared code. */
function decodesOrTlvError(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof TlvError, `not a TlvError: ${String(err)}`);
    assert.ok(ALL_CODES.has(err.code), `undeclared code ${err.code}`);
  }
}

/** Valid encodings damaged one way: a byte replaced, the tail cut, or a byte inserted. */
const damaged = fc
  .tuple(fc.array(skeletonArb(3), { minLength: 1, maxLength: 3 }), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2 }))
  .map(([trees, at, byte, how]) => {
    const bytes = Uint8Array.from(trees.flatMap(referenceEncode));
    const i = at % bytes.length;
    if (how === 0) bytes[i] = byte;
    if (how === 1) return bytes.subarray(0, i);
    if (how === 2) return concat(bytes.subarray(0, i), Uint8Array.of(byte), bytes.subarray(i));
    return bytes;
  });

const optionsArb: fc.Arbitrary<TlvDecodeOptions> = fc.record({
  skipPadding: fc.boolean(),
  maxDepth: fc.integer({ min: 1, max: 20 }),
});

describe('TLV properties', () => {
  it('encode → decode → encode is byte-exact and decode gives back the tree (depth ≤ 4)', () => {
    fc.assert(
      fc.property(skeletonArb(4), (skeleton) => {
        const node = build(skeleton);
        const encoded = encodeTlv(node);
        assert.equal(toHex(encoded), toHex(Uint8Array.from(referenceEncode(skeleton))));
        const decoded = decodeTlv(encoded);
        assert.deepEqual(project(decoded), skeleton);
        assert.deepEqual(decoded, node);
        assert.equal(toHex(encodeTlv(decoded)), toHex(encoded));
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips sequences of trees through the list functions', () => {
    fc.assert(
      fc.property(fc.array(skeletonArb(3), { maxLength: 5 }), (skeletons) => {
        const encoded = encodeTlvList(skeletons.map(build));
        assert.equal(toHex(encoded), toHex(Uint8Array.from(skeletons.flatMap(referenceEncode))));
        const decoded = decodeTlvList(encoded);
        assert.deepEqual(decoded.map(project), skeletons);
        assert.equal(toHex(encodeTlvList(decoded)), toHex(encoded));
      }),
      { numRuns: 300 },
    );
  });

  it('decodes random bytes to a tree or a declared TlvError, and nothing else', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), optionsArb, (bytes, options) => {
        decodesOrTlvError(() => decodeTlv(bytes));
        decodesOrTlvError(() => decodeTlvList(bytes));
        decodesOrTlvError(() => decodeTlv(bytes, options));
        decodesOrTlvError(() => decodeTlvList(bytes, options));
      }),
      { numRuns: 3000 },
    );
  });

  it('decodes damaged valid encodings to a tree or a declared TlvError', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(damaged, optionsArb, (bytes, options) => {
        decodesOrTlvError(() => decodeTlvList(bytes));
        decodesOrTlvError(() => decodeTlvList(bytes, options));
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects any length beyond the input with ERR_TLV_VALUE_OVERRUN, without allocating it', () => {
    const claim = fc
      .tuple(fc.oneof(tagArb(false), tagArb(true)), fc.integer({ min: 1, max: 4 }), fc.uint8Array({ maxLength: 8 }))
      .chain(([tag, width, tail]) =>
        fc.record({
          tag: fc.constant(tag),
          width: fc.constant(width),
          tail: fc.constant(tail),
          length: fc.oneof(
            fc.constant(2 ** (8 * width) - 1),
            fc.integer({ min: Math.max(tail.length + 1, width === 1 ? 0 : 2 ** (8 * (width - 1))), max: 2 ** (8 * width) - 1 }),
          ),
        }),
      )
      .filter(({ length, tail }) => length > tail.length);
    fc.assert(
      fc.property(claim, ({ tag, width, tail, length }) => {
        const tagBytes: number[] = [];
        for (let t = tag; t > 0; t = Math.floor(t / 256)) tagBytes.unshift(t % 256);
        const lengthBytes: number[] = [];
        for (let i = width - 1; i >= 0; i--) lengthBytes.push(Math.floor(length / 2 ** (8 * i)) % 256);
        const input = concat(Uint8Array.from([...tagBytes, 0x80 | width, ...lengthBytes]), tail);
        const before = process.memoryUsage().arrayBuffers;
        assert.throws(
          () => decodeTlvList(input),
          (err: unknown) => err instanceof TlvError && err.code === 'ERR_TLV_VALUE_OVERRUN',
        );
        // An allocation of the claimed size would still be counted here: nothing has been collected.
        assert.ok(process.memoryUsage().arrayBuffers - before < 2 ** 20, 'no buffer of the claimed length');
      }),
      { numRuns: 500 },
    );
    const before = process.memoryUsage().arrayBuffers;
    assert.throws(
      () => decodeTlv(Uint8Array.of(0x5a, 0x84, 0xff, 0xff, 0xff, 0xff)),
      (err: unknown) => err instanceof TlvError && err.code === 'ERR_TLV_VALUE_OVERRUN',
    );
    assert.ok(process.memoryUsage().arrayBuffers - before < 2 ** 20);
  });
});
