import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { MemoryCardStore } from '../../../src/card/index.js';
import { EF, generateKeyPairCommand, setReferenceDataCommand } from '../../../src/devices/applets/jpki/index.js';
import { DEFAULT_PACKAGES, SecureElement, type SeState } from '../../../src/devices/secure-element/index.js';
import { testCaCertificates } from '../applets/jpki/helpers.js';
import { newElement, Terminal } from './helpers.js';
import { JPKI_PASSWORD, JPKI_PIN, manageJpki, personaliseJpki, prepareJpki, providerSession } from './support/jpki-element.js';

/*
 * The JPKI applet reached through both interfaces of one element: the element runs one instance per
 * interface over the same data, so what one interface does to the keys and PINs must void a
 * verification made through the other, as it does on the same interface ("a PIN reset or a new key
 * never inherits an earlier VERIFY", jpki-applet.md). Found by these tests: before, a VERIFY made over
 * NFC still allowed a signature after the SP-TSM had reset the PIN or generated a new key through the
 * domain (contact interface).
 */

const SELECT_AP = '00A4040C0AD392F000260100000001';
const SIGN = `802A008033${'3031300D060960864801650304020105000420'}${'AB'.repeat(32)}00`;
const ascii = (s: string) => Buffer.from(s, 'ascii').toString('hex').toUpperCase();
const verify = (value: string) => `00200080${(value.length).toString(16).padStart(2, '0')}${ascii(value)}`;

let personalised: SeState;
before(async () => {
  const te = await newElement({ packages: [...DEFAULT_PACKAGES] });
  await prepareJpki(te.contact);
  await personaliseJpki(te.contact, testCaCertificates);
  personalised = te.element.state;
});

async function powered(): Promise<{ contact: Terminal; nfc: Terminal; element: SecureElement }> {
  const element = await SecureElement.open(new MemoryCardStore<SeState>(personalised));
  await element.contact.powerOn();
  await element.contactless.powerOn();
  return { element, contact: new Terminal(element.contact), nfc: new Terminal(element.contactless) };
}

/** SELECT the AP, the PIN EF, VERIFY, then the key EF: ready to sign. */
async function verified(t: Terminal, pinEf: string, value: string, keyEf: string): Promise<void> {
  for (const apdu of [SELECT_AP, `00A4020C02${pinEf}`, verify(value), `00A4020C02${keyEf}`]) assert.equal((await t.raw(apdu)).sw, 0x9000, apdu);
}

const sw = async (t: Terminal, apdu: string) => (await t.raw(apdu)).sw.toString(16).toUpperCase();

describe('the JPKI applet on both interfaces: one set of keys and PINs, one verification rule', () => {
  it('a PIN reset through the domain (contact) voids a VERIFY made over NFC', async () => {
    const { contact, nfc } = await powered();
    await verified(nfc, '0018', JPKI_PIN, '0017');
    assert.equal(await sw(nfc, SIGN), '9000');
    await providerSession(contact);
    assert.deepEqual((await manageJpki(contact, [setReferenceDataCommand(EF.AUTH_PIN, '5678')])).sws, ['9000']);
    assert.equal(await sw(nfc, SIGN), '6982', 'the earlier VERIFY was against the old PIN');
    assert.deepEqual([await sw(nfc, '00A4020C020018'), await sw(nfc, '00200080')], ['9000', '63C3'], 'not verified any more');
    assert.equal(await sw(nfc, verify('5678')), '9000');
    assert.equal(await sw(nfc, '00A4020C020017'), '9000');
    assert.equal(await sw(nfc, SIGN), '9000');
  });

  it('a new key generated through the domain voids a VERIFY made over NFC for the old one', async () => {
    const { contact, nfc } = await powered();
    await verified(nfc, '001B', JPKI_PASSWORD, '001A');
    assert.equal(await sw(nfc, SIGN), '9000');
    await providerSession(contact);
    assert.equal((await manageJpki(contact, [generateKeyPairCommand(EF.SIGN_KEY)])).results.length, 1);
    assert.equal(await sw(nfc, SIGN), '6982');
  });

  it('a PIN changed by its holder over one interface voids the other\'s VERIFY, not its own', async () => {
    const { contact, nfc } = await powered();
    await verified(nfc, '0018', JPKI_PIN, '0017');
    await verified(contact, '0018', JPKI_PIN, '0018');
    assert.equal(await sw(contact, `0024018004${ascii('4321')}`), '9000', 'CHANGE REFERENCE DATA after VERIFY');
    assert.equal(await sw(contact, '00A4020C020017'), '9000');
    assert.equal(await sw(contact, SIGN), '9000', 'the interface that changed it stays verified');
    assert.equal(await sw(nfc, SIGN), '6982', 'the other one verified the old value');
  });

  it('reads and a VERIFY on one interface leave the other\'s verification alone', async () => {
    const { contact, nfc } = await powered();
    await verified(nfc, '0018', JPKI_PIN, '0017');
    assert.equal(await sw(contact, SELECT_AP), '9000');
    assert.equal(await sw(contact, '00A4020C020018'), '9000');
    assert.equal(await sw(contact, verify('0000')), '63C2', 'a wrong PIN on contact: a try spent, nothing else changed');
    assert.equal(await sw(contact, verify(JPKI_PIN)), '9000');
    assert.equal(await sw(nfc, SIGN), '9000');
  });
});
