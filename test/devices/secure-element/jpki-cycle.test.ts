import assert from 'node:assert/strict';
import { createPublicKey, verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { toHex } from '../../../src/bytes/index.js';
import { FileCardStore } from '../../../src/card/index.js';
import { getStateCommand, type JpkiAppletData } from '../../../src/devices/applets/jpki/index.js';
import { createElement, parseSeState, SecureElement, type SeState } from '../../../src/devices/secure-element/index.js';
import { JpkiApClient } from '../../../src/transports/index.js';
import { issueCard, issuePhoneFor, startJpki, type IssuedCard, type JpkiHarness } from '../../helpers/jpki.js';
import { keyMaterial } from '../applets/jpki/helpers.js';
import { deleteCommand, ISD, isdSession, SSD_PACKAGE, Terminal } from './helpers.js';
import {
  createJpkiDomain,
  installJpkiApplet,
  JPKI_APSD,
  JPKI_ELF,
  JPKI_INSTANCE,
  JPKI_MODULE,
  JPKI_PASSWORD,
  JPKI_PIN,
  manageJpki,
  personaliseJpki,
  providerSession,
  takeOverJpkiDomain,
} from './support/jpki-element.js';

/*
 * The issue's "full cycle through the secure channel": in a real element kept in a file, the issuer
 * creates the JPKI provider's domain, the provider rotates its keys, loads, installs and personalises
 * the real JPKI applet (keys generated inside, certificates issued by a running certification service
 * for the public keys the applet returned, PIN and password set), the applet is used over the contact
 * interface (VERIFY, both signatures checked against the issued certificates), then the load file is
 * deleted with its application and the domain with it: GET STATUS shows nothing of them and the state
 * file holds none of the applet's secrets.
 */

const ARA_M = 'A00000015141434C00';
const ARA_M_ELF = 'A00000015141434C';
const DATA = new TextEncoder().encode('signed inside the secure element\n');

function verifies(certificate: Uint8Array, signature: Uint8Array): boolean {
  const key = createPublicKey(new X509Certificate(certificate).publicKey.export({ type: 'spki', format: 'pem' }));
  return verify('sha256', DATA, key, signature);
}

/** The registry with every sequence counter zeroed (INITIALIZE UPDATE moves them). */
function withoutCounters(state: SeState): string {
  const copy = structuredClone(state) as unknown as { registry: { domain?: { keySets: { counter: number }[] } }[] };
  for (const e of copy.registry) for (const k of e.domain?.keySets ?? []) k.counter = 0;
  return JSON.stringify(copy.registry);
}

describe('the JPKI applet in the element: create the domain, rotate, load, install, personalise, use, delete', () => {
  let h: JpkiHarness;
  let card: IssuedCard;
  let dir: string;

  before(async () => {
    h = await startJpki();
    card = await issueCard(h);
    dir = mkdtempSync(join(tmpdir(), 'se-jpki-cycle-'));
  });

  after(async () => {
    await h?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves no trace in GET STATUS nor in the state file, whose private key material is gone', async () => {
    const path = join(dir, 'se.json');
    const created = createElement({ profile: 'development' }).state;
    await new FileCardStore<SeState>(path).create(created);
    const element = await SecureElement.open(new FileCardStore<SeState>(path));
    await element.contact.powerOn();
    const t = new Terminal(element.contact);

    // The issuer creates the domain; the provider rotates the keys and installs the applet.
    await createJpkiDomain(t);
    await takeOverJpkiDomain(t);
    await installJpkiApplet(t);
    assert.deepEqual(await t.status(0x40), [
      { aid: JPKI_APSD, lifeCycle: '0F', privileges: '804000', loadFile: SSD_PACKAGE, sd: ISD },
      { aid: JPKI_INSTANCE, lifeCycle: '07', privileges: '000000', loadFile: JPKI_ELF, sd: JPKI_APSD },
    ]);

    // Personalisation: keys generated inside, certified by the service for a card-signed application.
    const seId = `se-${created.card.cin}`;
    const { keys, certificates } = await personaliseJpki(t, (k) => issuePhoneFor(h, card, seId, k));
    assert.equal(toHex(new Uint8Array(new X509Certificate(certificates.sign).publicKey.export({ type: 'spki', format: 'der' }))), toHex(keys.sign), 'the service certified the applet\'s signature key');
    assert.equal(toHex(new Uint8Array(new X509Certificate(certificates.auth).publicKey.export({ type: 'spki', format: 'der' }))), toHex(keys.auth));
    const state = await manageJpki(t, [getStateCommand()]);
    assert.deepEqual(state.results, [
      {
        kind: 'state',
        keys: { '0017': 'present', '001A': 'present' },
        certificates: { '0001': true, '0002': true, '000A': true, '000B': true },
        pins: { '0018': 3, '001B': 5 },
      },
    ]);
    await isdSession(t, 0x33);
    assert.deepEqual(await t.status(0x80), [{ aid: ISD, lifeCycle: '0F', privileges: '9AFE80' }]);
    assert.deepEqual(await t.status(0x40), [
      { aid: ARA_M, lifeCycle: '07', privileges: '000000', loadFile: ARA_M_ELF, sd: ISD },
      { aid: JPKI_APSD, lifeCycle: '0F', privileges: '804000', loadFile: SSD_PACKAGE, sd: ISD },
      { aid: JPKI_INSTANCE, lifeCycle: '0F', privileges: '000000', loadFile: JPKI_ELF, sd: JPKI_APSD },
    ], 'the applet moved itself to PERSONALIZED');

    // Use: the project's JPKI-AP client over the contact interface, as the phone's OS would.
    const client = new JpkiApClient(element.contact);
    assert.equal(await client.tokenLabel(), 'JPKIAPGPSETOKEN');
    await assert.rejects(client.readCertificate('auth'), { code: 'ERR_APDU_STATUS', sw: 0x6982 }, 'EF 000A needs the PIN on a GP-SE');
    await assert.rejects(client.verify('pin', '9999'), { code: 'ERR_JPKI_AP_PIN_INCORRECT', triesLeft: 2 });
    await client.verify('pin', JPKI_PIN);
    assert.deepEqual(await client.readCertificate('auth'), certificates.auth);
    assert.ok(verifies(certificates.auth, await client.signSha256('auth', DATA)), 'user-authentication signature');
    await client.verify('password', JPKI_PASSWORD);
    assert.deepEqual(await client.readCertificate('sign'), certificates.sign);
    assert.ok(verifies(certificates.sign, await client.signSha256('sign', DATA)), 'signature-key signature');
    client.forgetSession(); // selected again: verification forgotten, so the query answers 63CX
    assert.equal(await client.triesLeft('pin'), 3, 'the right PIN put the counter back');

    // What the applet holds, as stored: the secrets that must be gone after the deletion.
    const before = readFileSync(path, 'utf8');
    const entry = parseSeState(JSON.parse(before)).registry.find((e) => e.aid === JPKI_INSTANCE);
    assert.ok(entry?.kind === 'application');
    const data = entry.data as JpkiAppletData;
    const pkcs8 = Object.values(data.keys).map((k) => ('pkcs8' in k ? k.pkcs8 : ''));
    assert.equal(pkcs8.filter((k) => k.length > 0).length, 2, 'both private keys are in the data section');
    const stored = [...pkcs8, ...Object.values(data.pins).flatMap((p) => [p.salt, p.hash]), ...Object.values(data.certificates), data.serial!];
    for (const s of stored) assert.ok(before.includes(s), `the search finds ${s.slice(0, 16)}… before the deletion`);
    // Every other form the key could take too: PKCS#8 and PKCS#1 DER in hex and base64, PEM, d, p, q, … (helpers.ts).
    const secrets = [...stored, ...pkcs8.flatMap((k) => keyMaterial(k))];

    // The provider deletes the load file with its application, the issuer then the empty domain.
    await providerSession(t);
    assert.equal(await t.ssw(deleteCommand(JPKI_ELF, true)), '9000');
    assert.deepEqual(await t.status(0x40), [{ aid: JPKI_APSD, lifeCycle: '0F', privileges: '804000', loadFile: SSD_PACKAGE, sd: ISD }]);
    assert.deepEqual(await t.status(0x10), []);
    await isdSession(t, 0x33);
    assert.deepEqual(await t.status(0x40), [
      { aid: ARA_M, lifeCycle: '07', privileges: '000000', loadFile: ARA_M_ELF, sd: ISD },
      { aid: JPKI_APSD, lifeCycle: '0F', privileges: '804000', loadFile: SSD_PACKAGE, sd: ISD },
    ]);
    assert.equal(await t.ssw(deleteCommand(JPKI_APSD)), '9000');
    assert.deepEqual(await t.status(0x40), [{ aid: ARA_M, lifeCycle: '07', privileges: '000000', loadFile: ARA_M_ELF, sd: ISD }]);
    assert.deepEqual(
      (await t.status(0x10)).map((e) => e.aid),
      [SSD_PACKAGE, ARA_M_ELF],
    );

    // The state file: the registry is the new element's again; none of the secrets, none of the AIDs.
    const text = readFileSync(path, 'utf8');
    assert.equal(withoutCounters(parseSeState(JSON.parse(text))), withoutCounters(created));
    for (const s of secrets) assert.ok(!text.includes(s), `${s.slice(0, 16)}… is still in the state file`);
    for (const aid of [JPKI_INSTANCE, JPKI_ELF, JPKI_MODULE, JPKI_APSD]) assert.ok(!text.includes(aid), `${aid} in the state file`);
    assert.deepEqual(readdirSync(dir), ['se.json'], 'no temporary file left beside it');

    // Opened again from the file: nothing answers to the applet's AID on either interface.
    const reopened = await SecureElement.open(new FileCardStore<SeState>(path));
    for (const port of [reopened.contact, reopened.contactless]) {
      await port.powerOn();
      assert.equal(toHex(await port.transmit(Uint8Array.from(Buffer.from('00A4040C0AD392F000260100000001', 'hex')))), '6A82');
    }
  });
});
