import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hex, toHex } from '../../src/bytes/index.js';
import { decodeTlvList, findAllTlv, findTlv, requireTlv, tlv } from '../../src/tlv/index.js';
import { throwsCode } from './helpers.js';

// Two FF40 containers; the first E2 has no E3, so a path through E3 must look at later siblings.
const tree = [
  tlv(0xff40, [
    tlv(0xe2, [tlv(0xe1, [tlv(0x4f, hex`A1`)])]),
    tlv(0xe2, [tlv(0xe1, [tlv(0x4f, hex`A2`)]), tlv(0xe3, [tlv(0xd0, hex`01`)])]),
  ]),
  tlv(0x5a, hex`99`),
  tlv(0xff40, [tlv(0xe2, [tlv(0xe3, [tlv(0xd0, hex`02`), tlv(0xd0, hex`03`)])])]),
];

const values = (nodes: { value: Uint8Array }[]): string[] => nodes.map((n) => toHex(n.value));

describe('TLV lookup by tag path', () => {
  it('finds the first match in document order, searching past siblings without the rest of the path', () => {
    assert.equal(toHex(findTlv(tree, [0xff40, 0xe2, 0xe1, 0x4f])!.value), 'A1');
    assert.equal(toHex(findTlv(tree, [0xff40, 0xe2, 0xe3, 0xd0])!.value), '01');
    assert.equal(toHex(findTlv(tree, [0x5a])!.value), '99');
    assert.equal(findTlv(tree, [0xff40])!.tag, 0xff40);
  });

  it('starts at the given object when given one object', () => {
    assert.equal(toHex(findTlv(tree[2]!, [0xff40, 0xe2, 0xe3, 0xd0])!.value), '02');
    assert.equal(findTlv(tree[2]!, [0xe2]), undefined);
  });

  it('finds all matches in document order', () => {
    assert.deepEqual(values(findAllTlv(tree, [0xff40, 0xe2, 0xe3, 0xd0])), ['01', '02', '03']);
    assert.deepEqual(values(findAllTlv(tree, [0xff40, 0xe2, 0xe1, 0x4f])), ['A1', 'A2']);
    assert.equal(findAllTlv(tree, [0xff40, 0xe2]).length, 3);
    assert.deepEqual(findAllTlv(tree, [0xff40, 0xe4]), []);
  });

  it('finds nothing for an absent tag, a path through a primitive, or the empty path', () => {
    assert.equal(findTlv(tree, [0x6f]), undefined);
    assert.equal(findTlv(tree, [0x5a, 0x5a]), undefined);
    assert.equal(findTlv(tree, []), undefined);
    assert.deepEqual(findAllTlv(tree, []), []);
    assert.equal(findTlv([], [0x5a]), undefined);
  });

  it('throws ERR_TLV_NOT_FOUND from the strict variant', () => {
    assert.equal(toHex(requireTlv(tree, [0x5a]).value), '99');
    throwsCode(() => requireTlv(tree, [0xff40, 0xe2, 0xc1]), 'ERR_TLV_NOT_FOUND');
    throwsCode(() => requireTlv(tree, []), 'ERR_TLV_NOT_FOUND');
  });

  it('works on decoded trees', () => {
    const list = decodeTlvList(hex`6F 06 A5 04 9F 65 01 FF 90 00`.subarray(0, 8));
    assert.equal(toHex(requireTlv(list, [0x6f, 0xa5, 0x9f65]).value), 'FF');
  });
});
