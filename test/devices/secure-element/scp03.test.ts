import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { command, encodeCommand, parseResponse } from '../../../src/apdu/index.js';
import { fromHex, hex, readUintBE, toHex } from '../../../src/bytes/index.js';
import { keyCheckValue, pseudoRandomCardChallenge, SECURITY_LEVELS, type SecurityLevel } from '../../../src/crypto/index.js';
import { encodePutKeyData } from '../../../src/crypto/index.js';
import { DEV_KEYS, getData, getStatusCommand, GP_KEY, ISD, isdSession, keySet, newElement, putKey, Terminal } from './helpers.js';

/**
 * SCP03 with the ISD, the project's host session on one side and the element on the other
 * (Amendment D): every level, AES-128 and AES-256 key sets, the pseudo-random challenge and its
 * counter, PUT KEY, and the refusals: unknown KVN, too little protection, a wrong MAC.
 */

const AES256 = keySet(0x31, 32, 11);

describe('secure element: SCP03 sessions with the ISD', () => {
  it('SELECT answers the ISD FCI of real cards, with the AID or without data', async () => {
    const { contact } = await newElement();
    assert.deepEqual(toHex((await contact.select(ISD)).data), '6F108408A000000151000000A5049F6501FF');
    const r = await contact.select();
    assert.equal(toHex(r.data), '6F108408A000000151000000A5049F6501FF');
    assert.equal(r.sw, 0x9000);
    assert.equal(toHex((await contact.raw('00A4040000')).data), '6F108408A000000151000000A5049F6501FF', 'case 2, Le only');
  });

  it('opens sessions at levels 01 03 11 13 33 with the AES-128 test keys and a PUT KEY AES-256 set, and GET DATA / GET STATUS work in each', async () => {
    const { contact, element } = await newElement();
    await isdSession(contact, 0x33);
    const put = await contact.secure(putKey(0x00, GP_KEY, AES256));
    assert.equal(put.sw, 0x9000);
    assert.equal(toHex(put.data), `31${toHex(keyCheckValue(AES256.enc))}${toHex(keyCheckValue(AES256.mac))}${toHex(keyCheckValue(AES256.dek))}`, 'KVN || KCVs');
    for (const keys of [DEV_KEYS, AES256]) {
      for (const level of [0x01, 0x03, 0x11, 0x13, 0x33] as SecurityLevel[]) {
        await contact.select(ISD);
        const host = await contact.open(keys, level);
        assert.equal(host.level, level);
        const kdd = await contact.secure(getData(0x00cf));
        assert.equal(toHex(kdd.data), `CF0A${element.state.card.kdd}`, `GET DATA CF at ${level.toString(16)}`);
        const status = await contact.secure(getStatusCommand(0x80));
        assert.equal(status.sw, 0x9000);
        assert.equal(toHex(status.data), 'E3134F08A0000001510000009F70010FC5039AFE80');
        const info = await contact.secure(getData(0x00e0));
        assert.equal(toHex(info.data), 'E024C00401308810C00402308810C00403308810C00401318820C00402318820C00403318820');
      }
    }
    assert.deepEqual(SECURITY_LEVELS.includes(0x00), true);
  });

  it('the card challenge is the pseudo-random one of the key set, whose counter is saved before use', async () => {
    const { contact, store } = await newElement();
    for (let n = 1; n <= 3; n++) {
      await contact.select(ISD);
      const host = await contact.open(DEV_KEYS, 0x01);
      const info = host.cardInfo!;
      assert.equal(info.sequenceCounter, n);
      assert.deepEqual(toHex(info.cardChallenge), toHex(pseudoRandomCardChallenge(GP_KEY, n, fromHex(ISD))));
      const saved = JSON.parse(store.snapshot!) as { registry: { domain?: { keySets: { counter: number }[] } }[] };
      assert.equal(saved.registry[0]!.domain!.keySets[0]!.counter, n, 'on disk before the session is used');
      const c1 = await contact.secure(getData(0x00c1));
      assert.equal(readUintBE(c1.data, 2, 3), n);
    }
    await contact.select(ISD);
    assert.equal(toHex((await contact.send(getData(0x00c1))).data), 'C103000003', 'GET DATA needs no session');
    assert.equal(toHex((await contact.send(getData(0x00c1, 0x00))).data), '000003', 'with an ISO class, the value only');
  });

  it('refuses an unknown KVN (6A88), a malformed INITIALIZE UPDATE, and EXTERNAL AUTHENTICATE out of order', async () => {
    const { contact } = await newElement();
    await contact.select(ISD);
    assert.equal(await contact.sw(command(0x80, 0x50, 0x42, 0x00, hex('0102030405060708'), 256)), '6A88');
    assert.equal(await contact.sw(command(0x80, 0x50, 0x30, 0x00, hex('01020304'), 256)), '6700');
    assert.equal(await contact.sw(command(0x80, 0x50, 0x30, 0x01, hex('0102030405060708'), 256)), '6A86');
    assert.equal(await contact.sw(command(0x84, 0x82, 0x33, 0x00, new Uint8Array(16))), '6985');
    assert.equal(await contact.sw(command(0x00, 0x50, 0x30, 0x00, hex('0102030405060708'), 256)), '6E00', 'ISO class');
    await assert.rejects(contact.open(keySet(0x30, 16, 3), 0x01), { code: 'ERR_SCP03_CARD_CRYPTOGRAM' }, 'wrong keys: the host sees it');
  });

  it('below the minimum level of Table 11-2 management commands answer 6982, GET DATA works', async () => {
    const { contact } = await newElement();
    await contact.select(ISD);
    for (const c of [getStatusCommand(0x80), putKey(0, GP_KEY, AES256), command(0x80, 0xe6, 0x02, 0x00, hex('00'), 256), command(0x80, 0xe8, 0x80, 0x00, hex('C400'), 256), command(0x80, 0xe4, 0x00, 0x00, hex('4F05A000000001'), 256), command(0x80, 0xf0, 0x80, 0x7f), command(0x80, 0xe2, 0x88, 0x00, hex('00'))]) {
      assert.equal(await contact.sw(c), '6982', toHex(encodeCommand(c)));
    }
    assert.equal(await contact.sw(getData(0x0066)), '9000');
    // An INITIALIZE UPDATE alone authenticates nothing: the next command drops the half-open session.
    const host = new (await import('../../../src/crypto/index.js')).Scp03HostSession({ keys: DEV_KEYS, random: () => new Uint8Array(8) });
    assert.equal(parseResponse(await contact.port.transmit(encodeCommand(host.initializeUpdate()))).sw, 0x9000);
    assert.equal(await contact.sw(getStatusCommand(0x80)), '6982');
  });

  it('a wrong C-MAC aborts the session: 6982, then every command 6982 until a new INITIALIZE UPDATE', async () => {
    const { contact } = await newElement();
    await isdSession(contact, 0x01);
    assert.equal(await contact.ssw(getStatusCommand(0x80)), '9000');
    const wire = contact.host!.wrap(getStatusCommand(0x80));
    const forged = Uint8Array.from(wire.data);
    forged[forged.length - 1]! ^= 0x01;
    assert.equal(toHex(await contact.port.transmit(encodeCommand({ ...wire, data: forged }))), '6982');
    assert.equal(toHex(await contact.port.transmit(encodeCommand(contact.host!.wrap(getStatusCommand(0x80))))), '6982', 'aborted: even a good MAC');
    assert.equal(await contact.sw(getData(0x0066)), '6982', 'aborted: even GET DATA');
    assert.equal(await contact.sw(command(0x80, 0xca, 0x00, 0x66, new Uint8Array(0), 256)), '6982');
    await contact.open(DEV_KEYS, 0x01);
    assert.equal(await contact.ssw(getStatusCommand(0x80)), '9000', 'a new session works');
    // A command without its C-MAC in a C-MAC session also aborts.
    assert.equal(await contact.sw(getStatusCommand(0x80)), '6982');
    assert.equal(await contact.ssw(getData(0x0066)), '6982');
  });

  it('PUT KEY: a wrong KCV is 6982, a KVN that exists or is missing 6A80 / 6A88, a replaced set keeps its length; the old keys stop working', async () => {
    const { contact } = await newElement();
    await isdSession(contact, 0x03);
    const data = encodePutKeyData(GP_KEY, 0x31, AES256);
    data[data.length - 1]! ^= 0xff;
    assert.equal(await contact.ssw(command(0x80, 0xd8, 0x00, 0x81, data, 256)), '6982');
    await contact.open(DEV_KEYS, 0x03);
    assert.equal(await contact.ssw(putKey(0x00, GP_KEY, keySet(0x30, 16, 4))), '6A80', 'KVN 30 exists');
    assert.equal(await contact.ssw(putKey(0x45, GP_KEY, keySet(0x46, 16, 4))), '6A88', 'no KVN 45 to replace');
    assert.equal(await contact.ssw(putKey(0x30, GP_KEY, keySet(0x30, 32, 4))), '6A80', 'AES-128 replaced by AES-256');
    assert.equal(await contact.ssw(command(0x80, 0xd8, 0x00, 0x01, encodePutKeyData(GP_KEY, 0x31, AES256), 256)), '6A86', 'P2 01');
    const rotated = keySet(0x32, 16, 8);
    assert.equal(await contact.ssw(putKey(0x30, GP_KEY, rotated)), '9000', 'replace KVN 30 by KVN 32');
    await contact.select(ISD);
    await assert.rejects(contact.open(DEV_KEYS, 0x01), { code: 'ERR_SCP03_INIT_UPDATE_RESPONSE', sw: 0x6a88 });
    await contact.open(rotated, 0x01);
    assert.equal(await contact.ssw(getData(0x00e0)), '9000');
    assert.equal(toHex((await contact.secure(getData(0x00c1))).data), 'C103000001', 'a new set starts its counter again');
  });

  it('sessions on two logical channels are independent; a SELECT ends the session of its channel only', async () => {
    const { element } = await newElement();
    const basic = new Terminal(element.contact, 0);
    const other = new Terminal(element.contact, 5);
    assert.equal(toHex((await basic.raw('0070000501')).data), '', 'open channel 5 (P2 chooses)');
    await isdSession(basic, 0x03);
    await isdSession(other, 0x33);
    assert.equal(await basic.ssw(getStatusCommand(0x80)), '9000');
    assert.equal(await other.ssw(getStatusCommand(0x80)), '9000');
    await other.select(ISD);
    assert.equal(await basic.ssw(getStatusCommand(0x80)), '9000', 'the basic channel keeps its session');
    assert.equal(await other.sw(getStatusCommand(0x80)), '6982');
  });
});
