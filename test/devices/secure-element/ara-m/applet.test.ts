import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { command, parseResponse } from '../../../../src/apdu/index.js';
import { concat, fromHex, toHex } from '../../../../src/bytes/index.js';
import {
  encodeStoreCommand,
  INITIAL_REFRESH_TAG,
  MAX_RULES_BYTES,
  type RefArDo,
} from '../../../../src/devices/secure-element/ara-m/index.js';
import { vectorJson } from '../../../helpers/vectors.js';
import { getData, selectAraM, storeData, TestElement, Tsm } from './harness.js';

interface Vectors {
  getAllResponse: string;
  rules: string[];
  specific: { name: string; command: string; response: string }[];
}
const V = vectorJson<Vectors>('ara-m-gp-omapi.json');
const STORE_EXAMPLE = fromHex('F081A5' + V.rules.join(''));

const AID_A = fromHex('A0000000041010');
const H1 = new Uint8Array(32).fill(0x11);
const H2 = new Uint8Array(20).fill(0x22);
const rule = (aid: Uint8Array, hash: Uint8Array, apdu: 'never' | 'always' = 'always'): RefArDo => ({ ref: { aid: { kind: 'aid', aid }, hash }, ar: { apdu: { kind: apdu } } });
const store = (...rules: RefArDo[]) => encodeStoreCommand({ kind: 'store', rules });

let se: TestElement;
beforeEach(async () => {
  se = new TestElement();
  await se.powerOn();
});

/** FF40's whole size from its header: tag FF40, then a length of 1 (< 80), 2 (81 xx) or 3 (82 xx xx) bytes. */
function announced(first: Uint8Array): number {
  const l = first[2]!;
  if (l < 0x80) return 3 + l;
  if (l === 0x81) return 4 + first[3]!;
  assert.equal(l, 0x82);
  return 5 + ((first[3]! << 8) | first[4]!);
}

/** GET DATA [All], then [Next] until the announced size is there (what the enforcer does). */
async function readAll(channel = 0, ne = 256): Promise<Uint8Array> {
  const first = await se.transmit(getData(0xff40, undefined, ne, channel));
  assert.equal(first.sw, 0x9000);
  const total = announced(first.data);
  let whole = first.data;
  while (whole.length < total) {
    const next = await se.transmit(getData(0xff60, undefined, ne, channel));
    assert.equal(next.sw, 0x9000);
    assert.ok(next.data.length > 0 && next.data.length <= ne);
    whole = concat(whole, next.data);
  }
  assert.equal(whole.length, total);
  return whole;
}

describe('ARA-M: selection and GET DATA on a plain channel', () => {
  it('answers SELECT with no FCI, partial selection finds the instance, and a new instance has no rules', async () => {
    const sel = await se.transmit(selectAraM());
    assert.deepEqual([toHex(sel.data), sel.sw], ['', 0x9000]);
    const partial = await se.transmit(command(0x00, 0xa4, 0x04, 0x00, fromHex('A00000015141434C'), 256));
    assert.equal(partial.sw, 0x9000);
    assert.equal((await se.transmit(getData(0xff40))).sw, 0x6a88);
    const tag = await se.transmit(getData(0xdf20));
    assert.equal(toHex(tag.data), 'DF2008' + INITIAL_REFRESH_TAG);
  });

  it('refuses STORE DATA without a secure channel (6982), and keeps nothing', async () => {
    await se.transmit(selectAraM());
    assert.equal((await se.transmit(storeData(STORE_EXAMPLE))).sw, 0x6982);
    assert.deepEqual(se.committed.rules, []);
    assert.equal(se.draws, 0);
  });

  it('answers class, instruction and parameter mistakes with their status words', async () => {
    await se.transmit(selectAraM());
    const cases: [Uint8Array, number][] = [
      [fromHex('00CAFF4000'), 0x6e00], // interindustry class
      [fromHex('90CAFF4000'), 0x6884], // command chaining
      [fromHex('80CC000000'), 0x6d00], // unknown instruction
      [fromHex('80CA00FF00'), 0x6a88], // unknown GET DATA tag
      [fromHex('80CAFF400100'), 0x6700], // [All] with data
      [fromHex('80CADF200100'), 0x6700],
      [fromHex('80CAFF6000'), 0x6985], // [Next] with nothing being read
      [fromHex('84CAFF4000'), 0x6982], // secure messaging class without a session
      [fromHex('80CAFF5000'), 0x6700], // [Specific] without a REF-DO
      [fromHex('80CAFF5003E1014F00'), 0x6a80], // [Specific] with a bad REF-DO
    ];
    for (const [bytes, sw] of cases) {
      assert.equal(parseResponse(await se.runtime.transmit(bytes)).sw, sw, toHex(bytes));
    }
  });
});

