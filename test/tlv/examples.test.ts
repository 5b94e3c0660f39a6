import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesEqual, concat, hex, toHex } from '../../src/bytes/index.js';
import {
  decodeTlv,
  decodeTlvList,
  dumpTlv,
  encodeTlv,
  encodeTlvList,
  findAllTlv,
  findTlv,
  tagClass,
  tlv,
} from '../../src/tlv/index.js';
import type { Tlv } from '../../src/tlv/index.js';
import { throwsCode } from './helpers.js';

const FCI = '6F108408A000000151000000A5049F6501FF';

// GlobalPlatform/OMAPI-ARA-Applet test applet: GET DATA [All] response, 3 REF-AR-DO rules (E2).
const ARA_M_ALL =
  'FF4081A5E219E10F4F0BA000000600010001EE05FEC100E306D00100D10100E278E10F4F0BA000000600010001EE0501C100' +
  'E365D06000100100F0FFFFFF00100200F0FFFFFF00300000F0FFFFFF00400000F0EFFFFF00550000F0FFFFFF00A40000F0FF' +
  'FBFF00700000F0FF7FE000500000F0FFFFFF00100000F0FFFFFFFF300000FFFFFFFF00600000F0F0FFFF00900000F0F0FFFF' +
  'D10100E20EE1044F00C100E306D00101D10101';

function valueHex(node: Tlv | undefined): string {
  assert.ok(node, 'data object present');
  return toHex(node.value);
}

describe('TLV: ISD FCI (SELECT response)', () => {
  const fci = decodeTlv(hex(FCI));

  it('decodes every field', () => {
    assert.equal(fci.tag, 0x6f);
    assert.equal(fci.constructed, true);
    assert.equal(fci.value.length, 16);
    assert.ok(fci.constructed);
    assert.equal(fci.children.length, 2);
    const [aid, prop] = fci.children;
    assert.deepEqual({ tag: aid!.tag, constructed: aid!.constructed, value: toHex(aid!.value) }, {
      tag: 0x84,
      constructed: false,
      value: 'A000000151000000',
    });
    assert.equal(aid!.children, undefined);
    assert.equal(prop!.tag, 0xa5);
    assert.ok(prop!.constructed);
    assert.equal(toHex(prop!.value), '9F6501FF');
    assert.equal(prop!.children.length, 1);
    assert.equal(prop!.children[0]!.tag, 0x9f65);
    assert.equal(prop!.children[0]!.constructed, false);
    assert.equal(toHex(prop!.children[0]!.value), 'FF');
  });

  it('finds 6F/A5/9F65 and re-encodes to the same bytes', () => {
    assert.equal(valueHex(findTlv(fci, [0x6f, 0xa5, 0x9f65])), 'FF');
    assert.equal(valueHex(findTlv([fci], [0x6f, 0x84])), 'A000000151000000');
    assert.equal(toHex(encodeTlv(fci)), FCI);
  });

  it('is what the builders produce', () => {
    const built = tlv(0x6f, [tlv(0x84, hex`A0 00 00 01 51 00 00 00`), tlv(0xa5, [tlv(0x9f65, hex`FF`)])]);
    assert.equal(toHex(encodeTlv(built)), FCI);
    assert.deepEqual(built, fci);
  });

  it('dumps as an indented tree', () => {
    assert.equal(dumpTlv(fci), ['6F (16)', '  84 (8) A000000151000000', '  A5 (4)', '    9F65 (1) FF'].join('\n'));
  });
});

