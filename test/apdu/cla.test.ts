import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { ApduErrorCode } from '../../src/apdu/index.js';
import { ApduError, channelOf, hasSecureMessaging, isProprietary, isValidCla, withChannel, withSecureMessaging } from '../../src/apdu/index.js';

function assertCode(fn: () => unknown, code: ApduErrorCode): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ApduError, `expected an ApduError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

const h = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');

describe('class byte: logical channels', () => {
  const moves: readonly [number, number, number, string][] = [
    [0x80, 1, 0x81, 'proprietary, first coding'],
    [0x84, 1, 0x85, 'proprietary with SM keeps SM'],
    [0x00, 5, 0x41, 'interindustry into the further coding'],
    [0x80, 5, 0xc1, 'proprietary into the further coding (GlobalPlatform C0-CF)'],
    [0x84, 4, 0xe0, 'GlobalPlatform SM on channel 4 is E0'],
    [0x04, 4, 0x60, 'SM indication moves to b6'],
    [0x0c, 7, 0x63, 'SM with header authentication becomes plain SM in the further coding'],
    [0x00, 19, 0x4f, 'the last channel'],
    [0x10, 4, 0x50, 'command chaining (b5) is kept'],
    [0xc5, 19, 0xcf, 'further to further'],
    [0x41, 2, 0x02, 'further back to first'],
    [0xe0, 0, 0x84, 'proprietary SM back to b4b3 = 01'],
    [0x60, 0, 0x08, 'interindustry SM back to b4b3 = 10'],
    [0x0c, 2, 0x0e, 'within the first coding b4b3 stays exactly'],
    [0xa0, 1, 0xa1, 'another proprietary class (A0) uses the same channel bits'],
    [0x83, 0, 0x80, 'back to the basic channel'],
  ];
  for (const [cla, channel, expected, what] of moves) {
    it(`withChannel(${h(cla)}, ${channel}) = ${h(expected)}: ${what}`, () => {
      assert.equal(h(withChannel(cla, channel)), h(expected));
      assert.equal(channelOf(expected), channel);
    });
  }

  it('channelOf reads both codings', () => {
    const table: readonly [number, number][] = [[0x00, 0], [0x03, 3], [0x83, 3], [0x0c, 0], [0x40, 4], [0xc0, 4], [0x4f, 19], [0xe3, 7], [0x7f, 19]];
    for (const [cla, channel] of table) assert.equal(channelOf(cla), channel, h(cla));
  });

  it('refuses channels outside 0..19', () => {
    for (const channel of [20, -1, 1.5, Number.NaN]) assertCode(() => withChannel(0x00, channel), 'ERR_APDU_CHANNEL_RANGE');
  });

  it('refuses class bytes without a defined coding', () => {
    assertCode(() => withChannel(0xff, 0), 'ERR_APDU_CLA_INVALID');
    assertCode(() => channelOf(0x20), 'ERR_APDU_CLA_INVALID');
    assertCode(() => hasSecureMessaging(0x3f), 'ERR_APDU_CLA_INVALID');
    assertCode(() => isProprietary(256), 'ERR_APDU_CLA_INVALID');
    assertCode(() => withSecureMessaging(-1, true), 'ERR_APDU_CLA_INVALID');
  });

  it('refuses to produce FF (proprietary, further, SM, chaining, channel 19)', () => {
    assertCode(() => withChannel(0xf0, 19), 'ERR_APDU_CLA_INVALID');
    assertCode(() => withSecureMessaging(0xdf, true), 'ERR_APDU_CLA_INVALID');
    assert.equal(withChannel(0xf0, 18), 0xfe);
  });
});

describe('class byte: kind and secure messaging', () => {
  it('isValidCla', () => {
    for (const cla of [0x00, 0x0c, 0x1f, 0x40, 0x7f, 0x80, 0x84, 0xa0, 0xc0, 0xfe]) assert.equal(isValidCla(cla), true, h(cla));
    for (const cla of [0xff, 0x20, 0x3f, 256, -1, 1.5]) assert.equal(isValidCla(cla), false, String(cla));
  });

  it('isProprietary is b8', () => {
    for (const cla of [0x80, 0x84, 0xc0, 0xa0, 0xe3]) assert.equal(isProprietary(cla), true, h(cla));
    for (const cla of [0x00, 0x0c, 0x4f, 0x1f]) assert.equal(isProprietary(cla), false, h(cla));
  });

  it('hasSecureMessaging reads b4b3 or b6', () => {
    for (const cla of [0x04, 0x08, 0x0c, 0x84, 0x60, 0xe0, 0x7f]) assert.equal(hasSecureMessaging(cla), true, h(cla));
    for (const cla of [0x00, 0x80, 0x83, 0x40, 0xc0, 0x5f, 0x13]) assert.equal(hasSecureMessaging(cla), false, h(cla));
  });

  it('withSecureMessaging sets and clears the indication', () => {
    const table: readonly [number, boolean, number][] = [
      [0x80, true, 0x84],
      [0x81, true, 0x85],
      [0x84, false, 0x80],
      [0x00, true, 0x08],
      [0x0c, true, 0x0c],
      [0x0c, false, 0x00],
      [0x41, true, 0x61],
      [0xe3, false, 0xc3],
      [0xc3, false, 0xc3],
    ];
    for (const [cla, on, expected] of table) assert.equal(h(withSecureMessaging(cla, on)), h(expected), `${h(cla)} ${String(on)}`);
  });
});

describe('class byte: properties', () => {
  const validCla = fc.integer({ min: 0, max: 255 }).filter(isValidCla);
  const channel = fc.integer({ min: 0, max: 19 });

  it('withChannel moves the channel and keeps kind, chaining and SM', () => {
    fc.assert(
      fc.property(validCla, channel, (cla, ch) => {
        let moved: number;
        try {
          moved = withChannel(cla, ch);
        } catch (err) {
          // Only the one combination that would spell FF is refused.
          assert.ok(err instanceof ApduError && err.code === 'ERR_APDU_CLA_INVALID');
          assert.ok(ch === 19 && (cla & 0x90) === 0x90 && hasSecureMessaging(cla));
          return;
        }
        assert.ok(isValidCla(moved));
        assert.equal(channelOf(moved), ch);
        assert.equal(isProprietary(moved), isProprietary(cla));
        assert.equal(hasSecureMessaging(moved), hasSecureMessaging(cla));
        assert.equal(moved & 0x10, cla & 0x10);
        assert.equal(withChannel(cla, channelOf(cla)), cla);
      }),
      { numRuns: 2000 },
    );
  });

  it('withSecureMessaging toggles only the indication', () => {
    fc.assert(
      fc.property(validCla, fc.boolean(), (cla, on) => {
        let out: number;
        try {
          out = withSecureMessaging(cla, on);
        } catch (err) {
          assert.ok(err instanceof ApduError && err.code === 'ERR_APDU_CLA_INVALID' && on && cla === 0xdf);
          return;
        }
        assert.equal(hasSecureMessaging(out), on);
        assert.equal(channelOf(out), channelOf(cla));
        assert.equal(isProprietary(out), isProprietary(cla));
      }),
      { numRuns: 1000 },
    );
  });
});
