import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../../../src/bytes/index.js';
import type { CardPort } from '../../../src/card/index.js';
import {
  AccessControlEnforcer,
  ARA_M_AID,
  SEService,
  Terminal,
  type CallerCredentials,
  type ElementAccess,
  type ElementChannel,
} from '../../../src/devices/phone/index.js';
import { ATR } from './helpers.js';

/** An element whose ARA-M channel answers from a script; records what it was sent and how often the channel was closed. */
function scriptedElement(answers: string[]): ElementAccess & { sent: string[]; opened: number; closed: number } {
  const element = {
    sent: [] as string[],
    opened: 0,
    closed: 0,
    async openLogicalChannelWithoutAccess(aid: Uint8Array): Promise<ElementChannel> {
      assert.equal(toHex(aid), 'A00000015141434C00');
      element.opened++;
      return {
        async transmit(command) {
          element.sent.push(toHex(command));
          const next = answers.shift();
          if (next === undefined) throw new Error('script exhausted');
          return fromHex(next);
        },
        async close() {
          element.closed++;
        },
      };
    },
  };
  return element;
}

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: { code?: string }) => err.code === code);
}

const TAG = 'DF200801020304050607089000';
const caller: CallerCredentials = { packageName: 'jp.example.app', hashes: [new Uint8Array(32)], privileged: false };

describe('the enforcer against a hostile ARA-M: "broken", never a hang, a big allocation or a grant', () => {
  it('reads the refresh tag, then All and Next on the channel it opened, closes it, and decides with the real rules', async () => {
    // FF40 { E2 { E1 { 4F 00, C1 00 }, E3 { D0 01, D1 01 } } }: every application, every AID, in three blocks.
    const element = scriptedElement([TAG, 'FF4010E20E' + '9000', 'E1044F00C100' + '9000', 'E306D00101D10101' + '9000', TAG]);
    const enforcer = new AccessControlEnforcer({ element });
    const access = await enforcer.setUpChannelAccess(caller, fromHex('A000000001AA01'));
    assert.deepEqual([access.decision?.basis, access.decision?.channelAllowed, enforcer.state, enforcer.refreshTag], ['D', true, 'ready', '0102030405060708']);
    assert.deepEqual(element.sent, ['80CADF2000', '80CAFF4000', '80CAFF6000', '80CAFF6000']);
    assert.deepEqual([element.opened, element.closed], [1, 1]);
    assert.deepEqual(await enforcer.isNfcEventAllowed(fromHex('A000000001AA01'), [caller]), [true]);
    assert.deepEqual(element.sent.slice(4), ['80CADF2000'], 'the same refresh tag: the rules are not read again');
  });

  it('turns every wrong answer into ERR_OMAPI_ACCESS_RULES_BROKEN, with the ARA reader\'s code as the cause, and stays broken', async () => {
    const cases: Array<[string, string[], string, number]> = [
      ['refresh tag of 7 bytes', ['DF2007010203040506079000'], 'ERR_ACE_ARA_RULES', 1],
      ['refresh tag with another tag', ['DF21080102030405060708' + '9000'], 'ERR_ACE_ARA_RULES', 1],
      ['refresh tag refused', ['6A88'], 'ERR_ACE_ARA_STATUS', 1],
      ['not a response APDU', ['90'], 'ERR_APDU_RESPONSE_TOO_SHORT', 1],
      ['a status word that is none', ['DF200801020304050607080900'], 'ERR_APDU_SW_INVALID', 1],
      ['[All] not FF40', [TAG, 'E2020000' + '9000'], 'ERR_ACE_ARA_HEADER', 2],
      ['[All] over the 64 KiB cap, no Next sent', [TAG, 'FF4084FFFFFFFF' + '9000', '00' + '9000'], 'ERR_ACE_ARA_TOO_LONG', 2],
      ['[All] refused', [TAG, '6982'], 'ERR_ACE_ARA_STATUS', 2],
      ['[Next] empty', [TAG, 'FF4006E204' + '9000', '9000'], 'ERR_ACE_ARA_LENGTH', 3],
      ['[Next] beyond the announced end', [TAG, 'FF4003E201' + '9000', '00AABB' + '9000'], 'ERR_ACE_ARA_LENGTH', 3],
      ['[Next] refused', [TAG, 'FF4006E204' + '9000', '6985'], 'ERR_ACE_ARA_STATUS', 3],
      ['rules that do not decode', [TAG, 'FF4006E204E1024F00' + '9000'], 'ERR_ACE_ARA_RULES', 2],
    ];
    for (const [what, answers, cause, sent] of cases) {
      const element = scriptedElement([...answers]);
      const enforcer = new AccessControlEnforcer({ element });
      await assert.rejects(enforcer.setUpChannelAccess(caller, fromHex('A000000001AA01')), (err: { code?: string; cause?: { code?: string } }) => {
        assert.deepEqual([err.code, err.cause?.code], ['ERR_OMAPI_ACCESS_RULES_BROKEN', cause], what);
        return true;
      });
      assert.deepEqual([enforcer.state, element.sent.length, element.closed], ['broken', sent, 1], what);
      await rejects(enforcer.setUpChannelAccess(caller, fromHex('A000000001AA01')), 'ERR_OMAPI_ACCESS_RULES_BROKEN');
      assert.deepEqual(await enforcer.isNfcEventAllowed(fromHex('A000000001AA01'), [caller]), [false], what);
      assert.equal(element.opened, 1, `${what}: a broken enforcer does not ask the element again`);
    }
  });

  it('a smaller cap set by the phone is kept: the rules may announce no more than maxRulesBytes', async () => {
    const element = scriptedElement([TAG, 'FF4081FF' + '00'.repeat(200) + '9000']);
    const enforcer = new AccessControlEnforcer({ element, maxRulesBytes: 256 });
    await assert.rejects(enforcer.setUpChannelAccess(caller, fromHex('A000000001AA01')), (err: { cause?: { code?: string } }) => err.cause?.code === 'ERR_ACE_ARA_TOO_LONG');
    assert.equal(element.sent.length, 2);
  });
});

