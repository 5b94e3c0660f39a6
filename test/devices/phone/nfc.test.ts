import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { fromHex, toHex } from '../../../src/bytes/index.js';
import { MemoryCardStore } from '../../../src/card/index.js';
import { IdCard, TOKEN_LABEL_CARD, type IdCardState } from '../../../src/devices/id-card/index.js';
import { NfcController } from '../../../src/devices/phone/index.js';
import { JpkiApClient, VpcdBridge, type VpcdEvent } from '../../../src/transports/index.js';
import { issuedState, PIN } from '../id-card/helpers.js';
import { startFakeVpcd } from '../../transports/support/fake-vpcd.js';
import { APP_AID, ATR, contactElement, echoApplet, testPhone } from './helpers.js';

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: { code?: string }) => err.code === code);
}

const SELECT_APP = fromHex(`00A4040C07${APP_AID}`);

describe('NFC controller', () => {
  it('routes a reader\'s field and APDUs to the element only while the phone is on and NFC is enabled', async () => {
    const element = contactElement([echoApplet('CL', APP_AID)]);
    const nfc = new NfcController(element);
    assert.equal(nfc.present, false, 'the phone is off');
    await rejects(nfc.powerOn(), 'ERR_NFC_NO_CARD');
    await rejects(nfc.transmit(SELECT_APP), 'ERR_CARD_POWERED_OFF');
    assert.equal(element.powered, false);
    await nfc.setPhonePowered(true);
    assert.deepEqual(await nfc.powerOn(), ATR);
    assert.equal(toHex(await nfc.transmit(SELECT_APP)), '9000');
    await nfc.setEnabled(false);
    assert.equal(nfc.powered, false, 'turning NFC off ends the field session');
    assert.equal(element.powered, false, 'the element\'s contactless interface lost power');
    await rejects(nfc.transmit(SELECT_APP), 'ERR_CARD_POWERED_OFF');
    await rejects(nfc.reset(), 'ERR_NFC_NO_CARD');
    await nfc.setEnabled(true);
    await nfc.powerOn();
    assert.equal(toHex(await nfc.transmit(fromHex('00010000'))), '6D00', 'a new field session starts with nothing selected');
    await nfc.powerOff();
    assert.equal(element.powered, false);
  });

  it('a reader talks to the Individual Number Card behind the phone like to the card itself', async () => {
    const state = await issuedState();
    const card = new IdCard(state, new MemoryCardStore<IdCardState>(state));
    const { phone } = await testPhone({ contactless: card });
    const reader = new JpkiApClient(phone.nfc);
    await phone.nfc.powerOn();
    assert.equal(await reader.tokenLabel(), TOKEN_LABEL_CARD);
    assert.equal(await reader.triesLeft('pin'), 3);
    await reader.verify('pin', PIN);
    await phone.setNfcEnabled(false);
    await assert.rejects(reader.tokenLabel(), (err: { code?: string }) => err.code === 'ERR_CARD_POWERED_OFF');
    await rejects(phone.nfc.powerOn(), 'ERR_NFC_NO_CARD');
    await phone.setNfcEnabled(true);
    assert.equal(phone.toState().settings.nfcEnabled, true);
    await phone.nfc.powerOn();
    reader.forgetSession();
    assert.equal(await reader.tokenLabel(), TOKEN_LABEL_CARD);
    await phone.powerOff();
    assert.equal(phone.nfc.powered, false, 'a phone turned off leaves the field');
    await rejects(phone.nfc.powerOn(), 'ERR_NFC_NO_CARD');
  });
});

describe('NFC controller behind the vpcd bridge', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('serves a virtual reader on 127.0.0.1: APDUs when NFC is on, a card error and 6F00 when it is off', async () => {
    const { phone } = await testPhone();
    const vpcd = await startFakeVpcd(0);
    const events: VpcdEvent[] = [];
    const bridge = new VpcdBridge({ host: '127.0.0.1', port: vpcd.port, card: phone.nfc, retry: { initialMs: 20, maxMs: 80 }, onEvent: (e) => events.push(e) });
    cleanups.push(async () => {
      await bridge.stop();
      await vpcd.close();
    });
    bridge.start();
    const c = await vpcd.accept();
    await bridge.whenConnected();
    c.send(fromHex('01'));
    c.send(SELECT_APP);
    assert.equal(toHex(await c.receive()), '9000');
    c.send(fromHex('00010000'));
    assert.equal(toHex(await c.receive()), toHex(new TextEncoder().encode('CL')) + '0000' + '9000');
    await phone.setNfcEnabled(false);
    c.send(fromHex('00010000'));
    assert.equal(toHex(await c.receive()), '6F00');
    c.send(fromHex('01'));
    c.send(SELECT_APP);
    assert.equal(toHex(await c.receive()), '6F00');
    const errors = events.filter((e) => e.type === 'card-error').map((e) => (e as { error: { code?: string } }).error.code);
    assert.deepEqual(errors, ['ERR_CARD_POWERED_OFF', 'ERR_NFC_NO_CARD', 'ERR_CARD_POWERED_OFF']);
  });
});
