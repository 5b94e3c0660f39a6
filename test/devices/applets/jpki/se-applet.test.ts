import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, sign, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { toHex } from '../../../../src/bytes/index.js';
import {
  EF,
  LIFE_CYCLE,
  TOKEN_LABEL_GP_SE,
  getStateCommand,
  revokeCommand,
  tokenLabel,
  wipeCommand,
  type KeyEntry,
  type StateResult,
} from '../../../../src/devices/applets/jpki/index.js';
import { parseCertificate } from '../../../../src/pki/x509/index.js';
import { encodePhoneIssuanceApplication } from '../../../../src/services/jpki/application.js';
import { issueCard, pem, startJpki, type IssuedCard, type JpkiHarness } from '../../../helpers/jpki.js';
import { SELECT_AP, SHA256_DIGEST_INFO_PREFIX, dataOf, selectEf, send, swOf, verifyApdu } from '../../id-card/helpers.js';
import type { TestElement } from './fixtures/test-element.js';
import type { TestTsm } from './fixtures/test-tsm.js';
import { PASSWORD, PIN, element, generateBoth, keyMaterial, spkiOfPkcs8, tsm, writeCommands, type Certificates } from './helpers.js';

/*
 * The JPKI applet end to end: personalised through its security domain's SCP03 channel with phone
 * certificates a running certification service issued for the keys generated inside it, then used
 * with the exact APDUs of jpki/myna and OpenSC (jpki-ap.md 6.3), signatures checked with node and
 * openssl, and finally revoked and wiped.
 */

/** OpenSC 0.23 reading one certificate: 4-byte header, then 256-byte chunks with Le 00 (jpki-ap.md 6.3). */
async function readCertificate(e: TestElement, fid: string): Promise<Uint8Array> {
  assert.equal(await send(e, selectEf(fid)), '9000');
  const header = await send(e, '00B0000004');
  assert.equal(swOf(header), '9000');
  const head = dataOf(header);
  const size = head[2]! * 256 + head[3]! + 4;
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < size; offset += 256) {
    const le = size - offset >= 256 ? '00' : toHex(Uint8Array.of(size - offset));
    const r = await send(e, `00B0${toHex(Uint8Array.of(offset >> 8, offset & 0xff))}${le}`);
    assert.equal(swOf(r), '9000');
    chunks.push(dataOf(r));
  }
  return Buffer.concat(chunks);
}

function signApdu(message: Uint8Array): string {
  const digest = createHash('sha256').update(message).digest('hex').toUpperCase();
  return `802A008033${SHA256_DIGEST_INFO_PREFIX}${digest}00`;
}

function spkiKey(cert: Uint8Array) {
  return { key: Buffer.from(parseCertificate(cert).subjectPublicKeyInfo), format: 'der' as const, type: 'spki' as const };
}

/** `openssl x509 -pubkey` then `openssl dgst -sha256 -verify`: exit 0 and "Verified OK", or the test fails. */
function opensslVerifies(dir: string, name: string, cert: Uint8Array, message: Uint8Array, signature: Uint8Array): string {
  const certPath = join(dir, `${name}.pem`);
  const keyPath = join(dir, `${name}.pub.pem`);
  const dataPath = join(dir, `${name}.data`);
  const sigPath = join(dir, `${name}.sig`);
  writeFileSync(certPath, pem('CERTIFICATE', cert));
  writeFileSync(keyPath, execFileSync('openssl', ['x509', '-in', certPath, '-pubkey', '-noout']));
  writeFileSync(dataPath, message);
  writeFileSync(sigPath, signature);
  return execFileSync('openssl', ['dgst', '-sha256', '-verify', keyPath, '-signature', sigPath, dataPath], { encoding: 'utf8' });
}

