import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { ApduErrorCode } from '../../src/apdu/index.js';
import {
  ApduError,
  encodeResponse,
  isSuccess,
  isValidSw,
  isWarning,
  parseResponse,
  response,
  sw1,
  sw2,
  triesLeft,
} from '../../src/apdu/index.js';
import { bytesEqual, fromHex, hex, toHex } from '../../src/bytes/index.js';

function assertCode(fn: () => unknown, code: ApduErrorCode): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ApduError, `expected an ApduError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

describe('response APDUs', () => {
  it('parses a bare status word', () => {
    const r = parseResponse(hex`9000`);
    assert.equal(r.sw, 0x9000);
    assert.equal(r.data.length, 0);
  });

  it('splits data from the trailer', () => {
    const data = '6F108408A000000151000000A5049F6501FF';
    const r = parseResponse(fromHex(data + '9000'));
    assert.equal(toHex(r.data), data);
    assert.equal(r.sw, 0x9000);
    assert.equal(toHex(encodeResponse(r)), data + '9000');
  });

  it('keeps the status word of an error', () => {
    const r = parseResponse(hex`6A82`);
    assert.equal(r.sw, 0x6a82);
    assert.equal(toHex(encodeResponse(r)), '6A82');
  });

  it('copies the data out of the received bytes', () => {
    const wire = hex`0102 9000`;
    const r = parseResponse(wire);
    wire[0] = 0xff;
    assert.equal(toHex(r.data), '0102');
  });

  const malformed: readonly [string, string, ApduErrorCode][] = [
    ['0 bytes', '', 'ERR_APDU_RESPONSE_TOO_SHORT'],
    ['1 byte', '90', 'ERR_APDU_RESPONSE_TOO_SHORT'],
    ['SW 0000', '0000', 'ERR_APDU_SW_INVALID'],
    ['SW1 60 (the T=0 NULL byte)', '6000', 'ERR_APDU_SW_INVALID'],
    ['SW1 5F', 'AABB5F00', 'ERR_APDU_SW_INVALID'],
    ['SW1 A0', 'A000', 'ERR_APDU_SW_INVALID'],
  ];
  for (const [what, wire, code] of malformed) {
    it(`rejects ${what}: ${code}`, () => assertCode(() => parseResponse(fromHex(wire)), code));
  }

  it('validates the status word it encodes', () => {
    assertCode(() => encodeResponse({ data: new Uint8Array(0), sw: 0x10000 }), 'ERR_APDU_SW_INVALID');
    assertCode(() => encodeResponse({ data: new Uint8Array(0), sw: 0x0090 }), 'ERR_APDU_SW_INVALID');
    assertCode(() => response(new Uint8Array(0), 0x6000), 'ERR_APDU_SW_INVALID');
    assert.equal(toHex(encodeResponse(response(hex`01`))), '019000');
  });

  it('isValidSw takes SW1 61..6F and 90..9F only', () => {
    for (const sw of [0x6100, 0x6fff, 0x9000, 0x9fff, 0x6310]) assert.equal(isValidSw(sw), true, sw.toString(16));
    for (const sw of [0x0000, 0x6000, 0x60ff, 0x5fff, 0xa000, 0xffff, -1, 0x10000, 1.5]) assert.equal(isValidSw(sw), false, String(sw));
  });
});

describe('status word helpers', () => {
  it('sw1 and sw2 split the trailer', () => {
    assert.equal(sw1(0x6a82), 0x6a);
    assert.equal(sw2(0x6a82), 0x82);
    assert.equal(sw1(0x9000), 0x90);
    assert.equal(sw2(0x9000), 0x00);
  });

  it('isSuccess is 9000 only: 61XX still has data to fetch', () => {
    assert.equal(isSuccess(0x9000), true);
    for (const sw of [0x6100, 0x6110, 0x6310, 0x6200, 0x9001]) assert.equal(isSuccess(sw), false, sw.toString(16));
  });

  it('isWarning is 62XX and 63XX', () => {
    for (const sw of [0x6200, 0x6281, 0x6300, 0x6310, 0x63c2]) assert.equal(isWarning(sw), true, sw.toString(16));
    for (const sw of [0x9000, 0x6100, 0x6400, 0x6982, 0x6a82]) assert.equal(isWarning(sw), false, sw.toString(16));
  });

  it('triesLeft reads X of 63CX', () => {
    assert.equal(triesLeft(0x63c2), 2);
    assert.equal(triesLeft(0x63c0), 0);
    assert.equal(triesLeft(0x63cf), 15);
    for (const sw of [0x6300, 0x63b2, 0x62c2, 0x6983, 0x9000]) assert.equal(triesLeft(sw), undefined, sw.toString(16));
  });
});

describe('response APDUs: properties', () => {
  const validSw = fc.oneof(fc.integer({ min: 0x6100, max: 0x6fff }), fc.integer({ min: 0x9000, max: 0x9fff }));
  const data = fc.integer({ min: 0, max: 300 }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));

  it('encode → parse round-trips data and status word', () => {
    fc.assert(
      fc.property(data, validSw, (d, sw) => {
        const wire = encodeResponse({ data: d, sw });
        assert.equal(wire.length, d.length + 2);
        const r = parseResponse(wire);
        assert.equal(r.sw, sw);
        assert.ok(bytesEqual(r.data, d));
        assert.ok(bytesEqual(encodeResponse(r), wire));
      }),
      { numRuns: 1000 },
    );
  });

  it('parseResponse on random bytes returns or throws ApduError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        let r;
        try {
          r = parseResponse(bytes);
        } catch (err) {
          assert.ok(err instanceof ApduError, `unexpected ${String(err)}`);
          return;
        }
        assert.ok(bytesEqual(encodeResponse(r), bytes));
      }),
      { numRuns: 1000 },
    );
  });
});
