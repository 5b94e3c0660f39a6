import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { command } from '../../../src/apdu/index.js';
import { concat, fromHex, toHex } from '../../../src/bytes/index.js';
import { FileCardStore } from '../../../src/card/index.js';
import { encodeStoreCommand, INITIAL_REFRESH_TAG } from '../../../src/devices/secure-element/ara-m/index.js';
import { AraRuleEngine, appCertificateHashes, readAllRules } from '../../../src/devices/secure-element/ara-m/ace/index.js';
import { createElement, SecureElement, type SeState } from '../../../src/devices/secure-element/index.js';
import { vectorJson } from '../../helpers/vectors.js';
import { DEV_KEYS, getData, storeData, Terminal } from './helpers.js';

/*
 * The ARA-M line through the element itself: the pre-installed ARA-M of a development element
 * kept in a file gets GlobalPlatform's published example rule set (169-byte GET DATA [All] answer,
 * test/vectors/ara-m-gp-omapi.json) by STORE DATA in a secure channel opened with the ISD's keys (the
 * ARA-M is associated with the ISD and uses its channel); the phone's side reads it on a plain logical
 * channel byte for byte, in one answer and through [Next]; the refresh tag changes on every update; the
 * rules survive closing the element and opening it again from its file.
 */

interface Vectors {
  getAllResponse: string;
  rules: string[];
}
const V = vectorJson<Vectors>('ara-m-gp-omapi.json');
const ARA_M = 'A00000015141434C00';
const STORE_EXAMPLE = fromHex('F081A5' + V.rules.join(''));
const DENIED_AID = fromHex('A000000600010001EE05FE');
const OTHER_AID = fromHex('A000000600010001EE05FF');

/** GET DATA [All] with this Le, then [Next] until the announced size is there (FF40 81 A5: 3 + 1 + 165). */
async function readAll(t: Terminal, ne: number): Promise<{ bytes: Uint8Array; answers: number }> {
  const all = await t.send(command(0x80, 0xca, 0xff, 0x40, undefined, ne));
  assert.equal(all.sw, 0x9000);
  let bytes = all.data;
  let answers = 1;
  while (bytes.length < 169) {
    const next = await t.send(command(0x80, 0xca, 0xff, 0x60, undefined, ne));
    assert.equal(next.sw, 0x9000);
    bytes = concat(bytes, next.data);
    answers++;
  }
  return { bytes, answers };
}

async function refreshTag(t: Terminal): Promise<string> {
  const r = await t.send(getData(0xdf20, 0x80));
  assert.equal(r.sw, 0x9000);
  assert.equal(toHex(r.data).slice(0, 6), 'DF2008');
  return toHex(r.data).slice(6);
}

describe('the pre-installed ARA-M through the element, under the ISD\'s secure channel', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'se-ara-m-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('stores GlobalPlatform\'s example rule set and returns it byte for byte; the refresh tag changes with every update; the rules survive a restart', async () => {
    const path = join(dir, 'se.json');
    await new FileCardStore<SeState>(path).create(createElement({ profile: 'development' }).state);
    let element = await SecureElement.open(new FileCardStore<SeState>(path));
    await element.contact.powerOn();
    const tsm = new Terminal(element.contact);
    // The phone's OS: a plain logical channel to the ARA-M, as the enforcer reads it.
    assert.equal(toHex((await tsm.raw('0070000001')).data), '01');
    const phone = new Terminal(element.contact, 1);
    assert.equal((await phone.select(ARA_M)).sw, 0x9000);
    const tags = [await refreshTag(phone)];
    assert.equal(tags[0], INITIAL_REFRESH_TAG);
    assert.equal((await phone.send(getData(0xff40, 0x80))).sw, 0x6a88, 'no rules yet');

    // The ISD's owner, on the basic channel: SELECT ARA-M, SCP03 with the ISD keys, STORE DATA F0.
    assert.equal((await tsm.select(ARA_M)).sw, 0x9000);
    assert.equal(await tsm.sw(storeData(0x90, 0x00, STORE_EXAMPLE)), '6982', 'not without the secure channel');
    await tsm.open(DEV_KEYS, 0x33);
    assert.equal(await tsm.ssw(storeData(0x90, 0x00, STORE_EXAMPLE)), '9000');
    tags.push(await refreshTag(phone));

    const whole = await readAll(phone, 256);
    assert.deepEqual([toHex(whole.bytes), whole.answers], [V.getAllResponse, 1], '169 bytes in one answer with Le 00');
    const paged = await readAll(phone, 0x40);
    assert.deepEqual([toHex(paged.bytes), paged.answers], [V.getAllResponse, 3], '[All] then [Next], 64 bytes at a time');

    // Every update draws a new tag; a command that changes nothing keeps it.
    assert.equal(await tsm.ssw(storeData(0x90, 0x00, encodeStoreCommand({ kind: 'update-refresh-tag' }))), '9000');
    tags.push(await refreshTag(phone));
    assert.equal(await tsm.ssw(storeData(0x90, 0x00, STORE_EXAMPLE)), '6381', 'the same rules again: nothing stored');
    assert.equal(await refreshTag(phone), tags.at(-1));
    assert.equal(await tsm.ssw(storeData(0x90, 0x00, encodeStoreCommand({ kind: 'delete', target: { kind: 'all' } }))), '9000');
    tags.push(await refreshTag(phone));
    assert.equal((await phone.send(getData(0xff40, 0x80))).sw, 0x6a88);
    assert.equal(await tsm.ssw(storeData(0x90, 0x00, STORE_EXAMPLE)), '9000');
    tags.push(await refreshTag(phone));
    assert.equal(new Set(tags).size, tags.length, `a new tag for each update: ${tags.join(' ')}`);
    assert.equal(toHex((await readAll(phone, 256)).bytes), V.getAllResponse);

    // The phone's rule engine, fed by the ARA reader through the element, decides as GP's applet intends.
    const engine = new AraRuleEngine();
    engine.load(await readAllRules((c) => phone.send(c)));
    const hashes = appCertificateHashes([fromHex('3003020101')]);
    assert.equal(engine.decide(DENIED_AID, hashes).channelAllowed, false);
    assert.equal(engine.decide(OTHER_AID, hashes).channelAllowed, true);

    // Closed and opened again from its file: the same rules and the same tag.
    await element.contact.powerOff();
    element = await SecureElement.open(new FileCardStore<SeState>(path));
    await element.contact.powerOn();
    const after = new Terminal(element.contact);
    assert.equal((await after.select(ARA_M)).sw, 0x9000);
    assert.equal(toHex((await readAll(after, 256)).bytes), V.getAllResponse);
    assert.equal(await refreshTag(after), tags.at(-1));
    const reread = new AraRuleEngine();
    reread.load(await readAllRules((c) => after.send(c)));
    assert.equal(reread.decide(DENIED_AID, hashes).channelAllowed, false);
    assert.equal(reread.decide(OTHER_AID, hashes).channelAllowed, true);
  });
});
