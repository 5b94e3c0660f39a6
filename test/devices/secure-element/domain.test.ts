import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { command, encodeCommand, parseResponse } from '../../../src/apdu/index.js';
import { hex, toHex } from '../../../src/bytes/index.js';
import { Scp03HostSession } from '../../../src/crypto/index.js';
import { cardRecognitionData, encodeDgiKeySet } from '../../../src/devices/secure-element/index.js';
import { seededRandom } from '../../helpers/vectors.js';
import {
  APSD,
  DEV_KEYS,
  getData,
  GP_KEY,
  installForInstall,
  installForPersonalization,
  ISD,
  isdSession,
  keySet,
  newElement,
  putKey,
  setStatus,
  SSD_MODULE,
  SSD_PACKAGE,
  storeData,
  TEST_APP,
  TEST_MODULE_AID,
  TEST_PACKAGE,
  TEST_PACKAGE_AID,
  Terminal,
} from './helpers.js';

/**
 * A security domain's own data and keys (GP Card Spec 11.3, 11.11, 11.2 for keys), and the secure
 * channel it lends its applications (SeAppletHost.openSecureChannel, GP Card Spec 10.3 "indirect").
 */

const INITIAL = keySet(0x30, 16, 31);

async function apsd() {
  const te = await newElement();
  const t = te.contact;
  await isdSession(t, 0x03);
  assert.equal(await t.ssw(installForInstall(SSD_PACKAGE, SSD_MODULE, APSD, { privileges: '804000' })), '9000');
  assert.equal(await t.ssw(installForPersonalization(APSD)), '9000');
  assert.equal(await t.ssw(storeData(0xa8, 0x00, encodeDgiKeySet(GP_KEY, INITIAL))), '9000');
  return te;
}