describe('TLV: GlobalPlatform ARA-M GET DATA [All] response', () => {
  const bytes = hex(ARA_M_ALL);
  const root = decodeTlv(bytes);

  it('is one FF40 of 165 bytes holding 3 E2 rules', () => {
    assert.equal(bytes.length, 169);
    assert.equal(root.tag, 0xff40);
    assert.equal(root.constructed, true);
    assert.equal(root.value.length, 165);
    const rules = findAllTlv(root, [0xff40, 0xe2]);
    assert.equal(rules.length, 3);
    assert.deepEqual(
      rules.map((r) => r.value.length),
      [0x19, 0x78, 0x0e],
    );
  });

  it('exposes each rule: AID reference, APDU and NFC access', () => {
    assert.deepEqual(findAllTlv(root, [0xff40, 0xe2, 0xe1, 0x4f]).map(valueHex), [
      'A000000600010001EE05FE',
      'A000000600010001EE0501',
      '',
    ]);
    const apdu = findAllTlv(root, [0xff40, 0xe2, 0xe3, 0xd0]);
    assert.equal(apdu.length, 3);
    assert.equal(valueHex(apdu[0]), '00');
    assert.equal(apdu[1]!.value.length, 96);
    assert.ok(valueHex(apdu[1]).startsWith('00100100F0FFFFFF'));
    assert.ok(valueHex(apdu[1]).endsWith('00900000F0F0FFFF'));
    assert.equal(valueHex(apdu[2]), '01');
    assert.deepEqual(findAllTlv(root, [0xff40, 0xe2, 0xe3, 0xd1]).map(valueHex), ['00', '00', '01']);
    assert.deepEqual(findAllTlv(root, [0xff40, 0xe2, 0xe1, 0xc1]).map(valueHex), ['', '', '']);
  });

  it('re-encodes to the same 169 bytes', () => {
    assert.equal(toHex(encodeTlv(root)), ARA_M_ALL);
    assert.equal(toHex(encodeTlvList(decodeTlvList(bytes))), ARA_M_ALL);
  });
});

describe('TLV: tags', () => {
  it('decodes the multi-byte constructed tag BF3E', () => {
    const node = decodeTlv(hex`BF3E 03 5C 01 5A`);
    assert.equal(node.tag, 0xbf3e);
    assert.equal(node.constructed, true);
    assert.equal(tagClass(node.tag), 'context');
    assert.ok(node.constructed);
    assert.equal(node.children.length, 1);
    assert.equal(node.children[0]!.tag, 0x5c);
    assert.equal(toHex(node.children[0]!.value), '5A');
    assert.equal(toHex(encodeTlv(node)), 'BF3E035C015A');
  });

  const cases: [string, number, boolean][] = [
    ['5F20 01 AA', 0x5f20, false],
    ['DF20 01 AA', 0xdf20, false],
    ['9F7F 01 AA', 0x9f7f, false],
    ['1F1F 01 AA', 0x1f1f, false], // tag number 31: the smallest that needs the long form
    ['5F8101 01 AA', 0x5f8101, false],
    ['FF40 00', 0xff40, true],
    ['DF818101 01 AA', 0xdf818101, false], // four bytes, above 2^31: must stay positive
    ['3F81FF7F 00', 0x3f81ff7f, true],
  ];
  for (const [input, tag, constructed] of cases) {
    it(`decodes ${input} as tag ${tag.toString(16).toUpperCase()} and re-encodes it`, () => {
      const node = decodeTlv(hex(input));
      assert.equal(node.tag, tag);
      assert.equal(node.constructed, constructed);
      assert.equal(toHex(encodeTlv(node)), toHex(hex(input)));
    });
  }
});

describe('TLV: lengths', () => {
  const pattern = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);
  const forms: [number, string][] = [
    [0, '00'],
    [127, '7F'],
    [128, '8180'],
    [200, '81C8'],
    [255, '81FF'],
    [256, '820100'],
    [300, '82012C'],
    [65535, '82FFFF'],
    [65536, '83010000'],
    [70000, '83011170'],
    [2 ** 24, '8401000000'],
  ];
  for (const [n, field] of forms) {
    it(`encodes a ${n}-byte value with length field ${field} and decodes it back`, () => {
      const value = pattern(n);
      const encoded = encodeTlv(tlv(0x5a, value));
      assert.equal(encoded.length, 1 + field.length / 2 + n);
      assert.equal(toHex(encoded.subarray(0, 1 + field.length / 2)), '5A' + field);
      const node = decodeTlv(encoded);
      assert.equal(node.value.length, n);
      assert.ok(bytesEqual(node.value, value));
    });
  }

  it('accepts non-minimal long forms when decoding and re-encodes minimally', () => {
    for (const field of ['8105', '820005', '83000005', '8400000005']) {
      const node = decodeTlv(concat(hex`5A`, hex(field), hex`01 02 03 04 05`));
      assert.equal(toHex(node.value), '0102030405');
      assert.equal(toHex(encodeTlv(node)), '5A050102030405');
    }
    const nested = decodeTlv(hex`6F 81 05 5A 82 00 01 77`);
    assert.equal(valueHex(findTlv(nested, [0x6f, 0x5a])), '77');
    assert.equal(toHex(encodeTlv(nested)), '6F035A0177');
  });

  it('builds a 300-byte value inside a constructed object with long forms at both levels', () => {
    const node = tlv(0x70, [tlv(0x5f20, pattern(300))]);
    const encoded = encodeTlv(node);
    // inner: 5F20 82 012C + 300 = 305 bytes; outer: 70 82 0131 + 305 = 309 bytes
    assert.equal(encoded.length, 309);
    assert.equal(toHex(encoded.subarray(0, 9)), '708201315F2082012C');
    assert.deepEqual(decodeTlv(encoded), node);
  });
});

