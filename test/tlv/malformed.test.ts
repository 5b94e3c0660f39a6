import { describe, it } from 'node:test';
import { concat, hex } from '../../src/bytes/index.js';
import { decodeTlv, decodeTlvList } from '../../src/tlv/index.js';
import type { TlvDecodeOptions, TlvErrorCode } from '../../src/tlv/index.js';
import { throwsCode } from './helpers.js';

/** `levels` constructed 6F objects, each holding the next; the innermost is empty. */
function nested(levels: number): Uint8Array {
  let bytes: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < levels; i++) bytes = concat(hex`6F`, Uint8Array.of(bytes.length), bytes);
  return bytes;
}

// [what, input, expected code]; each input is decoded both as one object and as a list.
const malformed: [string, Uint8Array, TlvErrorCode][] = [
  ['a lone multi-byte tag start 1F', hex`1F`, 'ERR_TLV_TAG_TRUNCATED'],
  ['a lone multi-byte tag start 9F', hex`9F`, 'ERR_TLV_TAG_TRUNCATED'],
  ['a tag ending on a continuation byte', hex`5F 81`, 'ERR_TLV_TAG_TRUNCATED'],
  ['a 5-byte tag', hex`1F 81 81 81 01 00`, 'ERR_TLV_TAG_TOO_LONG'],
  ['a 4th tag byte announcing a 5th', hex`DF 81 81 81`, 'ERR_TLV_TAG_TOO_LONG'],
  ['tag number 30 in the two-byte form', hex`1F 1E 00`, 'ERR_TLV_TAG_NON_MINIMAL'],
  ['tag number 5 in the two-byte form', hex`5F 05 00`, 'ERR_TLV_TAG_NON_MINIMAL'],
  ['a first subsequent tag byte of 80', hex`9F 80 01 00`, 'ERR_TLV_TAG_NON_MINIMAL'],
  ['a leading zero group before tag number 32', hex`9F 80 20 00`, 'ERR_TLV_TAG_NON_MINIMAL'],
  ['the reserved tag 00', hex`00 00`, 'ERR_TLV_TAG_RESERVED'],
  ['the reserved tag 00 nested', hex`6F 02 00 00`, 'ERR_TLV_TAG_RESERVED'],
  ['a tag without a length', hex`5A`, 'ERR_TLV_LENGTH_TRUNCATED'],
  ['a two-byte tag without a length', hex`9F65`, 'ERR_TLV_LENGTH_TRUNCATED'],
  ['a long-form length cut short', hex`5A 82 01`, 'ERR_TLV_LENGTH_TRUNCATED'],
  ['a four-byte length cut short', hex`5A 84 00 00 00`, 'ERR_TLV_LENGTH_TRUNCATED'],
  ['an indefinite length', hex`30 80 02 01 00 00 00`, 'ERR_TLV_LENGTH_INDEFINITE'],
  ['a length of length 5', hex`5A 85 00 00 00 00 01 00`, 'ERR_TLV_LENGTH_TOO_LONG'],
  ['the reserved length byte FF', hex`5A FF 00`, 'ERR_TLV_LENGTH_TOO_LONG'],
  ['a value running past the end', hex`5A 05 01 02`, 'ERR_TLV_VALUE_OVERRUN'],
  ['a child running past its parent', hex`6F 03 5A 05 01 02 03 04 05`, 'ERR_TLV_VALUE_OVERRUN'],
  ['a length of FFFFFFFF', hex`5A 84 FF FF FF FF 00`, 'ERR_TLV_VALUE_OVERRUN'],
  ['17 nested constructed levels', nested(17), 'ERR_TLV_DEPTH_EXCEEDED'],
];

describe('TLV: malformed input', () => {
  for (const [what, input, code] of malformed) {
    it(`rejects ${what} with ${code}`, () => {
      throwsCode(() => decodeTlv(input), code);
      throwsCode(() => decodeTlvList(input), code);
    });
  }

  it('rejects empty input for a single object, but not for a list', () => {
    throwsCode(() => decodeTlv(new Uint8Array(0)), 'ERR_TLV_EMPTY');
    throwsCode(() => decodeTlv(hex`00 FF`, { skipPadding: true }), 'ERR_TLV_EMPTY');
    if (decodeTlvList(new Uint8Array(0)).length !== 0) throw new Error('empty list expected');
  });

  it('rejects bytes after the single object', () => {
    throwsCode(() => decodeTlv(hex`5A 01 01 00`), 'ERR_TLV_TRAILING_BYTES');
    throwsCode(() => decodeTlv(hex`5A 01 01 5A 01 02`), 'ERR_TLV_TRAILING_BYTES');
    throwsCode(() => decodeTlv(hex`5A 01 01 5A 01 02`, { skipPadding: true }), 'ERR_TLV_TRAILING_BYTES');
  });
});

describe('TLV: nesting limit', () => {
  it('accepts 16 levels by default and rejects 17', () => {
    decodeTlv(nested(16));
    throwsCode(() => decodeTlv(nested(17)), 'ERR_TLV_DEPTH_EXCEEDED');
  });

  it('counts a primitive leaf as a level and follows maxDepth', () => {
    const fci = hex`6F 10 84 08 A0 00 00 01 51 00 00 00 A5 04 9F 65 01 FF`;
    decodeTlv(fci, { maxDepth: 3 });
    throwsCode(() => decodeTlv(fci, { maxDepth: 2 }), 'ERR_TLV_DEPTH_EXCEEDED');
    decodeTlv(nested(40), { maxDepth: 40 });
    throwsCode(() => decodeTlv(nested(41), { maxDepth: 40 }), 'ERR_TLV_DEPTH_EXCEEDED');
  });

  it('rejects a maxDepth that is not an integer from 1 to 256', () => {
    for (const maxDepth of [0, -1, 1.5, 257, Number.NaN, Number.POSITIVE_INFINITY]) {
      const options: TlvDecodeOptions = { maxDepth };
      throwsCode(() => decodeTlv(hex`5A 00`, options), 'ERR_TLV_OPTIONS_INVALID');
      throwsCode(() => decodeTlvList(hex`5A 00`, options), 'ERR_TLV_OPTIONS_INVALID');
    }
    decodeTlv(hex`5A 00`, { maxDepth: 1 });
    decodeTlv(hex`5A 00`, { maxDepth: 256 });
  });
});