describe('secure element: a domain\'s data and keys', () => {
  it('GET DATA: IIN, CIN, card data, key information, KDD, CPLC; 6A88 for the rest', async () => {
    const { contact, element } = await newElement();
    await contact.select(ISD);
    const get = async (tag: number) => {
      const r = await contact.send(getData(tag));
      return r.sw === 0x9000 ? toHex(r.data) : r.sw.toString(16).toUpperCase();
    };
    assert.equal(await get(0x42), '420499000001');
    assert.equal(await get(0x45), `450A${element.state.card.cin}`);
    assert.equal(await get(0x66), toHex(cardRecognitionData()));
    assert.equal(toHex(cardRecognitionData()), '6631732F06072A864886FC6B01600C060A2A864886FC6B02020301630906072A864886FC6B03640B06092A864886FC6B040370');
    assert.equal(await get(0xe0), 'E012C00401308810C00402308810C00403308810');
    assert.equal(await get(0x9f7f), `9F7F2A${element.state.card.cplc}`);
    assert.equal(await get(0x00d3), '6A88');
    assert.equal(await get(0x2f00), '6A88');
    assert.equal((await contact.send(command(0x00, 0xcb, 0x2f, 0x00, hex('5C00'), 256))).sw, 0x6d00);
  });

  it('STORE DATA to the domain itself: IIN and CIN (BER-TLV), a key set (DGI under its own Key-DEK); internal objects refused', async () => {
    const te = await apsd();
    const t = te.contact;
    await t.select(APSD);
    await t.open(INITIAL, 0x03);
    assert.equal(await t.ssw(storeData(0x10, 0x00, hex('4203112233'))), '9000');
    assert.equal(await t.ssw(storeData(0x90, 0x01, hex('4505AABBCCDDEE'))), '9000');
    assert.equal(toHex((await t.secure(getData(0x42))).data), '4203112233');
    assert.equal(toHex((await t.secure(getData(0x45))).data), '4505AABBCCDDEE');
    assert.equal(await t.ssw(getData(0x9f7f)), '6A88', 'the CPLC is the ISD\'s');
    assert.equal(await t.ssw(storeData(0x90, 0x00, hex('C103000005'))), '6A80', 'the sequence counter is not stored');
    assert.equal(await t.ssw(storeData(0x90, 0x05, hex('42011'.padEnd(6, '1')))), '6A86', 'block numbers count from 00');
    const second = keySet(0x32, 32, 33);
    assert.equal(await t.ssw(storeData(0xa8, 0x00, encodeDgiKeySet(INITIAL.dek, second))), '9000');
    const badKcv = encodeDgiKeySet(INITIAL.dek, keySet(0x33, 16, 34));
    badKcv[23]! ^= 0x01;
    assert.equal(await t.ssw(storeData(0xa8, 0x00, badKcv)), '6982', 'a key that does not match its KCV');
    await t.select(APSD);
    await t.open(second, 0x33);
    assert.equal(toHex((await t.secure(getData(0xe0))).data), 'E024C00401308810C00402308810C00403308810C00401328820C00402328820C00403328820');
    // The ISD's own IIN.
    await isdSession(t, 0x01);
    assert.equal(await t.ssw(storeData(0x90, 0x00, hex('420412345678'))), '9000');
    assert.equal(toHex((await t.secure(getData(0x42))).data), '420412345678');
    assert.ok(te.store.snapshot!.includes('"iin": "12345678"') || te.store.snapshot!.includes('"iin":"12345678"'));
  });

  it('DELETE [key] removes a whole key set, not the one in use; the deleted keys are gone from the saved state', async () => {
    const { contact, store } = await newElement();
    await isdSession(contact, 0x03);
    const extra = keySet(0x35, 16, 40);
    assert.equal(await contact.ssw(putKey(0x00, GP_KEY, extra)), '9000');
    assert.ok(store.snapshot!.includes(toHex(extra.enc)));
    assert.equal(await contact.ssw(command(0x80, 0xe4, 0x00, 0x00, hex('D20130'), 256)), '6985', 'the session\'s key set');
    assert.equal(await contact.ssw(command(0x80, 0xe4, 0x00, 0x00, hex('D0010 1D20135'.replace(' ', '')), 256)), '6A80', 'single keys are not deleted');
    assert.equal(await contact.ssw(command(0x80, 0xe4, 0x00, 0x00, hex('D20136'), 256)), '6A88');
    const r = await contact.secure(command(0x80, 0xe4, 0x00, 0x00, hex('D20135'), 256));
    assert.deepEqual([r.sw, toHex(r.data)], [0x9000, '00']);
    assert.ok(!store.snapshot!.includes(toHex(extra.enc)), 'the key is gone from the file');
  });

  it('STORE DATA forwarding: block numbers, and a case 3 command whose application answers data (6A86)', async () => {
    const te = await apsd();
    const t = te.contact;
    await isdSession(t, 0x03);
    await t.loadPackage(TEST_PACKAGE);
    assert.equal(await t.ssw(installForInstall(TEST_PACKAGE_AID, TEST_MODULE_AID, TEST_APP)), '9000');
    assert.equal(await t.ssw(installForPersonalization(TEST_APP)), '9000');
    assert.equal(await t.ssw(storeData(0x00, 0x01, hex('01'))), '6A86', 'the first block is 00');
    assert.equal(await t.ssw(storeData(0x01, 0x00, hex('01'))), '9000', 'case 4: data back');
    assert.equal(await t.ssw(storeData(0x00, 0x01, hex('0203'))), '9000');
    assert.equal(await t.ssw(storeData(0x80, 0x02, hex('04'))), '9000');
    await t.select(TEST_APP);
    assert.equal(new TextDecoder().decode((await t.send(command(0x80, 0x06, 0, 0, new Uint8Array(0), 256))).data), '01,0203,04');
    await isdSession(t, 0x03);
    assert.equal(await t.ssw(installForPersonalization(TEST_APP)), '9000');
    assert.equal(await t.ssw(storeData(0x80, 0x00, hex('0506'))), '9000', 'case 3, the applet answers nothing');
    assert.equal(await t.ssw(installForPersonalization(TEST_APP)), '9000');
    assert.equal(await t.ssw(command(0x80, 0xe2, 0x80, 0x00, hex('DA07'), 256)), '6A86', 'case 3, and the applet answers data');
    assert.equal(await t.ssw(installForPersonalization(APSD)), '9000', 'the domain may be personalized again');
    assert.equal(await t.ssw(installForPersonalization(ISD)), '6985', 'not itself');
  });

  it('lends its secure channel to its applications: the application runs SCP03 with its domain\'s keys', async () => {
    const te = await apsd();
    const t = te.contact;
    await t.select(APSD);
    await t.open(INITIAL, 0x03);
    assert.equal(await t.ssw(setStatus(0x40, 0x0f, APSD)), '9000');
    await t.loadPackage(TEST_PACKAGE);
    assert.equal(await t.ssw(installForInstall(TEST_PACKAGE_AID, TEST_MODULE_AID, TEST_APP)), '9000');
    const app = new Terminal(te.element.contact, 0);
    await app.select(TEST_APP);
    const echo = command(0x80, 0x10, 0, 0, hex('CAFE'), 256);
    assert.equal((await app.send(echo)).sw, 0x6982, 'no session yet');
    const host = new Scp03HostSession({ keys: INITIAL, random: seededRandom(4) });
    host.onInitializeUpdateResponse(parseResponse(await app.port.transmit(encodeCommand(host.initializeUpdate()))));
    assert.equal(host.cardInfo!.sequenceCounter, 2, 'the APSD\'s counter, shared with its applications');
    host.onExternalAuthenticateResponse(parseResponse(await app.port.transmit(encodeCommand(host.externalAuthenticate(0x33)))));
    const r = host.unwrap(parseResponse(await app.port.transmit(encodeCommand(host.wrap(echo)))));
    assert.deepEqual([r.sw, toHex(r.data)], [0x9000, 'CAFE']);
    // The ISD's keys do not open the application's channel.
    const isdHost = new Scp03HostSession({ keys: DEV_KEYS, random: seededRandom(4) });
    const iu = parseResponse(await app.port.transmit(encodeCommand(isdHost.initializeUpdate())));
    assert.throws(() => isdHost.onInitializeUpdateResponse(iu), { code: 'ERR_SCP03_CARD_CRYPTOGRAM' });
  });
});
