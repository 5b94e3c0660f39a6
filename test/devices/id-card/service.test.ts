import assert from 'node:assert/strict';
import { createHash, randomBytes, verify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { fromHex, toHex } from '../../../src/bytes/index.js';
import { MemoryCardStore } from '../../../src/card/index.js';
import { EF, IdCard, issueCard, renew, type CardCertificateRequest, type CardCertificates, type IdCardState } from '../../../src/devices/id-card/index.js';
import { POLICY_CARD_AUTH, POLICY_CARD_SIGN, certificatePolicyOids, decodeBasicFour, issuerRef, lintCertificate, parseCertificate } from '../../../src/pki/x509/index.js';
import { encodePhoneIssuanceApplication } from '../../../src/services/jpki/application.js';
import { DEFAULT_PERSON, rsaKey, spki, startJpki, type JpkiHarness } from '../../helpers/jpki.js';
import { dataOf, PASSWORD, PIN, SELECT_AP, selectEf, send, SHA256_DIGEST_INFO_PREFIX, swOf, TEST_KDF, verifyApdu } from './helpers.js';

/**
 * The card against the real certification service (flows 1 and 3): certificates issued for keys the
 * card generated, matching the JPKI profiles; the card's signature key, used only through APDUs,
 * signs a phone-issuance application that the service accepts.
 */

let h: JpkiHarness;
let state: IdCardState;

/** What the CLI passes to the card: the service's card issuance, as a municipal office. */
function officeIssuer(harness: JpkiHarness) {
  return async (req: CardCertificateRequest): Promise<CardCertificates> => {
    const r = await harness.service.issueCard({ kind: 'office', id: 'office-1' }, req);
    const ca = (der: Uint8Array) => harness.service.ctx.authority.issuerOf(parseCertificate(der))!.certificate;
    return { personId: r.personId, cardId: r.cardId, signCertificate: r.sign.der, authCertificate: r.auth.der, signCaCertificate: ca(r.sign.der), authCaCertificate: ca(r.auth.der) };
  };
}

before(async () => {
  h = await startJpki();
  state = await issueCard({ person: DEFAULT_PERSON, cardExpiry: '2035-12-31', pin: PIN, password: PASSWORD }, officeIssuer(h), { kdf: TEST_KDF });
});
after(() => h.stop());

/** Signs `message` on the card with key EF `keyFid` after VERIFYing `pinFid`, through APDUs only. */
async function cardSign(card: IdCard, pinFid: string, value: string, keyFid: string, message: Uint8Array): Promise<Uint8Array> {
  for (const c of [SELECT_AP, selectEf(pinFid), verifyApdu(value), selectEf(keyFid)]) assert.equal(await send(card, c), '9000', c);
  const digest = toHex(createHash('sha256').update(message).digest());
  const r = await send(card, `802A008033${SHA256_DIGEST_INFO_PREFIX}${digest}00`);
  assert.equal(swOf(r), '9000');
  return dataOf(r);
}

/** Reads the signature certificate from the card (it needs the password, VERIFYed just before). */
async function readSignCertificate(card: IdCard): Promise<Uint8Array> {
  assert.equal(await send(card, selectEf('0001')), '9000');
  const chunks: Uint8Array[] = [];
  for (let offset = 0; ; offset += 256) {
    const r = await send(card, `00B0${toHex(Uint8Array.of(offset >> 8, offset & 0xff))}00`);
    if (swOf(r) === '6B00') break;
    assert.equal(swOf(r), '9000');
    chunks.push(dataOf(r));
    if (dataOf(r).length < 256) break;
  }
  return Buffer.concat(chunks);
}

describe('Individual Number Card with the certification service', () => {
  it('gets certificates that pass the service\'s own card-sign and card-auth profile lint, with the basic four only in the signature certificate', async () => {
    const f = state.jpki.files;
    const sign = fromHex(f[EF.SIGN_CERT]);
    const auth = fromHex(f[EF.AUTH_CERT]);
    const holder = { birthDate: DEFAULT_PERSON.birthDate, cardExpiry: '2035-12-31' };
    for (const [der, profile, caHex] of [[sign, 'card-sign', f[EF.SIGN_CA_CERT]], [auth, 'card-auth', f[EF.AUTH_CA_CERT]]] as const) {
      const parsed = parseCertificate(der);
      const ca = fromHex(caHex);
      assert.deepEqual(lintCertificate(parsed.tbsDer, profile, { mode: 'production', issuer: issuerRef(ca), holder }), [], profile);
      assert.ok(verify('sha256', parsed.tbsDer, { key: Buffer.from(parseCertificate(ca).subjectPublicKeyInfo), format: 'der', type: 'spki' }, parsed.signatureValue));
      const status = await h.service.status(parsed.serialNumberHex);
      assert.equal(status.status, 'good');
      assert.equal(status.device, 'card');
      assert.equal(status.personId, state.holder.personId);
    }
    assert.deepEqual(certificatePolicyOids(sign), [POLICY_CARD_SIGN]);
    assert.deepEqual(certificatePolicyOids(auth), [POLICY_CARD_AUTH]);
    const four = decodeBasicFour(sign)!;
    assert.deepEqual({ name: four.name, address: four.address, birthDate: four.birthDate, sex: four.sex }, DEFAULT_PERSON);
    assert.equal(decodeBasicFour(auth), undefined);
    assert.deepEqual(state.holder.person, four);
  });

  it('signs a phone-issuance application through APDUs that the service accepts (201), and not with the authentication key (422)', async () => {
    const card = new IdCard(structuredClone(state), new MemoryCardStore<IdCardState>(state));
    await card.powerOn();
    const application = () =>
      encodePhoneIssuanceApplication({ seId: 'SE-CARD-TEST-01', signPublicKey: spki(rsaKey()), authPublicKey: spki(rsaKey()), nonce: randomBytes(16).toString('base64url'), time: new Date() });
    const body = (app: Uint8Array, signature: Uint8Array, cert: Uint8Array) => ({
      application: Buffer.from(app).toString('base64'),
      signature: Buffer.from(signature).toString('base64'),
      cardCertificate: Buffer.from(cert).toString('base64'),
    });

    const app = application();
    const signature = await cardSign(card, '001B', PASSWORD, '001A', app);
    const cert = await readSignCertificate(card);
    assert.equal(toHex(cert), state.jpki.files[EF.SIGN_CERT]);
    const res = await h.api('POST', '/api/v1/phone-certificates', body(app, signature, cert), h.tokens.spTsm);
    assert.equal(res.status, 201, JSON.stringify(res.json));
    assert.equal(res.json.cardSerial, parseCertificate(cert).serialNumberHex);

    const other = application();
    const wrongKey = await cardSign(card, '0018', PIN, '0017', other);
    const refused = await h.api('POST', '/api/v1/phone-certificates', body(other, wrongKey, cert), h.tokens.spTsm);
    assert.equal(refused.status, 422);
    assert.equal(refused.json.code, 'ERR_JPKI_CARD_SIGNATURE');
  });

  it('renews: new keys certified for the same person, the old card certificates superseded', async () => {
    const old = [EF.SIGN_CERT, EF.AUTH_CERT].map((fid) => parseCertificate(fromHex(state.jpki.files[fid])).serialNumberHex);
    const renewed = await renew(state, officeIssuer(h));
    assert.equal(renewed.holder.personId, state.holder.personId);
    for (const serial of old) {
      const s = await h.service.status(serial);
      assert.equal(s.status, 'revoked');
      assert.equal(s.reason, 4);
    }
    const fresh = await h.service.status(parseCertificate(fromHex(renewed.jpki.files[EF.SIGN_CERT])).serialNumberHex);
    assert.equal(fresh.status, 'good');
  });
});
