import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { command, encodeCommand, isValidSw } from '../../../src/apdu/index.js';
import { fromHex, toHex } from '../../../src/bytes/index.js';
import { FileCardStore, MemoryCardStore } from '../../../src/card/index.js';
import { IdCard, type IdCardState } from '../../../src/devices/id-card/index.js';
import { issuedState, PASSWORD, PIN, SELECT_AP, selectEf, verifyApdu } from './helpers.js';

/**
 * Random and malformed APDUs: every answer is a status word (with data only on success or a warning),
 * nothing throws or hangs, and the card's saved state does not change — except the retry counters,
 * which wrong VERIFYs may only lower.
 */

const FIDS = ['0001', '0002', '0006', '0008', '000A', '000B', '0017', '0018', '001A', '001B', '0005', '0000', 'FFFF'];
const byte = fc.integer({ min: 0, max: 255 });
const pick = <T>(values: T[]) => fc.oneof(fc.constantFrom(...values), fc.constantFrom(...values), byte as unknown as fc.Arbitrary<T>);

const data = fc.oneof(
  fc.constant(new Uint8Array(0)),
  fc.constantFrom(...FIDS).map((f) => fromHex(f)),
  fc.constant(fromHex('D392F000260100000001')),
  fc.uint8Array({ minLength: 1, maxLength: 8 }),
  fc.uint8Array({ minLength: 0, maxLength: 300 }),
);
const ne = fc.option(fc.oneof(fc.constantFrom(1, 4, 32, 255, 256, 257, 65536), fc.integer({ min: 1, max: 65536 })), { nil: undefined });

/** A well-framed command with fields biased towards what the card knows. */
const shaped = fc
  .record({
    cla: pick([0x00, 0x80, 0x0c, 0x10, 0x01, 0x84, 0x40, 0xff]),
    ins: pick([0xa4, 0xb0, 0x2a, 0x70, 0xc0, 0xca, 0x20, 0x24, 0x22, 0x88]),
    p1: pick([0x00, 0x01, 0x02, 0x04, 0x80, 0x7f]),
    p2: pick([0x00, 0x0c, 0x80, 0x04, 0x02, 0xff]),
    data,
    ne,
  })
  .map((r) => encodeCommand(command(r.cla, r.ins, r.p1, r.p2, r.data, r.ne)));

/** Commands that take the card somewhere: the AP, an EF, a read, a signature. */
const known = fc.constantFrom(
  ...[SELECT_AP, ...FIDS.map(selectEf), '00B0000000', '00B0000004', '00B0010000', '00200080', '802A0080010100', '802A00803330313000'].map((h) => fromHex(h)),
);
const anyBytes = fc.uint8Array({ minLength: 0, maxLength: 300 });
const apdu = fc.oneof({ arbitrary: shaped, weight: 4 }, { arbitrary: known, weight: 3 }, { arbitrary: anyBytes, weight: 2 });

const touchesPin = (b: Uint8Array) => b.length >= 2 && (b[1] === 0x20 || b[1] === 0x24) && b.length > 4;

async function answer(card: IdCard, bytes: Uint8Array): Promise<Uint8Array> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer to ${toHex(bytes)}`)), 5000)));
  try {
    return await Promise.race([card.transmit(bytes), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function checkResponse(cmd: Uint8Array, r: Uint8Array): void {
  assert.ok(r.length >= 2, `no status word for ${toHex(cmd)}`);
  const sw = r[r.length - 2]! * 256 + r[r.length - 1]!;
  assert.ok(isValidSw(sw), `invalid SW ${toHex(r.subarray(-2))} for ${toHex(cmd)}`);
  const sw1 = sw >> 8;
  if (r.length > 2) assert.ok(sw1 === 0x90 || sw1 === 0x61 || sw1 === 0x62 || sw1 === 0x63, `data with an error SW for ${toHex(cmd)}`);
}

function withoutCounters(state: IdCardState): unknown {
  const copy = structuredClone(state) as { jpki: { files: Record<string, { triesLeft?: number }> } };
  for (const fid of ['0018', '001B']) delete copy.jpki.files[fid]!.triesLeft;
  return copy;
}

let dir: string;
let base: IdCardState;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'id-card-prop-'));
  base = await issuedState();
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('Individual Number Card: random and malformed APDUs (property)', () => {
  it('answer with a status word only, and leave the saved card file byte-identical (VERIFY and CHANGE REFERENCE DATA left out)', async () => {
    const store = new FileCardStore<IdCardState>(join(dir, 'card.json'));
    await store.create(base);
    const file = () => readFileSync(store.path, 'utf8');
    const original = file();
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(apdu.filter((b) => !touchesPin(b)), { maxLength: 25 }), fc.boolean(), async (login, commands, cycle) => {
        const card = await IdCard.open(store);
        await card.powerOn();
        if (login) {
          // A correct VERIFY on a full counter saves the same document again: the file does not change.
          for (const [fid, value] of [['0018', PIN], ['001B', PASSWORD]] as const) {
            for (const c of [SELECT_AP, selectEf(fid), verifyApdu(value)]) assert.equal(toHex(await card.transmit(fromHex(c))).slice(-4), '9000');
          }
        }
        for (const [i, cmd] of commands.entries()) {
          checkResponse(cmd, await answer(card, cmd));
          if (cycle && i % 7 === 6) await card.reset();
        }
        assert.equal(file(), original);
        // Still a working card.
        assert.equal(toHex(await card.transmit(fromHex(SELECT_AP))), '9000');
        assert.equal(toHex(await card.transmit(fromHex(selectEf('000A')))), '9000');
        assert.equal(toHex(await card.transmit(fromHex('00B0000002'))), '30829000');
      }),
      { numRuns: 150 },
    );
  });

  it('with VERIFY and CHANGE REFERENCE DATA in the mix, only the retry counters change, never upwards, at most once per VERIFY', async () => {
    const secrets = new Set([PIN, PASSWORD].map((v) => toHex(new TextEncoder().encode(v))));
    const pinCommand = fc
      .record({ ins: fc.constantFrom(0x20, 0x24), p1: fc.constantFrom(0x00, 0x01, 0x02), p2: fc.constantFrom(0x80, 0x00), data: fc.uint8Array({ minLength: 0, maxLength: 20 }) })
      .filter((r) => !secrets.has(toHex(r.data)))
      .map((r) => encodeCommand(command(0x00, r.ins, r.p1, r.p2, r.data)));
    const pinEf = fc.constantFrom(selectEf('0018'), selectEf('001B'), SELECT_AP).map((h) => fromHex(h));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(apdu, pinCommand, pinCommand, pinEf), { maxLength: 25 }), async (commands) => {
        const store = new MemoryCardStore<IdCardState>(base);
        const card = new IdCard(structuredClone(base), store);
        await card.powerOn();
        for (const cmd of commands) checkResponse(cmd, await answer(card, cmd));
        const now = (await store.load()) as IdCardState;
        assert.deepEqual(withoutCounters(now), withoutCounters(base));
        const verifies = commands.filter((c) => c.length > 5 && c[1] === 0x20 && c[0] === 0x00).length;
        let used = 0;
        for (const fid of ['0018', '001B'] as const) {
          const was = base.jpki.files[fid].triesLeft;
          const is = now.jpki.files[fid].triesLeft;
          assert.ok(is <= was, `${fid} went up`);
          used += was - is;
        }
        assert.ok(used <= verifies, `${used} tries used by ${verifies} VERIFY commands`);
      }),
      { numRuns: 150 },
    );
  });
});
