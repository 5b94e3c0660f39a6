import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../../../src/bytes/index.js';
import type { CardPort } from '../../../src/card/index.js';
import { ARA_M_AID, readAllRules, readRefreshTag, SEService, Terminal, type CallerCredentials, type ElementChannel } from '../../../src/devices/phone/index.js';
import { ATR } from './helpers.js';

/** An element channel that answers from a script and records what it was sent. */
function scripted(answers: string[]): ElementChannel & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    async transmit(command) {
      sent.push(toHex(command));
      const next = answers.shift();
      if (next === undefined) throw new Error('script exhausted');
      return fromHex(next);
    },
    async close() {},
  };
}

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: { code?: string }) => err.code === code);
}

describe('reading the ARA-M: hostile answers are "broken", never a hang or a big allocation', () => {
  it('accepts DF20 08 <8 bytes> and nothing else as the refresh tag', async () => {
    assert.equal(toHex(await readRefreshTag(scripted(['DF200801020304050607089000']))), '0102030405060708');
    for (const bad of ['DF2007010203040506079000', 'DF200801020304050607080900', 'DF21080102030405060708' + '9000', '6A88', '90']) {
      await rejects(readRefreshTag(scripted([bad])), 'ERR_OMAPI_ACCESS_RULES_BROKEN');
    }
    const ch = scripted(['DF200801020304050607089000']);
    await readRefreshTag(ch);
    assert.deepEqual(ch.sent, ['80CADF2000']);
  });

  it('reads All then Next until the announced length, and 6A88 as "no rules"', async () => {
    const ch = scripted(['FF4006E2049000', '01029000', '03049000']);
    assert.equal(toHex((await readAllRules(ch, 65536))!), 'FF4006E20401020304');
    assert.deepEqual(ch.sent, ['80CAFF4000', '80CAFF6000', '80CAFF6000']);
    assert.equal(await readAllRules(scripted(['6A88']), 65536), undefined);
    assert.equal(toHex((await readAllRules(scripted(['FF40820003E201009000']), 65536))!), 'FF40820003E20100', 'long length form');
  });

  it('refuses a wrong tag, a bad length, an announced size over the cap, an empty or overlong Next, and other status words', async () => {
    const cases: Array<[string, string[]]> = [
      ['not FF40', ['E2020000' + '9000']],
      ['no length', ['FF40' + '9000']],
      ['indefinite length', ['FF4080' + '9000']],
      ['5-byte length', ['FF40850000000001' + '9000']],
      ['over the cap, no Next sent', ['FF4084FFFFFFFF' + '9000', '00'.repeat(4) + '9000']],
      ['empty Next', ['FF4006E204' + '9000', '9000']],
      ['Next beyond the announced end', ['FF4003E201' + '9000', '00AABB' + '9000']],
      ['Next refused', ['FF4006E204' + '9000', '6985']],
      ['All refused', ['6982']],
    ];
    for (const [what, answers] of cases) {
      const ch = scripted([...answers]);
      await assert.rejects(readAllRules(ch, 65536), (err: { code?: string }) => err.code === 'ERR_OMAPI_ACCESS_RULES_BROKEN', what);
      if (what.startsWith('over the cap')) assert.equal(ch.sent.length, 1);
    }
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
