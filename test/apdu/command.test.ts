import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApduErrorCode, CommandApdu } from '../../src/apdu/index.js';
import { ApduError, command, commandCase, encodeCommand, parseCommand, withData, withNe } from '../../src/apdu/index.js';
import { fromHex, hex, toHex } from '../../src/bytes/index.js';

function assertCode(fn: () => unknown, code: ApduErrorCode): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ApduError, `expected an ApduError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

function filled(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 7 + seed) & 0xff);
}

// SHA-256 DigestInfo prefix (RFC 8017 9.2 note 1) and SHA-256("abc") (FIPS 180-2 B.1): the 51 bytes
// a JPKI signing application receives in PERFORM SECURITY OPERATION.
const DIGEST_INFO = '3031300D060960864801650304020105000420' + 'BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD';

interface Trace {
  readonly what: string;
  readonly wire: string;
  readonly fields: { cla: number; ins: number; p1: number; p2: number; data: string; ne?: number };
  readonly case: 1 | 2 | 3 | 4;
}

const TRACES: readonly Trace[] = [
  { what: 'case 1 GET STATUS without Le', wire: '80F22002', fields: { cla: 0x80, ins: 0xf2, p1: 0x20, p2: 0x02, data: '' }, case: 1 },
  { what: 'case 2 GET DATA, Le 00 = 256', wire: '80CA006600', fields: { cla: 0x80, ins: 0xca, p1: 0x00, p2: 0x66, data: '', ne: 256 }, case: 2 },
  {
    what: 'case 3 GET STATUS with a tag list',
    wire: '80F220020A4F0212345C054F9F70C5',
    fields: { cla: 0x80, ins: 0xf2, p1: 0x20, p2: 0x02, data: '4F0212345C054F9F70C5' },
    case: 3,
  },
  { what: 'case 4 GET STATUS', wire: '80F28002024F0000', fields: { cla: 0x80, ins: 0xf2, p1: 0x80, p2: 0x02, data: '4F00', ne: 256 }, case: 4 },
  {
    what: 'case 4 STORE DATA',
    wire: '80E2910006BF3E035C015A00',
    fields: { cla: 0x80, ins: 0xe2, p1: 0x91, p2: 0x00, data: 'BF3E035C015A', ne: 256 },
    case: 4,
  },
  {
    what: 'case 4 INITIALIZE UPDATE (SCP03, KVN 30)',
    wire: '8050300008B13E5F938FC108C400',
    fields: { cla: 0x80, ins: 0x50, p1: 0x30, p2: 0x00, data: 'B13E5F938FC108C4', ne: 256 },
    case: 4,
  },
  {
    what: 'case 4 JPKI PERFORM SECURITY OPERATION (compute signature over a DigestInfo)',
    wire: '802A008033' + DIGEST_INFO + '00',
    fields: { cla: 0x80, ins: 0x2a, p1: 0x00, p2: 0x80, data: DIGEST_INFO, ne: 256 },
    case: 4,
  },
];

describe('command APDUs: byte-exact traces', () => {
  for (const t of TRACES) {
    it(`${t.what}: ${t.wire.slice(0, 40)}`, () => {
      const wire = fromHex(t.wire);
      const parsed = parseCommand(wire);
      const f = t.fields;
      const expected = command(f.cla, f.ins, f.p1, f.p2, fromHex(f.data), f.ne);
      assert.deepEqual(parsed, expected);
      assert.equal(parsed.ne, f.ne);
      assert.equal(toHex(parsed.data), f.data);
      assert.deepEqual(commandCase(parsed), { case: t.case, extended: false });
      assert.equal(toHex(encodeCommand(parsed)), t.wire);
      assert.equal(toHex(encodeCommand(expected)), t.wire);
    });
  }

  it('the JPKI signing command carries 0x33 = 51 data bytes', () => {
    assert.equal(parseCommand(fromHex('802A008033' + DIGEST_INFO + '00')).data.length, 51);
  });
});

describe('command APDUs: short and extended encodings', () => {
  const cases: readonly { what: string; cmd: CommandApdu; wire: string; case: 1 | 2 | 3 | 4; extended: boolean }[] = [
    { what: '2S with Ne 1', cmd: command(0x00, 0xb0, 0, 0, undefined, 1), wire: '00B0000001', case: 2, extended: false },
    { what: '2S with Ne 256 as 00', cmd: command(0x00, 0xb0, 0, 0, undefined, 256), wire: '00B0000000', case: 2, extended: false },
    { what: '2E with Ne 257', cmd: command(0x00, 0xb0, 0, 0, undefined, 257), wire: '00B00000000101', case: 2, extended: true },
    { what: '2E with Ne 1000', cmd: command(0x00, 0xb0, 0, 0, undefined, 1000), wire: '00B000000003E8', case: 2, extended: true },
    { what: '2E with Ne 65535', cmd: command(0x00, 0xb0, 0, 0, undefined, 65535), wire: '00B0000000FFFF', case: 2, extended: true },
    { what: '2E with Ne 65536 as 0000', cmd: command(0x00, 0xb0, 0, 0, undefined, 65536), wire: '00B00000000000', case: 2, extended: true },
    {
      what: '2E forced with a small Ne',
      cmd: command(0x00, 0xb0, 0, 0, undefined, 16, { extended: true }),
      wire: '00B00000000010',
      case: 2,
      extended: true,
    },
    { what: '3S with 255 data bytes', cmd: command(0x00, 0xd6, 0, 0, filled(255, 1)), wire: '00D60000FF' + toHex(filled(255, 1)), case: 3, extended: false },
    { what: '3E with 256 data bytes', cmd: command(0x00, 0xd6, 0, 0, filled(256, 2)), wire: '00D6000000' + '0100' + toHex(filled(256, 2)), case: 3, extended: true },
    { what: '3E with 300 data bytes', cmd: command(0x00, 0xd6, 0, 0, filled(300, 3)), wire: '00D6000000' + '012C' + toHex(filled(300, 3)), case: 3, extended: true },
    {
      what: '3E with the largest Nc, 65535',
      cmd: command(0x00, 0xd6, 0, 0, filled(65535, 4)),
      wire: '00D6000000' + 'FFFF' + toHex(filled(65535, 4)),
      case: 3,
      extended: true,
    },
    {
      what: '4E with 300 data bytes and Ne 65536',
      cmd: command(0x00, 0x2a, 0x9e, 0x9a, filled(300, 5), 65536),
      wire: '002A9E9A00012C' + toHex(filled(300, 5)) + '0000',
      case: 4,
      extended: true,
    },
    {
      what: '4E with 2 data bytes and Ne 300',
      cmd: command(0x00, 0x2a, 0x9e, 0x9a, hex`AABB`, 300),
      wire: '002A9E9A000002AABB012C',
      case: 4,
      extended: true,
    },
    {
      what: '4E with 256 data bytes and Ne 256',
      cmd: command(0x00, 0x2a, 0x80, 0x86, filled(256, 6), 256),
      wire: '002A808600' + '0100' + toHex(filled(256, 6)) + '0100',
      case: 4,
      extended: true,
    },
    {
      what: '4E forced with small fields',
      cmd: command(0x80, 0xe2, 0x90, 0x00, hex`01`, 1, { extended: true }),
      wire: '80E2900000000101' + '0001',
      case: 4,
      extended: true,
    },
    { what: 'case 1 ignores a request for extended lengths', cmd: command(0x00, 0x70, 0x80, 0x01, undefined, undefined, { extended: true }), wire: '00708001', case: 1, extended: false },
  ];

  for (const c of cases) {
    it(c.what, () => {
      const wire = encodeCommand(c.cmd);
      assert.equal(toHex(wire), c.wire);
      assert.deepEqual(commandCase(c.cmd), { case: c.case, extended: c.extended });
      const parsed = parseCommand(wire);
      assert.deepEqual(parsed, c.cmd);
      assert.equal(parsed.extended, c.extended);
      assert.equal(toHex(encodeCommand(parsed)), c.wire);
    });
  }

  it('a literal object without `extended` is encoded in the shortest form', () => {
    assert.equal(toHex(encodeCommand({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: hex`A0000000030000`, ne: 256 })), '00A4040007A000000003000000');
    assert.equal(toHex(encodeCommand({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: hex`A0`, ne: undefined })), '00A4040001A0');
  });

  it('parsed data is a copy of the input', () => {
    const wire = hex`00 D6 00 00 02 11 22`;
    const parsed = parseCommand(wire);
    wire[5] = 0x99;
    assert.equal(toHex(parsed.data), '1122');
  });
});

describe('command APDUs: malformed encodings', () => {
  const table: readonly [string, string, ApduErrorCode][] = [
    ['empty', '', 'ERR_APDU_COMMAND_TOO_SHORT'],
    ['3 bytes', '00A404', 'ERR_APDU_COMMAND_TOO_SHORT'],
    ['body length 2 with B1 = 05', '00A40400 05 01', 'ERR_APDU_LC_TRUNCATED'],
    ['Lc larger than the body', '00A40400 08 A000000003', 'ERR_APDU_LC_TRUNCATED'],
    ['Lc 2 more than the data, no Le', '00A40400 03 AA', 'ERR_APDU_LC_TRUNCATED'],
    ['Lc smaller than the body by 2', '00A40400 01 AA BB CC', 'ERR_APDU_TRAILING_BYTES'],
    ['Lc smaller than the body by many', '00A40400 02 AABB CCDDEEFF', 'ERR_APDU_TRAILING_BYTES'],
    ['extended body of length 2', '00A40400 00 01', 'ERR_APDU_EXTENDED_LENGTH_TRUNCATED'],
    ['extended body 00 00', '00A40400 0000', 'ERR_APDU_EXTENDED_LENGTH_TRUNCATED'],
    ['extended Lc 0000 and one more byte', '00A40400 000000 00', 'ERR_APDU_EXTENDED_LC_ZERO'],
    ['extended Lc 0000 and more bytes', '00A40400 000000 AABBCC', 'ERR_APDU_EXTENDED_LC_ZERO'],
    ['extended Lc larger than the body', '00A40400 000005 AABB', 'ERR_APDU_LC_TRUNCATED'],
    ['extended Lc 1 byte short', '00A40400 000003 AABB', 'ERR_APDU_LC_TRUNCATED'],
    ['4E with a truncated Le', '00A40400 000002 AABB 00', 'ERR_APDU_EXTENDED_LE_TRUNCATED'],
    ['4E with a byte after Le', '00A40400 000001 AA 0000 FF', 'ERR_APDU_TRAILING_BYTES'],
  ];
  for (const [what, wire, code] of table) {
    it(`${what}: ${code}`, () => assertCode(() => parseCommand(fromHex(wire)), code));
  }
});

describe('command APDUs: field validation', () => {
  const table: readonly [string, () => unknown, ApduErrorCode][] = [
    ['CLA 256', () => command(256, 0, 0, 0), 'ERR_APDU_HEADER_RANGE'],
    ['INS -1', () => command(0, -1, 0, 0), 'ERR_APDU_HEADER_RANGE'],
    ['P1 1.5', () => command(0, 0, 1.5, 0), 'ERR_APDU_HEADER_RANGE'],
    ['P2 NaN', () => command(0, 0, 0, Number.NaN), 'ERR_APDU_HEADER_RANGE'],
    ['65536 data bytes', () => command(0, 0xd6, 0, 0, new Uint8Array(65536)), 'ERR_APDU_DATA_TOO_LONG'],
    ['Ne 0', () => command(0, 0xb0, 0, 0, undefined, 0), 'ERR_APDU_NE_RANGE'],
    ['Ne 65537', () => command(0, 0xb0, 0, 0, undefined, 65537), 'ERR_APDU_NE_RANGE'],
    ['Ne 2.5', () => command(0, 0xb0, 0, 0, undefined, 2.5), 'ERR_APDU_NE_RANGE'],
    ['encode with P2 300', () => encodeCommand({ cla: 0, ins: 0xb0, p1: 0, p2: 300, data: new Uint8Array(0) }), 'ERR_APDU_HEADER_RANGE'],
    ['encode with Ne -1', () => encodeCommand({ cla: 0, ins: 0xb0, p1: 0, p2: 0, data: new Uint8Array(0), ne: -1 }), 'ERR_APDU_NE_RANGE'],
    ['case of 65536 data bytes', () => commandCase({ cla: 0, ins: 0, p1: 0, p2: 0, data: new Uint8Array(65536) }), 'ERR_APDU_DATA_TOO_LONG'],
  ];
  for (const [what, fn, code] of table) {
    it(`${what}: ${code}`, () => assertCode(fn, code));
  }

  it('accepts the class byte FF that PC/SC Part 3 uses for reader commands', () => {
    assert.equal(toHex(encodeCommand(command(0xff, 0xca, 0x00, 0x00, undefined, 256))), 'FFCA000000');
  });
});

describe('command APDUs: withData and withNe', () => {
  it('withNe changes the Le field and leaves the original alone', () => {
    const original = parseCommand(hex`80CA006600`);
    const changed = withNe(original, 0x10);
    assert.equal(toHex(encodeCommand(changed)), '80CA006610');
    assert.equal(toHex(encodeCommand(original)), '80CA006600');
    assert.equal(toHex(encodeCommand(withNe(original, undefined))), '80CA0066');
  });

  it('withData turns case 2 into case 4 and case 4 into case 2', () => {
    const get = parseCommand(hex`80CA006600`);
    const four = withData(get, hex`5C01`);
    assert.equal(toHex(encodeCommand(four)), '80CA0066025C0100');
    assert.equal(toHex(encodeCommand(withData(four, new Uint8Array(0)))), '80CA006600');
  });

  it('an extended command stays extended', () => {
    const e = parseCommand(hex`00B00000000010`);
    assert.equal(toHex(encodeCommand(withNe(e, 32))), '00B00000000020');
    assert.equal(toHex(encodeCommand(withData(e, hex`AA`))), '00B00000000001AA0010');
  });

  it('validates the new values', () => {
    const get = parseCommand(hex`80CA006600`);
    assertCode(() => withNe(get, 70000), 'ERR_APDU_NE_RANGE');
    assertCode(() => withData(get, new Uint8Array(70000)), 'ERR_APDU_DATA_TOO_LONG');
  });
});
