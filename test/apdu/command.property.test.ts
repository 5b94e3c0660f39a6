import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ApduError, command, commandCase, encodeCommand, parseCommand } from '../../src/apdu/index.js';
import { bytesEqual, toHex } from '../../src/bytes/index.js';

const byte = fc.integer({ min: 0, max: 255 });
// Data lengths spread over the whole 0..300 range so both short and extended Lc come up.
const data = fc.integer({ min: 0, max: 300 }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));
const ne = fc.option(fc.oneof(fc.integer({ min: 1, max: 65536 }), fc.constantFrom(1, 255, 256, 257, 65535, 65536)), { nil: undefined });
const validCommand = fc
  .record({ cla: byte, ins: byte, p1: byte, p2: byte, data, ne, extended: fc.boolean() })
  .map((r) => command(r.cla, r.ins, r.p1, r.p2, r.data, r.ne, { extended: r.extended }));

/** The encoded length as ISO/IEC 7816-3 12.1.2 lays the fields out, written independently of the encoder. */
function expectedLength(nc: number, hasLe: boolean, extended: boolean): number {
  const lc = nc === 0 ? 0 : extended ? 3 : 1;
  const le = !hasLe ? 0 : extended ? (nc === 0 ? 3 : 2) : 1;
  return 4 + lc + nc + le;
}

describe('command APDUs: properties', () => {
  it('encode → parse → encode is byte-identical and parse gives the same fields', () => {
    fc.assert(
      fc.property(validCommand, (cmd) => {
        const wire = encodeCommand(cmd);
        const parsed = parseCommand(wire);
        assert.deepEqual(parsed, cmd);
        assert.equal(toHex(encodeCommand(parsed)), toHex(wire));
      }),
      { numRuns: 1000 },
    );
  });

  it('the case, framing and length follow the norm', () => {
    fc.assert(
      fc.property(validCommand, (cmd) => {
        const nc = cmd.data.length;
        const hasLe = cmd.ne !== undefined;
        const info = commandCase(cmd);
        assert.equal(info.case, nc === 0 ? (hasLe ? 2 : 1) : hasLe ? 4 : 3);
        if (nc > 255 || (cmd.ne ?? 0) > 256) assert.equal(info.extended, true);
        if (info.case === 1) assert.equal(info.extended, false);
        assert.equal(encodeCommand(cmd).length, expectedLength(nc, hasLe, info.extended));
      }),
      { numRuns: 1000 },
    );
  });

  it('parseCommand on random bytes returns a command that re-encodes identically, or throws ApduError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 400 }), (bytes) => {
        let parsed;
        try {
          parsed = parseCommand(bytes);
        } catch (err) {
          assert.ok(err instanceof ApduError, `unexpected ${String(err)}`);
          return;
        }
        assert.ok(bytesEqual(encodeCommand(parsed), bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it('damaged encodings (truncated, extended, a length byte changed) never escape as other errors', () => {
    const damaged = fc
      .tuple(validCommand, fc.nat(), fc.uint8Array({ maxLength: 3 }), byte, fc.constantFrom('cut', 'append', 'poke'))
      .map(([cmd, at, extra, value, how]) => {
        const wire = encodeCommand(cmd);
        if (how === 'cut') return wire.subarray(0, at % (wire.length + 1));
        if (how === 'append') return Uint8Array.from([...wire, ...extra]);
        const poked = Uint8Array.from(wire);
        poked[4 + (at % Math.max(1, Math.min(3, wire.length - 4)))] = value; // a length byte, when there is one
        return poked.subarray(0, wire.length);
      });
    fc.assert(
      fc.property(damaged, (bytes) => {
        let parsed;
        try {
          parsed = parseCommand(bytes);
        } catch (err) {
          assert.ok(err instanceof ApduError, `unexpected ${String(err)}`);
          return;
        }
        assert.ok(bytesEqual(encodeCommand(parsed), bytes));
      }),
      { numRuns: 2000 },
    );
  });
});
