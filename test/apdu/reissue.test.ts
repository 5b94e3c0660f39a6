import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApduErrorCode } from '../../src/apdu/index.js';
import { ApduError, command, encodeCommand, getResponseFor, parseCommand, retryWithExactLength } from '../../src/apdu/index.js';
import { hex, toHex } from '../../src/bytes/index.js';

function assertCode(fn: () => unknown, code: ApduErrorCode): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ApduError, `expected an ApduError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

describe('re-issuing after 6CXX (wrong Le)', () => {
  it('sends the same command with Ne = SW2', () => {
    const read = command(0x00, 0xb0, 0x00, 0x00, undefined, 256);
    assert.equal(toHex(encodeCommand(retryWithExactLength(read, 0x6c10))), '00B0000010');
  });

  it('reads SW2 = 00 as 256', () => {
    const read = command(0x00, 0xb0, 0x00, 0x00, undefined, 16);
    assert.equal(toHex(encodeCommand(retryWithExactLength(read, 0x6c00))), '00B0000000');
  });

  it('keeps the data of a case 4 command', () => {
    const getData = parseCommand(hex`80CA0000 02 5C01 00`);
    assert.equal(toHex(encodeCommand(retryWithExactLength(getData, 0x6c0a))), '80CA0000025C010A');
  });

  it('uses a short Le even when the first attempt was extended', () => {
    const extended = parseCommand(hex`00B00000 000400`);
    assert.equal(extended.extended, true);
    assert.equal(toHex(encodeCommand(retryWithExactLength(extended, 0x6c20))), '00B0000020');
  });

  it('refuses other status words', () => {
    const read = command(0x00, 0xb0, 0x00, 0x00, undefined, 256);
    for (const sw of [0x6110, 0x9000, 0x6700]) assertCode(() => retryWithExactLength(read, sw), 'ERR_APDU_SW_UNEXPECTED');
  });
});

describe('GET RESPONSE after 61XX', () => {
  const table: readonly [number, number, string, string][] = [
    [0x00, 0x6105, '00C0000005', 'basic channel'],
    [0x84, 0x6110, '00C0000010', 'GlobalPlatform SM class: plain 00'],
    [0x81, 0x6110, '01C0000010', 'proprietary class on channel 1'],
    [0x0d, 0x6120, '01C0000020', 'interindustry SM on channel 1'],
    [0xc1, 0x6100, '41C0000000', 'channel 5, SW2 00 = 256'],
    [0x4f, 0x61ff, '4FC00000FF', 'channel 19'],
  ];
  for (const [cla, sw, wire, what] of table) {
    it(`${what}: ${wire}`, () => {
      const original = command(cla, 0xf2, 0x40, 0x00, hex`4F00`, 256);
      assert.equal(toHex(encodeCommand(getResponseFor(original, sw))), wire);
    });
  }

  it('refuses other status words and a class without channel bits', () => {
    const original = command(0x00, 0xa4, 0x04, 0x00, hex`A0000001514352530000`, 256);
    for (const sw of [0x6c05, 0x9000, 0x6310]) assertCode(() => getResponseFor(original, sw), 'ERR_APDU_SW_UNEXPECTED');
    assertCode(() => getResponseFor(command(0xff, 0xca, 0x00, 0x00, undefined, 256), 0x6105), 'ERR_APDU_CLA_INVALID');
  });
});
