import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { concat, fromHex, toHex } from '../../../src/bytes/index.js';
import type { CardPort } from '../../../src/card/index.js';
import { AccessControlEnforcer, AraRuleEngine, credentialsOf, Terminal } from '../../../src/devices/phone/index.js';
import { decodeAllRulesResponse, encodeStoreCommand, type ArDo, type RefArDo, type RefDo } from '../../../src/devices/secure-element/ara-m/index.js';
import { vectorJson } from '../../helpers/vectors.js';
import { storeData, TestElement, Tsm } from '../secure-element/ara-m/harness.js';

/**
 * The phone's enforcer against the real ARA-M applet (`AraMApplet` in the card runtime, rules stored
 * by a TSM over SCP03 with the real host session), through the phone's `Terminal`: MANAGE CHANNEL,
 * SELECT, channel bits and all.
 */

const V = vectorJson<{ getAllResponse: string }>('ara-m-gp-omapi.json');
const EXAMPLE = decodeAllRulesResponse(fromHex(V.getAllResponse)).rules;

/** Stand-ins for DER signing certificates: the enforcer only hashes their bytes. */
const CERT1 = fromHex('3082000101');
const CERT2 = fromHex('3082000202');
const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());
const app1 = credentialsOf({ packageName: 'jp.example.one', signingCertificates: [CERT1] }, false);
const app2 = credentialsOf({ packageName: 'jp.example.two', signingCertificates: [CERT2] }, false);

const AID_X = fromHex('A0000000041010');
const AID_Z = fromHex('A0000000051010');
const ALWAYS: ArDo = { apdu: { kind: 'always' } };
const aid = (a: Uint8Array): RefDo['aid'] => ({ kind: 'aid', aid: a });
const r = (ref: RefDo, ar: ArDo): RefArDo => ({ ref, ar });

/** The element's contact port, recording the P1 P2 of every GET DATA the terminal sends. */
function recordingPort(se: TestElement): CardPort & { getData: string[] } {
  const port = se.runtime;
  const getData: string[] = [];
  return {
    getData,
    get atr() {
      return port.atr;
    },
    get powered() {
      return port.powered;
    },
    powerOn: () => port.powerOn(),
    powerOff: () => port.powerOff(),
    reset: () => port.reset(),
    transmit(command) {
      if (command[1] === 0xca) getData.push(toHex(command.subarray(2, 4)));
      return port.transmit(command);
    },
  };
}

async function phoneOver(se: TestElement) {
  const port = recordingPort(se);
  const terminal = new Terminal({ name: 'eSE1', port });
  assert.equal(await terminal.connect(), true);
  const engine = new AraRuleEngine();
  const enforcer = new AccessControlEnforcer({ element: terminal, engine });
  return { port, terminal, engine, enforcer, tsm: new Tsm(se) };
}

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: { code?: string }) => err.code === code);
}

describe('access control: the phone\'s enforcer over the real ARA-M', () => {
  it('reads GlobalPlatform\'s example, keeps it while the refresh tag stays, reloads when the owner changes the rules', async () => {
    const se = new TestElement();
    const { port, terminal, enforcer, tsm } = await phoneOver(se);
    await tsm.open(0x13);
    assert.equal((await tsm.send(storeData(encodeStoreCommand({ kind: 'store', rules: EXAMPLE })))).sw, 0x9000);
    assert.equal((await enforcer.setUpChannelAccess(app1, AID_X)).decision?.basis, 'D');
    assert.deepEqual(port.getData, ['DF20', 'FF40']);
    assert.equal(enforcer.refreshTag, se.committed.refreshTag);
    assert.deepEqual(terminal.openChannels, [], 'the ARA-M channel is closed again');
    port.getData.length = 0;
    const example = await enforcer.setUpChannelAccess(app2, fromHex('A000000600010001EE0501'));
    assert.deepEqual([example.decision?.basis, example.decision?.access.filters.length], ['B', 12]);
    assert.deepEqual(port.getData, ['DF20'], 'same tag: the cached rules');
    // The owner narrows AID_X to CERT1's application; the enforcer sees the new tag and reloads.
    assert.equal((await tsm.send(storeData(encodeStoreCommand({ kind: 'store', rules: [r({ aid: aid(AID_X), hash: sha256(CERT1) }, ALWAYS)] })))).sw, 0x9000);
    assert.equal((await enforcer.setUpChannelAccess(app1, AID_X)).decision?.basis, 'A');
    assert.deepEqual(port.getData, ['DF20', 'DF20', 'FF40']);
    assert.equal(enforcer.refreshTag, se.committed.refreshTag);
    await rejects(enforcer.setUpChannelAccess(app2, AID_X), 'ERR_OMAPI_ACCESS_DENIED');
    await rejects(enforcer.setUpChannelAccess(app2, fromHex('A000000600010001EE05FE')), 'ERR_OMAPI_ACCESS_DENIED');
  });

  it('pages through [Next] for rules longer than one response', async () => {
    const se = new TestElement();
    const { port, engine, enforcer, tsm } = await phoneOver(se);
    await tsm.open(0x01);
    const many = Array.from({ length: 20 }, (_, i) => r({ aid: aid(concat(AID_Z, Uint8Array.of(i))), hash: sha256(CERT1) }, ALWAYS));
    assert.equal((await tsm.send(storeData(encodeStoreCommand({ kind: 'store', rules: many })))).sw, 0x9000);
    assert.equal((await enforcer.setUpChannelAccess(app1, concat(AID_Z, Uint8Array.of(19)))).decision?.basis, 'A');
    assert.equal(port.getData.filter((p) => p === 'FF60').length, 4); // 20 × 0x36 + 5 = 1085 bytes in 256-byte blocks
    assert.equal(engine.cache.size, 20);
  });

  it('a new ARA-M has no rules (6A88): every application is refused, and the enforcer is ready', async () => {
    const { port, enforcer } = await phoneOver(new TestElement());
    await rejects(enforcer.setUpChannelAccess(app1, AID_X), 'ERR_OMAPI_ACCESS_DENIED');
    assert.deepEqual([enforcer.state, enforcer.refreshTag, port.getData], ['ready', '0000000000000000', ['DF20', 'FF40']]);
    assert.deepEqual(await enforcer.isNfcEventAllowed(AID_X, [app1]), [false]);
  });
});
