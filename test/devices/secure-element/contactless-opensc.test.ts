import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileCardStore } from '../../../src/card/index.js';
import { createElement, SecureElement, type SeState } from '../../../src/devices/secure-element/index.js';
import { issueCard, issuePhoneFor, startJpki, type JpkiHarness } from '../../helpers/jpki.js';
import { certificatePem, listedCertificates, opensslVerify, pkcs11, pkcs11Sign, tool } from '../../helpers/opensc.js';
import { startPcscSession, type NsProcess, type PcscSession } from '../../helpers/pcsc.js';
import type { Certificates } from '../applets/jpki/helpers.js';
import { ISD, Terminal } from './helpers.js';
import { JPKI_APSD, JPKI_INSTANCE, JPKI_PASSWORD, JPKI_PIN, personaliseJpki, prepareJpki } from './support/jpki-element.js';
import { runTsm, type SelectOutput } from './support/pcsc-tsm.js';

/*
 * The issue's contactless line: a phone's element with the JPKI applet personalised (keys generated
 * inside, certificates from a running certification service) held to an NFC reader — `jpki-mobile se
 * attach --interface nfc` into pcscd through vpcd in private namespaces — and real OpenSC on the other
 * side, as test/transports/pcsc.test.ts runs it against the card. What OpenSC 0.23 does with the phone's
 * one difference (EF 000A readable only after the PIN, jpki-ap.md 3.4) is asserted as it is: the four
 * certificates are listed, the user-authentication one without its content until the PIN is verified.
 */

const unavailable = process.getuid?.() === 0 ? false : 'needs root for unshare --mount --net';
const ARA_M = 'A00000015141434C00';
const JPKI_AP = '00A4040C0AD392F000260100000001';
const AUTH = 'JPKI (User Authentication PIN)';
const SIGN = 'JPKI (Digital Signature PIN)';

/** `Encoded serial` as pkcs15-tool prints it: the DER INTEGER of the certificate's serial number. */
function encodedSerial(der: Uint8Array): string {
  const serial = new X509Certificate(der).serialNumber.toUpperCase();
  const bytes = (serial.length % 2 === 1 ? '0' : '') + serial;
  const integer = parseInt(bytes.slice(0, 2), 16) >= 0x80 ? `00${bytes}` : bytes;
  return `02${(integer.length / 2).toString(16).toUpperCase().padStart(2, '0')}${integer}`;
}

