import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hex, toHex } from '../../src/bytes/index.js';
import { encodeLength, readLength } from '../../src/tlv/length.js';
import {
  decodeTlv,
  encodeTlv,
  encodeTlvList,
  isConstructedTag,
  tagClass,
  tagToHex,
  tlv,
} from '../../src/tlv/index.js';
import type { Tlv } from '../../src/tlv/index.js';
import { throwsCode } from './helpers.js';

describe('TLV builders and encoder', () => {
  it('builds primitives from bytes and constructed objects from children', () => {
    const prim = tlv(0x5a, hex`01 02`);
    assert.deepEqual(prim, { tag: 0x5a, constructed: false, value: hex`01 02` });
    const cons = tlv(0xe2, [prim, tlv(0xc1, new Uint8Array(0))]);
    assert.equal(cons.constructed, true);
    assert.equal(toHex(cons.value), '5A020102C100');
    assert.equal(toHex(encodeTlv(cons)), 'E2065A020102C100');
    assert.equal(toHex(encodeTlvList([prim, cons])), '5A020102E2065A020102C100');
    assert.equal(toHex(encodeTlvList([])), '');
  });

  it('copies the value and the children list', () => {
    const value = hex`01 02`;
    const children: Tlv[] = [tlv(0x5a, value)];
    const node = tlv(0x6f, children);
    value[0] = 0xee;
    children.push(tlv(0x5a, hex`03`));
    assert.equal(toHex(encodeTlv(node)), '6F045A020102');
  });

  it('encodes a constructed object from its children, not from a stale value', () => {
    const node: Tlv = { tag: 0x6f, constructed: true, value: hex`DE AD`, children: [tlv(0x5a, hex`01`)] };
    assert.equal(toHex(encodeTlv(node)), '6F035A0101');
  });

  it('rejects content that disagrees with the constructed bit of the tag', () => {
    throwsCode(() => tlv(0x6f, hex`01`), 'ERR_TLV_CONSTRUCTED_MISMATCH');
    throwsCode(() => tlv(0x5a, []), 'ERR_TLV_CONSTRUCTED_MISMATCH');
    throwsCode(() => tlv(0x9f65, [tlv(0x5a, hex`01`)]), 'ERR_TLV_CONSTRUCTED_MISMATCH');
    const lying: Tlv = { tag: 0x5a, constructed: true, value: new Uint8Array(0), children: [] };
    throwsCode(() => encodeTlv(lying), 'ERR_TLV_CONSTRUCTED_MISMATCH');
    const lying2: Tlv = { tag: 0xa5, constructed: false, value: new Uint8Array(0) };
    throwsCode(() => encodeTlv(tlv(0x6f, [lying2])), 'ERR_TLV_CONSTRUCTED_MISMATCH');
  });

  it('rejects numbers that are not well-formed tags', () => {
    const bad = [0, -1, 1.5, Number.NaN, 2 ** 32, 0x1f, 0x9f, 0x1f1e, 0x5f05, 0x5f80, 0x5f8001, 0x5f8020, 0x5f81, 0x5a5a, 0x9f6501, 0x1f818181];
    for (const tag of bad) {
      throwsCode(() => tlv(tag, new Uint8Array(0)), 'ERR_TLV_TAG_INVALID');
      throwsCode(() => encodeTlv({ tag, constructed: false, value: new Uint8Array(0) }), 'ERR_TLV_TAG_INVALID');
      throwsCode(() => tagToHex(tag), 'ERR_TLV_TAG_INVALID');
    }
  });
});

describe('TLV tag helpers', () => {
  it('read the constructed bit and the class from the first tag byte', () => {
    const cases: [number, boolean, string, string][] = [
      [0x30, true, 'universal', '30'],
      [0x04, false, 'universal', '04'],
      [0x6f, true, 'application', '6F'],
      [0x5f20, false, 'application', '5F20'],
      [0x84, false, 'context', '84'],
      [0xa5, true, 'context', 'A5'],
      [0x9f65, false, 'context', '9F65'],
      [0xbf3e, true, 'context', 'BF3E'],
      [0xc1, false, 'private', 'C1'],
      [0xdf20, false, 'private', 'DF20'],
      [0xff40, true, 'private', 'FF40'],
      [0xdf818101, false, 'private', 'DF818101'],
    ];
    for (const [tag, constructed, cls, text] of cases) {
      assert.equal(isConstructedTag(tag), constructed, text);
      assert.equal(tagClass(tag), cls, text);
      assert.equal(tagToHex(tag), text);
    }
  });
});

describe('TLV length fields', () => {
  it('encode minimally at every boundary', () => {
    const cases: [number, string][] = [
      [0, '00'],
      [0x7f, '7F'],
      [0x80, '8180'],
      [0xff, '81FF'],
      [0x100, '820100'],
      [0xffff, '82FFFF'],
      [0x10000, '83010000'],
      [0xffffff, '83FFFFFF'],
      [0x1000000, '8401000000'],
      [0xffffffff, '84FFFFFFFF'],
    ];
    for (const [n, field] of cases) {
      assert.equal(toHex(encodeLength(n)), field);
      assert.deepEqual(readLength(hex(field), 0, field.length / 2), { length: n, next: field.length / 2 });
    }
  });

  it('cannot encode 2^32 or more', () => {
    throwsCode(() => encodeLength(2 ** 32), 'ERR_TLV_LENGTH_TOO_LONG');
  });

  it('read only up to the end given, not the end of the buffer', () => {
    throwsCode(() => readLength(hex`82 01 00`, 0, 2), 'ERR_TLV_LENGTH_TRUNCATED');
    throwsCode(() => decodeTlv(hex`6F 03 5A 82 01 00`), 'ERR_TLV_LENGTH_TRUNCATED');
  });
});
