import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeCommand, type CommandApdu } from '../../src/apdu/index.js';
import { toHex } from '../../src/bytes/index.js';
import { SECURITY_LEVELS, type SecurityLevel } from '../../src/crypto/index.js';
import { keySetOf, openPair } from './scp03-pair.js';

const commandArb: fc.Arbitrary<CommandApdu> = fc.record({
  cla: fc.constantFrom(0x80, 0x81, 0x82, 0x83, 0xc0, 0xc5, 0xcf, 0x00, 0x01, 0x41),
  ins: fc.integer({ min: 0, max: 255 }).filter((ins) => ins !== 0x50 && ins !== 0x82),
  p1: fc.integer({ min: 0, max: 255 }),
  p2: fc.integer({ min: 0, max: 255 }),
  data: fc.uint8Array({ minLength: 0, maxLength: 300 }),
  ne: fc.option(fc.integer({ min: 1, max: 65536 }), { nil: undefined }),
});

const responseArb = fc.record({
  data: fc.uint8Array({ minLength: 0, maxLength: 240 }),
  sw: fc.constantFrom(0x9000, 0x6310, 0x6283, 0x63c2, 0x6a88, 0x6982, 0x6d00),
});

function isProtected(sw: number): boolean {
  return sw === 0x9000 || sw >>> 8 === 0x62 || sw >>> 8 === 0x63;
}

describe('SCP03 properties: wrap then unwrap is the identity', () => {
  it('for random command sequences at every security level and key length, on any channel', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SECURITY_LEVELS),
        fc.constantFrom(16, 24, 32) as fc.Arbitrary<16 | 24 | 32>,
        fc.integer({ min: 1, max: 1000 }),
        fc.array(fc.tuple(commandArb, responseArb), { minLength: 1, maxLength: 6 }),
        (level: SecurityLevel, keyLength, seed, exchanges) => {
          const cla = exchanges[0]![0].cla;
          const pair = openPair(level, keySetOf(keyLength, seed), { seed, cla });
          for (const [rawCommand, reply] of exchanges) {
            const plain = { ...rawCommand, cla };
            const { received, response, wire } = pair.exchange(plain, reply);
            assert.equal(toHex(encodeCommand(received)), toHex(encodeCommand({ ...plain, extended: received.extended })));
            assert.equal(received.ne, plain.ne);
            if (level & 0x01) assert.notEqual(wire.cla, plain.cla, 'the wire CLA carries the SM indication');
            assert.equal(response.sw, reply.sw);
            // No protection (and no data) travels with error status words when R-MAC is on.
            const expected = level & 0x10 && !isProtected(reply.sw) ? '' : toHex(reply.data);
            assert.equal(toHex(response.data), expected);
          }
          assert.equal(pair.card.state, 'open');
        },
      ),
      { numRuns: 300 },
    );
  });
});