/** A card port that answers every command through `answer`. */
function hostilePort(answer: (command: Uint8Array) => string): CardPort & { sent: string[] } {
  let powered = false;
  const sent: string[] = [];
  return {
    sent,
    atr: ATR,
    get powered() {
      return powered;
    },
    async powerOn() {
      powered = true;
      return ATR;
    },
    async powerOff() {
      powered = false;
    },
    async reset() {
      return ATR;
    },
    async transmit(command) {
      sent.push(toHex(command));
      return fromHex(answer(command));
    },
  };
}

const system: CallerCredentials = { packageName: 'system:test', hashes: [], privileged: true };

async function sessionOn(port: CardPort) {
  const terminal = new Terminal({ name: 'eSE1', port, maxResponseBytes: 4096 });
  await terminal.connect();
  return new SEService([terminal], system).getReaders()[0]!.openSession();
}

describe('the terminal against a misbehaving element', () => {
  it('a MANAGE CHANNEL answer that is not a free channel number is an IO error', async () => {
    for (const answer of ['009000', '149000', '9000', '01029000', '6F00']) {
      const session = await sessionOn(hostilePort(() => answer));
      await rejects(session.openLogicalChannel(fromHex('A000000001AA01')), 'ERR_OMAPI_IO');
    }
    await rejects((await sessionOn(hostilePort(() => '6881'))).openLogicalChannel(null), 'ERR_OMAPI_UNSUPPORTED');
    await rejects((await sessionOn(hostilePort(() => '6A81'))).openLogicalChannel(null), 'ERR_OMAPI_CHANNEL_UNAVAILABLE');
  });

  it('a SELECT refused with 6A86 is Unsupported, with another status an IO error, and the channel is closed again', async () => {
    const port = hostilePort((c) => (c[1] === 0x70 ? (c[2] === 0x00 ? '019000' : '9000') : '6A86'));
    await rejects((await sessionOn(port)).openLogicalChannel(fromHex('A000000001AA01')), 'ERR_OMAPI_UNSUPPORTED');
    assert.deepEqual(port.sent, ['0070000001', '01A4040007A000000001AA0100', '01708001']);
    const other = hostilePort((c) => (c[1] === 0x70 ? (c[2] === 0x00 ? '019000' : '9000') : '6F00'));
    await rejects((await sessionOn(other)).openLogicalChannel(fromHex('A000000001AA01')), 'ERR_OMAPI_IO');
  });

  it('endless 61xx rounds and responses over the cap end with an IO error', async () => {
    const empty61 = hostilePort((c) => (c[1] === 0x70 ? '019000' : '6100'));
    const channel = await (await sessionOn(empty61)).openLogicalChannel(null);
    await rejects(channel.transmit(fromHex('00010000')), 'ERR_OMAPI_IO');
    assert.ok(empty61.sent.length <= 4100, `${empty61.sent.length} commands`);
    const big = hostilePort((c) => (c[1] === 0x70 ? '019000' : 'AA'.repeat(256) + '6100'));
    const bigChannel = await (await sessionOn(big)).openLogicalChannel(null);
    await rejects(bigChannel.transmit(fromHex('00010000')), 'ERR_OMAPI_IO');
    assert.ok(big.sent.length < 20);
  });

  it('a response shorter than a status word, or an element that throws, is an IO error', async () => {
    const short = hostilePort((c) => (c[1] === 0x70 ? '019000' : '90'));
    await rejects((await (await sessionOn(short)).openLogicalChannel(null)).transmit(fromHex('00010000')), 'ERR_OMAPI_IO');
    const port = hostilePort((c) => (c[1] === 0x70 ? '019000' : '9000'));
    const channel = await (await sessionOn(port)).openLogicalChannel(null);
    port.transmit = async () => {
      throw new Error('bus error');
    };
    await rejects(channel.transmit(fromHex('00010000')), 'ERR_OMAPI_IO');
  });

  it('the enforcer finds the ARA-M by its AID', () => {
    assert.equal(toHex(ARA_M_AID), 'A00000015141434C00');
  });
});
