import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { fromHex } from '../../../src/bytes/index.js';
import {
  buildOcspResponse,
  encodeCrlToBytes,
  encodeOcspRequest,
  ocspErrorResponse,
  parseOcspRequest,
  responderKeyHash,
  RevocationError,
  type CrlEntry,
  type OcspCertStatus,
} from '../../../src/pki/revocation/index.js';
import { keyObjectSigner, type Signer } from '../../../src/pki/signer.js';
import { StatusError, crlUrlsOf, evaluateCrl, evaluateOcspResponse, ocspCertId, ocspUrlsOf, type StatusErrorCode } from '../../../src/pki/status/index.js';
import { issueCertificate, parseCertificate, type ParsedCertificate, type ProfileName } from '../../../src/pki/x509/index.js';
import { URLS, makePki, signers } from '../x509/helpers.js';

/**
 * Whether an OCSP response (RFC 6960 3.2, 4.2.2.2) or a CRL (RFC 5280 6.3) can decide a certificate's
 * status: built here with the project's own OCSP and CRL writers, then broken one way at a time.
 */

const NOW = new Date('2026-06-01T12:00:00Z');
const pki = makePki(new Date('2026-03-14T15:30:00Z'));
const issue = (profile: ProfileName) => {
  const r = pki.request(profile);
  return parseCertificate(issueCertificate({ profile, ...r }));
};
const ee = issue('card-sign');
const responder = issue('ocsp-responder');
const signCa = parseCertificate(pki.signCa.der);
const authCa = parseCertificate(pki.authCa.der);
const stranger: Signer = keyObjectSigner(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
const certId = ocspCertId(ee, signCa);

function ocsp(p: { status?: OcspCertStatus; signer?: Signer; responderCert?: ParsedCertificate | null; thisUpdate?: Date; nextUpdate?: Date | null; nonce?: Uint8Array; serial?: string } = {}): Uint8Array {
  const signer = p.signer ?? signers().subject;
  const responderCert = p.responderCert === undefined ? responder : p.responderCert;
  const nextUpdate = p.nextUpdate === undefined ? new Date(NOW.getTime() + 3_600_000) : p.nextUpdate;
  return buildOcspResponse({
    ...(responderCert === null ? {} : { responderCertificate: responderCert.der }),
    responderKeyHash: responderKeyHash(signer.publicKeySpki),
    producedAt: NOW,
    responses: [
      {
        certId: p.serial === undefined ? certId : { ...certId, serialNumber: fromHex(p.serial) },
        status: p.status ?? { kind: 'good' },
        thisUpdate: p.thisUpdate ?? new Date(NOW.getTime() - 60_000),
        ...(nextUpdate === null ? {} : { nextUpdate }),
      },
    ],
    ...(p.nonce === undefined ? {} : { nonce: p.nonce }),
    signer,
  });
}

const evaluate = (response: Uint8Array, extra: { nonce?: Uint8Array; time?: Date } = {}) =>
  evaluateOcspResponse({ response, certId, issuer: signCa, time: extra.time ?? NOW, maxAgeMs: 3_600_000, ...(extra.nonce ? { nonce: extra.nonce } : {}) });

function refused(code: StatusErrorCode) {
  return (e: unknown) => e instanceof StatusError && e.code === code;
}

describe('OCSP responses a relying party can use (RFC 6960 3.2)', () => {
  it('takes a good answer from the delegated responder the CA certified, and from the CA itself', () => {
    assert.equal(evaluate(ocsp()).status, 'good');
    assert.equal(evaluate(ocsp({ signer: pki.signCa.signer, responderCert: null })).status, 'good');
  });

  it('reads revoked answers with their time and reason (certificateHold is 6)', () => {
    const revokedAt = new Date('2026-05-30T00:00:00Z');
    const a = evaluate(ocsp({ status: { kind: 'revoked', revocationTime: revokedAt, reason: 6 } }));
    assert.deepEqual(a.status === 'revoked' && [a.revokedAt, a.reason], [revokedAt, 6]);
    assert.equal(evaluate(ocsp({ status: { kind: 'unknown' } })).status, 'unknown');
  });

  it('refuses a responder the CA did not authorise: a certificate without id-kp-OCSPSigning, or a key of its own', () => {
    assert.throws(() => evaluate(ocsp({ responderCert: ee })), refused('ERR_STATUS_OCSP_RESPONDER_UNAUTHORIZED'));
    assert.throws(() => evaluate(ocsp({ signer: stranger, responderCert: null })), refused('ERR_STATUS_OCSP_RESPONDER_UNAUTHORIZED'));
    assert.throws(() => evaluate(ocsp({ signer: pki.authCa.signer, responderCert: authCa })), refused('ERR_STATUS_OCSP_RESPONDER_UNAUTHORIZED'));
    assert.throws(() => evaluate(ocsp(), { time: new Date(responder.notAfter.getTime() + 86_400_000) }), (e) => e instanceof StatusError);
  });

  it('refuses a signature that does not verify', () => {
    const bad = ocsp().slice();
    const at = bad.length - responder.der.length - 20;
    bad[at]! ^= 0x01;
    assert.throws(() => evaluate(bad), refused('ERR_STATUS_OCSP_SIGNATURE'));
  });

  it('refuses an answer about another certificate', () => {
    assert.throws(() => evaluate(ocsp({ serial: '01' })), refused('ERR_STATUS_OCSP_CERT_ID_MISMATCH'));
  });

  it('refuses stale answers: nextUpdate passed, thisUpdate ahead, or too old without nextUpdate', () => {
    assert.throws(() => evaluate(ocsp({ thisUpdate: new Date(NOW.getTime() - 7_200_000), nextUpdate: new Date(NOW.getTime() - 3_600_000) })), refused('ERR_STATUS_OCSP_STALE'));
    assert.throws(() => evaluate(ocsp({ thisUpdate: new Date(NOW.getTime() + 3_600_000), nextUpdate: new Date(NOW.getTime() + 7_200_000) })), refused('ERR_STATUS_OCSP_STALE'));
    assert.throws(() => evaluate(ocsp({ thisUpdate: new Date(NOW.getTime() - 7_200_000), nextUpdate: null })), refused('ERR_STATUS_OCSP_STALE'));
    assert.equal(evaluate(ocsp({ thisUpdate: new Date(NOW.getTime() - 60_000), nextUpdate: null })).status, 'good');
  });

  it('requires the nonce it sent to be echoed byte for byte', () => {
    const { nonceExtnValue } = encodeOcspRequest([certId], { nonce: new Uint8Array(32).fill(7) });
    assert.equal(evaluate(ocsp({ nonce: nonceExtnValue! }), { nonce: nonceExtnValue! }).status, 'good');
    assert.throws(() => evaluate(ocsp(), { nonce: nonceExtnValue! }), refused('ERR_STATUS_OCSP_NONCE_MISMATCH'));
    assert.throws(() => evaluate(ocsp({ nonce: Uint8Array.of(4, 1, 1) }), { nonce: nonceExtnValue! }), refused('ERR_STATUS_OCSP_NONCE_MISMATCH'));
  });

  it('refuses error statuses and bytes that are not a response', () => {
    assert.throws(() => evaluate(ocspErrorResponse('tryLater')), refused('ERR_STATUS_OCSP_RESPONSE_STATUS'));
    assert.throws(() => evaluate(ocspErrorResponse('unauthorized')), refused('ERR_STATUS_OCSP_RESPONSE_STATUS'));
    assert.throws(() => evaluate(Uint8Array.of(0x30, 0x03, 0x0a, 0x01)), refused('ERR_STATUS_OCSP_MALFORMED'));
  });
});

describe('OCSP requests from the client side', () => {
  it('encodes one CertID with an RFC 9654 nonce that the responder parser reads back', () => {
    const nonce = new Uint8Array(32).fill(9);
    const req = encodeOcspRequest([certId], { nonce });
    const parsed = parseOcspRequest(req.der);
    assert.deepEqual(parsed.requests[0]!.serialNumber, certId.serialNumber);
    assert.deepEqual(parsed.nonceValue, nonce);
    assert.deepEqual(parsed.nonce, req.nonceExtnValue);
    assert.equal(parseOcspRequest(encodeOcspRequest([certId]).der).nonce, undefined);
    for (const [bad, code] of [[new Uint8Array(0), 'ERR_OCSP_NONCE_EMPTY'], [new Uint8Array(129), 'ERR_OCSP_NONCE_TOO_LONG']] as const) {
      assert.throws(() => encodeOcspRequest([certId], { nonce: bad }), (e) => e instanceof RevocationError && e.code === code);
    }
    assert.throws(() => encodeOcspRequest([]), (e) => e instanceof RevocationError && e.code === 'ERR_OCSP_NO_REQUESTS');
  });

  it('finds the responder and the CRL the certificate names', () => {
    assert.deepEqual(ocspUrlsOf(ee), [URLS.ocsp]);
    assert.deepEqual(crlUrlsOf(ee), [URLS.crl]);
    assert.deepEqual(ocspUrlsOf(signCa), []);
  });
});

describe('CRLs a relying party can use (RFC 5280 6.3)', () => {
  const entries: CrlEntry[] = [
    { serial: fromHex(ee.serialNumberHex), revocationDate: new Date('2026-05-01T00:00:00Z'), reason: 1 },
    { serial: fromHex('0A0B0C'), revocationDate: new Date('2026-05-02T00:00:00Z'), reason: 6 },
  ];
  const crl = (p: { signer?: Signer; issuer?: Uint8Array; keyId?: Uint8Array; thisUpdate?: Date; nextUpdate?: Date } = {}) =>
    encodeCrlToBytes({
      issuer: p.issuer ?? signCa.subject,
      thisUpdate: p.thisUpdate ?? new Date(NOW.getTime() - 3_600_000),
      nextUpdate: p.nextUpdate ?? new Date(NOW.getTime() + 86_400_000),
      crlNumber: 7n,
      authorityKeyIdentifier: p.keyId ?? pki.signCa.ref.keyIdentifier,
      signer: p.signer ?? pki.signCa.signer,
      entries: () => entries,
    });
  const check = async (bytes: Promise<Uint8Array>, time = NOW) => evaluateCrl({ crl: await bytes, issuer: signCa, time });

  it('says revoked with the date and reason for a listed serial, good for any other', async () => {
    const v = await check(crl());
    assert.equal(v.entries, 2);
    assert.equal(v.crlNumber, 7n);
    const revoked = v.statusOf(ee.serialNumberHex);
    assert.deepEqual(revoked.status === 'revoked' && [revoked.revokedAt, revoked.reason], [entries[0]!.revocationDate, 1]);
    const held = v.statusOf('0a0b0c');
    assert.equal(held.status === 'revoked' && held.reason, 6);
    assert.equal(v.statusOf('01').status, 'good');
  });

  it("refuses another CA's CRL, a CRL signed by another key, a stale CRL, and bytes that are not a CRL", async () => {
    await assert.rejects(check(crl({ issuer: authCa.subject })), refused('ERR_STATUS_CRL_ISSUER_MISMATCH'));
    await assert.rejects(check(crl({ keyId: pki.authCa.ref.keyIdentifier })), refused('ERR_STATUS_CRL_ISSUER_MISMATCH'));
    await assert.rejects(check(crl({ signer: stranger })), refused('ERR_STATUS_CRL_SIGNATURE'));
    await assert.rejects(check(crl({ thisUpdate: new Date(NOW.getTime() - 86_400_000 * 2), nextUpdate: new Date(NOW.getTime() - 86_400_000) })), refused('ERR_STATUS_CRL_STALE'));
    await assert.rejects(check(crl({ thisUpdate: new Date(NOW.getTime() + 3_600_000) })), refused('ERR_STATUS_CRL_STALE'));
    await assert.rejects(check(Promise.resolve(Uint8Array.of(0x30, 0x00))), refused('ERR_STATUS_CRL_MALFORMED'));
  });
});