describe('ARA-M: STORE DATA in the owner\'s secure channel', () => {
  it('stores the three rules of GlobalPlatform\'s test applet and gives back its 169-byte GET DATA [All] answer byte for byte', async () => {
    const tsm = new Tsm(se);
    await tsm.open(0x33);
    const r = await tsm.send(storeData(STORE_EXAMPLE));
    assert.equal(r.sw, 0x9000);
    // The enforcer reads on a plain logical channel: [All] with Le 00 gives 256 bytes at most, so 169 fit.
    await se.transmit(command(0x00, 0x70, 0x00, 0x00, undefined, 1));
    await se.transmit(selectAraM(1));
    const all = await se.transmit(getData(0xff40, undefined, 256, 1));
    assert.equal(all.sw, 0x9000);
    assert.equal(all.data.length, 169);
    assert.equal(toHex(all.data), V.getAllResponse);
    assert.deepEqual(se.committed.rules, V.rules);
  });

  it('answers GET DATA [Specific] as GlobalPlatform\'s test applet does', async () => {
    const tsm = new Tsm(se);
    await tsm.open(0x01);
    assert.equal((await tsm.send(storeData(STORE_EXAMPLE))).sw, 0x9000);
    await se.transmit(selectAraM());
    for (const v of V.specific) {
      const answer = parseResponse(await se.runtime.transmit(fromHex(v.command)));
      assert.deepEqual([toHex(answer.data), answer.sw], [v.response, 0x9000], v.name);
    }
  });

  it('serves [All] through [Next] when it does not fit: Le 00 gives 256-byte blocks, a small Le smaller ones', async () => {
    const tsm = new Tsm(se);
    await tsm.open(0x13);
    const many = Array.from({ length: 12 }, (_, i) => rule(concat(AID_A, Uint8Array.of(i)), H1));
    assert.equal((await tsm.send(storeData(store(...many)))).sw, 0x9000);
    await se.transmit(selectAraM());
    const first = await se.transmit(getData(0xff40));
    assert.equal(first.data.length, 256);
    const whole = await readAll();
    assert.equal(toHex(whole.subarray(0, 2)), 'FF40');
    const value = se.committed.rules.join('');
    assert.equal(toHex(whole), 'FF4082' + (value.length / 2).toString(16).toUpperCase().padStart(4, '0') + value);
    const small = await readAll(0, 100);
    assert.deepEqual(small, whole);
    // Everything read: a further [Next] has nothing to continue.
    assert.equal((await se.transmit(getData(0xff60))).sw, 0x6985);
  });

  it('continues a long [Specific] answer with [Next], and treats an absent Le as 00', async () => {
    const tsm = new Tsm(se);
    await tsm.open(0x01);
    const filters = Array.from({ length: 40 }, (_, i) => ({ header: Uint8Array.of(0x80, i, 0, 0), mask: fromHex('FFFFFFFF') }));
    const big: RefArDo = { ref: { aid: { kind: 'aid', aid: AID_A }, hash: H1 }, ar: { apdu: { kind: 'filters', filters }, nfc: 'never' } };
    assert.equal((await tsm.send(storeData(store(big)))).sw, 0x9000);
    await se.transmit(selectAraM());
    const query = fromHex('E12B4F07A0000000041010C120' + toHex(H1));
    const first = await se.transmit(getData(0xff50, query));
    assert.deepEqual([first.sw, first.data.length], [0x9000, 256]);
    const next = await se.transmit(getData(0xff60));
    const answer = concat(first.data, next.data);
    assert.equal(toHex(answer), 'FF5082014BE3820147D0820140' + filters.map((f) => toHex(f.header) + 'FFFFFFFF').join('') + 'D10100');
    const noLe = await se.transmit(command(0x80, 0xca, 0xdf, 0x20));
    assert.deepEqual([noLe.sw, noLe.data.length], [0x9000, 11]);
  });

  it('[Next] after the rules changed answers 6984 (read again)', async () => {
    const tsm = new Tsm(se, 0);
    await tsm.open(0x01);
    const many = Array.from({ length: 8 }, (_, i) => rule(concat(AID_A, Uint8Array.of(i)), H1));
    assert.equal((await tsm.send(storeData(store(...many)))).sw, 0x9000);
    await se.transmit(command(0x00, 0x70, 0x00, 0x00, undefined, 1));
    await se.transmit(selectAraM(1));
    assert.equal((await se.transmit(getData(0xff40, undefined, 256, 1))).data.length, 256);
    assert.equal((await tsm.send(storeData(encodeStoreCommand({ kind: 'update-refresh-tag' })))).sw, 0x9000);
    assert.equal((await se.transmit(getData(0xff60, undefined, 256, 1))).sw, 0x6984);
    assert.equal((await se.transmit(getData(0xff60, undefined, 256, 1))).sw, 0x6985);
  });

  it('fits [All] blocks inside the session: R-MAC and R-ENC take their room out of Le', async () => {
    const tsm = new Tsm(se);
    await tsm.open(0x33);
    const many = Array.from({ length: 8 }, (_, i) => rule(concat(AID_A, Uint8Array.of(i)), H1));
    assert.equal((await tsm.send(storeData(store(...many)))).sw, 0x9000);
    const first = await tsm.send(getData(0xff40));
    assert.equal(first.sw, 0x9000);
    assert.equal(first.data.length, 239);
    const next = await tsm.send(getData(0xff60));
    const value = se.committed.rules.join('');
    assert.equal(toHex(concat(first.data, next.data)), 'FF4082' + (value.length / 2).toString(16).toUpperCase().padStart(4, '0') + value);
  });

  it('changes the refresh tag on every rule change and never on reads or on a command that changes nothing', async () => {
    const tsm = new Tsm(se);
    await tsm.open(0x01);
    const tags = [se.committed.refreshTag];
    const step = async (data: Uint8Array, sw: number, changes: boolean) => {
      assert.equal((await tsm.send(storeData(data))).sw, sw);
      const now = se.committed.refreshTag;
      if (changes) assert.ok(!tags.includes(now), 'a new tag');
      else assert.equal(now, tags.at(-1));
      tags.push(now);
    };
    await step(store(rule(AID_A, H1)), 0x9000, true);
    await step(store(rule(AID_A, H1)), 0x6381, false); // already stored as given
    await step(store(rule(AID_A, H1, 'never')), 0x6a89, false); // conflicting rule
    await step(encodeStoreCommand({ kind: 'update-refresh-tag' }), 0x9000, true);
    await step(store(rule(AID_A, H2)), 0x9000, true);
    await step(encodeStoreCommand({ kind: 'delete', target: { kind: 'ref', ref: { aid: { kind: 'aid', aid: AID_A }, hash: H1 } } }), 0x9000, true);
    await step(encodeStoreCommand({ kind: 'delete', target: { kind: 'ref', ref: { aid: { kind: 'aid', aid: AID_A }, hash: H1 } } }), 0x6a88, false);
    const before = se.draws;
    await se.transmit(selectAraM(0));
    await se.transmit(getData(0xdf20));
    await se.transmit(getData(0xff40));
    assert.equal(se.draws, before);
    assert.equal(tags.at(-1), se.committed.refreshTag);
    assert.equal(toHex((await se.transmit(getData(0xdf20))).data), 'DF2008' + se.committed.refreshTag);
  });

  it('never repeats the previous refresh tag, even when the RNG does', async () => {
    const stuck = () => new Uint8Array(8).fill(0xab);
    se = new TestElement({ random: stuck });
    await se.powerOn();
    const tsm = new Tsm(se);
    await tsm.open(0x01);
    const tags = [se.committed.refreshTag];
    for (let i = 0; i < 4; i++) {
      assert.equal((await tsm.send(storeData(encodeStoreCommand({ kind: 'update-refresh-tag' })))).sw, 0x9000);
      assert.notEqual(se.committed.refreshTag, tags.at(-1));
      tags.push(se.committed.refreshTag);
    }
    assert.deepEqual(tags, [INITIAL_REFRESH_TAG, 'ABABABABABABABAB', 'ABABABABABABABAA', 'ABABABABABABABAB', 'ABABABABABABABAA']);
  });

  it('deletes by AID, by REF-DO, by REF-AR-DO and all', async () => {
    const tsm = new Tsm(se);
    await tsm.open(0x03);
    const aidB = fromHex('A0000000031010');
    const rules = [rule(AID_A, H1), rule(AID_A, H2), rule(aidB, H1), { ref: { aid: { kind: 'all' as const }, hash: new Uint8Array(0) }, ar: { nfc: 'always' as const } }];
    assert.equal((await tsm.send(storeData(store(...rules)))).sw, 0x9000);
    assert.equal(se.committed.rules.length, 4);
    const del = (target: Parameters<typeof encodeStoreCommand>[0]) => tsm.send(storeData(encodeStoreCommand(target)));
    assert.equal((await del({ kind: 'delete', target: { kind: 'rule', rule: rule(aidB, H1, 'never') } })).sw, 0x6a88); // another AR-DO
    assert.equal((await del({ kind: 'delete', target: { kind: 'rule', rule: rule(aidB, H1) } })).sw, 0x9000);
    assert.equal(se.committed.rules.length, 3);
    assert.equal((await del({ kind: 'delete', target: { kind: 'aid', aid: { kind: 'aid', aid: AID_A } } })).sw, 0x9000);
    assert.equal(se.committed.rules.length, 1);
    assert.equal((await del({ kind: 'delete', target: { kind: 'aid', aid: { kind: 'aid', aid: AID_A } } })).sw, 0x6a88);
    assert.equal((await del({ kind: 'delete', target: { kind: 'ref', ref: { aid: { kind: 'all' }, hash: new Uint8Array(0) } } })).sw, 0x9000);
    assert.deepEqual(se.committed.rules, []);
    assert.equal((await tsm.send(storeData(STORE_EXAMPLE))).sw, 0x9000);
    assert.equal((await del({ kind: 'delete', target: { kind: 'all' } })).sw, 0x9000);
    assert.deepEqual(se.committed.rules, []);
    assert.equal((await del({ kind: 'delete', target: { kind: 'all' } })).sw, 0x6a88);
    assert.equal((await se.transmit(selectAraM())).sw, 0x9000);
    assert.equal((await se.transmit(getData(0xff40))).sw, 0x6a88);
  });

  it('joins chained STORE DATA blocks and refuses a block out of sequence', async () => {
    const tsm = new Tsm(se);
    await tsm.open(0x13);
    const parts = [STORE_EXAMPLE.subarray(0, 60), STORE_EXAMPLE.subarray(60, 120), STORE_EXAMPLE.subarray(120)];
    assert.equal((await tsm.send(storeData(parts[0]!, 0x10, 0))).sw, 0x9000);
    assert.equal((await tsm.send(storeData(parts[1]!, 0x10, 1))).sw, 0x9000);
    assert.deepEqual(se.committed.rules, []);
    assert.equal((await tsm.send(storeData(parts[2]!, 0x90, 2))).sw, 0x9000);
    assert.deepEqual(se.committed.rules, V.rules);
    assert.equal((await tsm.send(storeData(parts[0]!, 0x10, 0))).sw, 0x9000);
    assert.equal((await tsm.send(storeData(parts[1]!, 0x10, 2))).sw, 0x6a86);
    assert.equal((await tsm.send(storeData(parts[2]!, 0x90, 2))).sw, 0x6a86); // the chain was dropped
  });

  it('answers malformed and unsupported STORE DATA with the SEAC status words', async () => {
    const tsm = new Tsm(se);
    await tsm.open(0x01);
    const cases: [string, number, number?][] = [
      ['F003E20100', 0x6a80], // bad REF-AR-DO
      ['F000', 0x6a80], // nothing to store
      ['F300', 0x6981], // Command-Get: not supported
      ['F700', 0x6981], // Register-Client-AIDs: not supported
      ['F900', 0x6a80], // not a command DO
      ['F200F200', 0x6a80], // two commands
      ['F2020000', 0x6a80], // F2 with content
      ['F1024F01', 0x6a80], // truncated
      ['F0', 0x6a80], // not BER-TLV
      ['F200', 0x6a86, 0xf0], // encrypted data indicated in P1
      ['F200', 0x6a86, 0x88], // DGI structure
    ];
    for (const [hex, sw, p1] of cases) {
      assert.equal((await tsm.send(storeData(fromHex(hex), p1 ?? 0x90))).sw, sw, hex);
    }
    assert.deepEqual(se.committed.rules, []);
    assert.equal(se.committed.refreshTag, INITIAL_REFRESH_TAG);
  });

  it('stores a rule without an unknown data object and says so (6382)', async () => {
    const tsm = new Tsm(se);
    await tsm.open(0x01);
    // E2 { E1 { 4F AID_A, C1 00 }, E3 { D0 01, DF7F 01 00 }, 9F20 00 }
    const e2 = 'E2' + '19' + 'E10B4F07A0000000041010C100' + 'E307D00101DF7F0100' + '9F2000';
    assert.equal((await tsm.send(storeData(fromHex('F01B' + e2)))).sw, 0x6382);
    assert.deepEqual(se.committed.rules, ['E212E10B4F07A0000000041010C100E303D00101']);
  });

  it('refuses more rules than the store holds (6581) and keeps the rules it had', async () => {
    const tsm = new Tsm(se);
    await tsm.open(0x01);
    let before = se.committed;
    let sw = 0x9000;
    for (let i = 0; sw === 0x9000 && i < 1000; i += 4) {
      before = se.committed;
      const four = [0, 1, 2, 3].map((k) => rule(concat(AID_A, Uint8Array.of((i + k) >> 8, (i + k) & 0xff)), H1));
      sw = (await tsm.send(storeData(store(...four)))).sw;
    }
    assert.equal(sw, 0x6581);
    assert.deepEqual(se.committed, before);
    const stored = se.committed.rules.reduce((n, r) => n + r.length / 2, 0);
    assert.ok(stored <= MAX_RULES_BYTES && stored + 4 * 0x36 > MAX_RULES_BYTES, String(stored));
  });

  it('aborts the session after a wrong MAC: STORE DATA is refused from then on (6982)', async () => {
    const tsm = new Tsm(se);
    await tsm.open(0x01);
    const wire = tsm.session.wrap(storeData(STORE_EXAMPLE));
    const forged = { ...wire, data: wire.data.slice() };
    forged.data[forged.data.length - 1]! ^= 0x01;
    assert.equal((await se.transmit(forged)).sw, 0x6982);
    assert.equal((await se.transmit(tsm.session.wrap(storeData(STORE_EXAMPLE)))).sw, 0x6982);
    assert.equal((await se.transmit(storeData(STORE_EXAMPLE))).sw, 0x6982);
    assert.deepEqual(se.committed.rules, []);
    // A new session works again.
    const again = new Tsm(se, 0, 5);
    await again.open(0x01);
    assert.equal((await again.send(storeData(STORE_EXAMPLE))).sw, 0x9000);
  });

  it('refuses STORE DATA in a session without C-MAC (level 00) and on a channel without the session', async () => {
    const tsm = new Tsm(se);
    await tsm.open(0x00);
    assert.equal((await se.transmit(storeData(STORE_EXAMPLE))).sw, 0x6982);
    const owner = new Tsm(se, 0, 7);
    await owner.open(0x01);
    await se.transmit(command(0x00, 0x70, 0x00, 0x00, undefined, 1));
    await se.transmit(selectAraM(1));
    assert.equal((await se.transmit(storeData(STORE_EXAMPLE, 0x90, 0, 1))).sw, 0x6982);
    assert.equal((await owner.send(storeData(STORE_EXAMPLE))).sw, 0x9000);
  });

  it('ends the session on a new selection', async () => {
    const tsm = new Tsm(se);
    await tsm.open(0x01);
    await se.transmit(selectAraM());
    assert.equal((await se.transmit(tsm.session.wrap(storeData(STORE_EXAMPLE)))).sw, 0x6982);
  });

  it('takes the same payloads through personalize (forwarded by the security domain)', async () => {
    assert.equal((await se.personalize(storeData(STORE_EXAMPLE))).sw, 0x9000);
    assert.deepEqual(se.committed.rules, V.rules);
    assert.notEqual(se.committed.refreshTag, INITIAL_REFRESH_TAG);
    assert.equal((await se.personalize(storeData(STORE_EXAMPLE))).sw, 0x6381);
    assert.equal((await se.personalize(command(0x80, 0xca, 0xff, 0x40, undefined, 256))).sw, 0x6d00);
    await se.transmit(selectAraM());
    assert.equal(toHex((await se.transmit(getData(0xff40))).data), V.getAllResponse);
  });
});