describe('JPKI applet: personalised through its security domain, used like the card', () => {
  let h: JpkiHarness;
  let card: IssuedCard;
  let e: TestElement;
  let t: TestTsm;
  let certs: Certificates;
  let serials: { sign: string; auth: string };

  before(async () => {
    h = await startJpki();
    card = await issueCard(h);
    e = await element();
    t = await tsm(e);
    const keys = await generateBoth(t);
    // Flow 3: the card signs the application carrying the keys generated in the element.
    const application = encodePhoneIssuanceApplication({ seId: 'SE-TEST-0001', signPublicKey: keys.sign, authPublicKey: keys.auth, nonce: randomBytes(16).toString('base64url'), time: new Date() });
    const body = {
      application: Buffer.from(application).toString('base64'),
      signature: sign('sha256', application, card.signKey).toString('base64'),
      cardCertificate: Buffer.from(card.signCert).toString('base64'),
    };
    const res = await h.api('POST', '/api/v1/phone-certificates', body, h.tokens.spTsm);
    assert.equal(res.status, 201, JSON.stringify(res.json));
    const der = (text: string) => new Uint8Array(Buffer.from(text.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64'));
    const active = (hierarchy: string) => h.service.ctx.authority.all().find((g) => g.hierarchy === hierarchy && g.state === 'active')!.certificate;
    certs = { sign: der(res.json.sign.pem), auth: der(res.json.auth.pem), signCa: active('sign'), authCa: active('auth') };
    serials = { sign: res.json.sign.serial, auth: res.json.auth.serial };
    const written = await t.manage(writeCommands(certs));
    assert.ok(written.sws.length > 6, 'the certificates need several blocks');
    assert.ok(written.sws.every((s) => s === 0x9000));
  });

  after(() => h?.stop());

  it('holds what the CA certified: the public keys of the certificates are those of the keys generated inside', async () => {
    const data = e.host.data;
    assert.deepEqual(spkiOfPkcs8((data.keys[EF.SIGN_KEY] as { pkcs8: string }).pkcs8), parseCertificate(certs.sign).subjectPublicKeyInfo);
    assert.deepEqual(spkiOfPkcs8((data.keys[EF.AUTH_KEY] as { pkcs8: string }).pkcs8), parseCertificate(certs.auth).subjectPublicKeyInfo);
    assert.notDeepEqual(parseCertificate(certs.sign).subjectPublicKeyInfo, parseCertificate(card.signCert).subjectPublicKeyInfo);
    assert.equal(e.host.lifeCycle, LIFE_CYCLE.PERSONALIZED);
    const state = (await t.manage([getStateCommand()])).results[0] as StateResult;
    assert.deepEqual(state.keys, { '0017': 'present', '001A': 'present' });
    assert.deepEqual(state.certificates, { '0001': true, '0002': true, '000A': true, '000B': true });
    assert.deepEqual(state.pins, { '0018': 3, '001B': 5 });
  });

  it('answers OpenSC 0.23 bind and jpki/myna exactly as the card, with the token label JPKIAPGPSETOKEN', async () => {
    assert.equal(await send(e, SELECT_AP), '9000');
    assert.equal(await send(e, selectEf('0006')), '9000');
    const label = await send(e, '00B0000020');
    assert.equal(swOf(label), '9000');
    assert.equal(tokenLabel(dataOf(label)), TOKEN_LABEL_GP_SE);
    assert.equal(await send(e, selectEf('0018')), '9000');
    assert.equal(await send(e, '00200080'), '63C3');
    assert.equal(await send(e, selectEf('001B')), '9000');
    assert.equal(await send(e, '00200080'), '63C5');
    assert.equal(await send(e, selectEf('0008')), '9000');
    assert.equal(await send(e, '00B0000003'), '8F8F009000');
    // The CA certificates are free; 000A, free on the card, needs the PIN on the phone (jpki-ap.md 3.4).
    assert.deepEqual(await readCertificate(e, '000B'), Buffer.from(certs.authCa));
    assert.deepEqual(await readCertificate(e, '0002'), Buffer.from(certs.signCa));
    assert.equal(await send(e, selectEf('000A')), '9000');
    assert.equal(await send(e, '00B0000004'), '6982');
    assert.equal(await send(e, selectEf('0001')), '9000');
    assert.equal(await send(e, '00B0000004'), '6982');
  });

  it('reads the user-authentication certificate after the PIN and signs with key 0017: node and openssl verify', async () => {
    assert.equal(await send(e, SELECT_AP), '9000');
    assert.equal(await send(e, selectEf('0018')), '9000');
    assert.equal(await send(e, verifyApdu(PIN)), '9000');
    assert.deepEqual(await readCertificate(e, '000A'), Buffer.from(certs.auth));
    const challenge = randomBytes(32);
    assert.equal(await send(e, selectEf('0017')), '9000');
    const r = await send(e, signApdu(challenge));
    assert.equal(swOf(r), '9000');
    const signature = dataOf(r);
    assert.equal(signature.length, 256);
    assert.equal(verify('sha256', challenge, spkiKey(certs.auth), signature), true);
    assert.match(opensslVerifies(h.dir, 'auth', certs.auth, challenge, signature), /Verified OK/);
    // The signature key stays closed: the PIN is not the password.
    assert.equal(await send(e, selectEf('001A')), '9000');
    assert.equal(swOf(await send(e, signApdu(challenge))), '6982');
  });

  it('reads the signature certificate after the password and signs with key 001A: node and openssl verify', async () => {
    assert.equal(await send(e, SELECT_AP), '9000');
    assert.equal(await send(e, selectEf('001B')), '9000');
    assert.equal(await send(e, verifyApdu(PASSWORD)), '9000');
    assert.equal(await send(e, '00200080'), '9000');
    assert.deepEqual(await readCertificate(e, '0001'), Buffer.from(certs.sign));
    const document = new TextEncoder().encode('申請書: 転入届');
    assert.equal(await send(e, selectEf('001A')), '9000');
    const r = await send(e, signApdu(document));
    assert.equal(swOf(r), '9000');
    assert.equal(verify('sha256', document, spkiKey(certs.sign), dataOf(r)), true);
    assert.match(opensslVerifies(h.dir, 'sign', certs.sign, document, dataOf(r)), /Verified OK/);
  });

  it('refuses the management commands on its user interface: they are not there', async () => {
    assert.equal(await send(e, SELECT_AP), '9000');
    const before = e.host.document;
    for (const p1 of ['90', '10', '80']) {
      assert.equal(await send(e, `80E2${p1}0002E500`), '6D00');
      assert.equal(await send(e, `84E2${p1}000AE500${'00'.repeat(8)}`), '6D00');
    }
    assert.equal(await send(e, '8050000008' + '11'.repeat(8) + '00'), '6D00'); // INITIALIZE UPDATE
    assert.equal(await send(e, '80E62000' + '100000' + '0AD392F000260100000001000000'), '6D00'); // INSTALL
    assert.equal(e.host.document, before);
  });

  it('reaches management only inside the security domain channel: STORE DATA in clear is refused there too', async () => {
    const before = e.host.document;
    assert.equal(await send(e, '0070000001'), '029000');
    assert.equal(await send(e, '02A4040008A000000151000000'), '9000');
    assert.equal(await send(e, '82E6200010' + '00000AD392F000260100000001000000'), '6982');
    assert.equal(await send(e, '82E2900002E500'), '6982');
    assert.equal(await send(e, '0070800200'), '9000');
    assert.equal(e.host.document, before);
  });

  it('revoked at the CA and told so, it refuses to sign with that key (6984) and keeps no trace of it', async () => {
    const revoked = await h.api('POST', `/api/v1/certificates/${serials.sign}/revoke`, { reason: 'keyCompromise' }, h.tokens.callCentre);
    assert.equal(revoked.status, 200);
    const status = await h.api('GET', `/api/v1/certificates/${serials.sign}`, undefined, h.tokens.spTsm);
    assert.equal(status.json.status, 'revoked');
    const key = (e.host.data.keys[EF.SIGN_KEY] as { pkcs8: string }).pkcs8;
    const material = keyMaterial(key);
    assert.ok(e.host.document.includes(material[0]!), 'the search finds the key while it is there');
    const r = await t.manage([revokeCommand(EF.SIGN_CERT)]);
    assert.deepEqual(r.sws, [0x9000]);
    for (const m of material) assert.equal(e.host.document.includes(m), false, `key material ${m} left in the document`);
    assert.deepEqual(e.host.data.keys[EF.SIGN_KEY], { revoked: true } satisfies KeyEntry);
    // The other key still works, the life cycle stays PERSONALIZED, EF 0008 says the signature certificate is gone.
    assert.equal(e.host.lifeCycle, LIFE_CYCLE.PERSONALIZED);
    assert.equal(await send(e, SELECT_AP), '9000');
    assert.equal(await send(e, selectEf('0008')), '9000');
    assert.equal(await send(e, '00B0000003'), '008F009000');
    assert.equal(await send(e, selectEf('001B')), '9000');
    assert.equal(await send(e, verifyApdu(PASSWORD)), '9000');
    assert.equal(await send(e, selectEf('001A')), '9000');
    assert.equal(swOf(await send(e, signApdu(new Uint8Array(8)))), '6984');
    assert.equal(await send(e, selectEf('0018')), '9000');
    assert.equal(await send(e, verifyApdu(PIN)), '9000');
    assert.equal(await send(e, selectEf('0017')), '9000');
    assert.equal(swOf(await send(e, signApdu(new Uint8Array(8)))), '9000');
  });

  it('wiped, holds no key, certificate or PIN: the key material is gone from the document and every command says 6A88', async () => {
    const auth = (e.host.data.keys[EF.AUTH_KEY] as { pkcs8: string }).pkcs8;
    const material = keyMaterial(auth);
    assert.ok(e.host.document.includes(material[0]!));
    const r = await t.manage([wipeCommand()]);
    assert.deepEqual(r.sws, [0x9000]);
    for (const m of material) assert.equal(e.host.document.includes(m), false);
    assert.deepEqual(e.host.data, { format: 'jpki-mobile/jpki-applet/v1', keys: {}, certificates: {}, pins: {} });
    assert.equal(e.host.lifeCycle, LIFE_CYCLE.EMPTY);
    assert.equal(await send(e, SELECT_AP), '9000');
    for (const [fid, apdu] of [
      ['000A', '00B0000004'],
      ['0001', '00B0000004'],
      ['000B', '00B0000004'],
      ['0018', '00200080'],
      ['001B', verifyApdu(PASSWORD)],
    ] as const) {
      assert.equal(await send(e, selectEf(fid)), '9000');
      assert.equal(await send(e, apdu), '6A88', `${fid} ${apdu}`);
    }
    assert.equal(await send(e, selectEf('0017')), '9000');
    assert.equal(swOf(await send(e, signApdu(new Uint8Array(8)))), '6A88');
    assert.equal(await send(e, selectEf('0008')), '9000');
    assert.equal(await send(e, '00B0000003'), '0000009000');
    assert.equal(await send(e, selectEf('0006')), '9000');
    assert.equal(tokenLabel(dataOf(await send(e, '00B0000020'))), TOKEN_LABEL_GP_SE);
  });
});