describe('TLV: decoded values', () => {
  it('do not alias the input buffer', () => {
    const input = hex`5A 02 01 02`;
    const node = decodeTlv(input);
    input[2] = 0xee;
    assert.equal(toHex(node.value), '0102');
  });
});

describe('TLV: padding (skipPadding)', () => {
  it('skips 00 and FF runs before, between and after data objects', () => {
    const list = decodeTlvList(hex`00 5A 01 01 FF FF 00 5F20 01 02 FF`, { skipPadding: true });
    assert.deepEqual(
      list.map((n) => [n.tag, toHex(n.value)]),
      [
        [0x5a, '01'],
        [0x5f20, '02'],
      ],
    );
  });

  it('still reads FF as the first byte of a tag such as FF40', () => {
    const node = decodeTlv(hex`FF FF FF40 03 5A 01 01 FF`, { skipPadding: true });
    assert.equal(node.tag, 0xff40);
    assert.equal(valueHex(findTlv(node, [0xff40, 0x5a])), '01');
  });

  it('applies inside constructed values, whose value keeps the padding as received', () => {
    const node = decodeTlv(hex`6F 05 00 5A 01 01 00`, { skipPadding: true });
    assert.ok(node.constructed);
    assert.equal(node.children.length, 1);
    assert.equal(toHex(node.value), '005A010100');
    assert.equal(dumpTlv(node), '6F (5)\n  5A (1) 01');
    assert.equal(toHex(encodeTlv(node)), '6F035A0101');
  });

  it('reads FF as padding only where it cannot start a well-formed tag', () => {
    const list = decodeTlvList(hex`00 FF 0A 01 01 FF 80 00 FF 1E 00 FF`, { skipPadding: true });
    assert.deepEqual(
      list.map((n) => [n.tag, toHex(n.value)]),
      [
        [0x0a, '01'],
        [0x80, ''],
        [0x1e, ''],
      ],
    );
    // FF 5A is the well-formed constructed tag FF5A, whose value 01 is not a data object.
    throwsCode(() => decodeTlvList(hex`FF 5A 01 01`, { skipPadding: true }), 'ERR_TLV_LENGTH_TRUNCATED');
  });

  it('is off by default', () => {
    throwsCode(() => decodeTlvList(hex`00 5A 01 01`), 'ERR_TLV_TAG_RESERVED');
    throwsCode(() => decodeTlvList(hex`5A 01 01 FF`), 'ERR_TLV_TAG_TRUNCATED');
    throwsCode(() => decodeTlv(hex`5A 01 01 00`), 'ERR_TLV_TRAILING_BYTES');
  });
});

describe('TLV: dump', () => {
  it('prints empty values without a trailing space, one line per top-level object', () => {
    assert.equal(dumpTlv([tlv(0x5a, new Uint8Array(0)), tlv(0x6f, []), tlv(0xdf20, hex`0A0B`)]), '5A (0)\n6F (0)\nDF20 (2) 0A0B');
    assert.equal(dumpTlv([]), '');
  });

  it('prints the decimal length of long values', () => {
    const dump = dumpTlv(tlv(0xbf3e, [tlv(0x5c, new Uint8Array(300))]));
    assert.equal(dump, `BF3E (304)\n  5C (300) ${'00'.repeat(300)}`);
  });
});