describe('the JPKI applet over the contactless interface: OpenSC through pcscd and vpcd (private namespaces)', { skip: unavailable }, () => {
  let session: PcscSession;
  let h: JpkiHarness;
  let attached: NsProcess;
  let certificates: Certificates;

  before(async () => {
    session = await startPcscSession();
    h = await startJpki();
    const card = await issueCard(h);
    // The element made and personalised in process (contact interface, the TSMs' side), then put to the reader's field.
    const file = join(session.dir, 'se.json');
    const created = createElement({ profile: 'development' }).state;
    await new FileCardStore<SeState>(file).create(created);
    const element = await SecureElement.open(new FileCardStore<SeState>(file));
    await element.contact.powerOn();
    const t = new Terminal(element.contact);
    await prepareJpki(t);
    ({ certificates } = await personaliseJpki(t, (keys) => issuePhoneFor(h, card, `se-${created.card.cin}`, keys)));
    await element.contact.powerOff();
    writeFileSync(join(session.dir, 'data'), 'The phone signs over NFC.\n');
    attached = await session.attachElement(file, 'nfc');
  });

  after(async () => {
    await session?.stop();
    await h?.stop();
  });

  it('OpenSC finds its jpki driver; EF 0006 carries the GP-SE token label', async () => {
    const name = await tool(session, 'opensc-tool', '--reader', '0', '--name');
    assert.equal(name.status, 0, name.out);
    assert.equal(name.out.trim().split('\n').at(-1), 'jpki');
    const label = await tool(session, 'opensc-tool', '--reader', '0', '-s', JPKI_AP, '-s', '00A4020C020006', '-s', '00B0000020');
    assert.equal(label.status, 0, label.out);
    assert.match(label.out.replace(/\s+/g, ' '), /Received \(SW1=0x90, SW2=0x00\): 4A 50 4B 49 41 50 47 50 53 45 54 4F 4B 45 4E /, 'JPKIAPGPSETOKEN');
  });

  it('pkcs15-tool --list-certificates lists the four certificates; the user-authentication one is read only after the PIN', async () => {
    const list = await tool(session, 'pkcs15-tool', '--list-certificates');
    assert.equal(list.status, 0, list.out);
    // Without a PIN OpenSC lists both end-entity certificates but cannot read them (EF 000A and EF 0001 answer 6982), so no serial.
    assert.deepEqual(listedCertificates(list.out), [
      { label: 'User Authentication Certificate', path: '000a', id: '01' },
      { label: 'Digital Signature Certificate', path: '0001', id: '02' },
      { label: 'User Authentication Certificate CA', path: '000b', id: '03', serial: encodedSerial(certificates.authCa) },
      { label: 'Digital Signature Certificate CA', path: '0002', id: '04', serial: encodedSerial(certificates.signCa) },
    ]);
    const refused = await tool(session, 'pkcs15-tool', '--read-certificate', '01');
    assert.notEqual(refused.status, 0, 'no PIN, no user-authentication certificate');
    assert.ok(!refused.out.includes('BEGIN CERTIFICATE'), refused.out);

    const withPin = await tool(session, 'pkcs15-tool', '--verify-pin', '--auth-id', '01', '--pin', JPKI_PIN, '--list-certificates');
    assert.equal(withPin.status, 0, withPin.out);
    assert.deepEqual(listedCertificates(withPin.out)[0], { label: 'User Authentication Certificate', path: '000a', id: '01', serial: encodedSerial(certificates.auth) });
    const read = await tool(session, 'pkcs15-tool', '--verify-pin', '--auth-id', '01', '--pin', JPKI_PIN, '--read-certificate', '01');
    assert.equal(read.status, 0, read.out);
    assert.ok(read.out.includes(certificatePem(certificates.auth).trim()), 'the PEM is the certificate the service issued');
  });

  it('pkcs11-tool signs with both keys (PIN on slot 01, password on slot 02); openssl dgst -verify accepts both signatures', async () => {
    const slots = await pkcs11(session, '--list-slots');
    assert.match(slots.out, /token label\s*: JPKI \(User Authentication PIN\)/);
    assert.match(slots.out, /token label\s*: JPKI \(Digital Signature PIN\)/);
    const auth = await pkcs11Sign(session, { token: AUTH, pin: JPKI_PIN, id: '01', input: 'data', output: 'auth.sig' });
    assert.equal(auth.status, 0, auth.out);
    const sign = await pkcs11Sign(session, { token: SIGN, pin: JPKI_PASSWORD, id: '02', input: 'data', output: 'sign.sig' });
    assert.equal(sign.status, 0, sign.out);
    for (const [certificate, signature] of [[certificates.auth, 'auth.sig'], [certificates.sign, 'sign.sig']] as const) {
      const v = await opensslVerify(session, certificate, signature, 'data');
      assert.equal(v.status, 0, v.out);
      assert.match(v.out, /Verified OK/);
    }
    const crossed = await opensslVerify(session, certificates.auth, 'sign.sig', 'data');
    assert.notEqual(crossed.status, 0, 'the user-authentication key did not make the signature-key signature');
  });

  it('the ISD, the ARA-M and the domains are not selectable there (6A82), nor is anything without an AID', async () => {
    const out = await runTsm<SelectOutput>(session, 'select');
    assert.equal(out.atr, '3B8A80014A504B492D53452076314F');
    assert.deepEqual(out.select, { [ISD]: '6A82', [ARA_M]: '6A82', [JPKI_APSD]: '6A82', '': '6A82', [JPKI_INSTANCE]: '9000' });
    const r = await tool(session, 'opensc-tool', '--reader', '0', '-s', `00A4040008${ISD}00`, '-s', `00A4040009${ARA_M}00`);
    assert.equal(r.status, 0, r.out);
    assert.equal([...r.out.matchAll(/Received \(SW1=0x6A, SW2=0x82\)/g)].length, 2, r.out);
  });

  it('SIGTERM takes the element out of the field', async () => {
    const term = await attached.stop('SIGTERM');
    assert.equal(term.status, 0, term.stderr);
    await session.waitForCard(false);
  });
});
