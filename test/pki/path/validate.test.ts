import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { PathError, keyUsageOf, trustAnchor, validatePath, type PathErrorCode } from '../../../src/pki/path/index.js';
import { keyObjectSigner } from '../../../src/pki/signer.js';
import { issueCertificate, issuerRef, parseCertificate, randomSerial, selfSignedCa, type ProfileName } from '../../../src/pki/x509/index.js';
import { seededRandom } from '../../helpers/vectors.js';
import { JLIS_AUTH_CA_2023, JLIS_SIGN_CA_2023, fromPem, makePki } from '../x509/helpers.js';

/** Path validation over JPKI-profile certificates: one level, several CA generations sharing a name. */

const ISSUED = new Date('2026-03-14T15:30:00Z');
const pki = makePki(ISSUED);
const LATER = new Date('2026-06-01T00:00:00Z');

function issue(profile: ProfileName, ca = pki.signCa): Uint8Array {
  const r = pki.request(profile);
  return issueCertificate({
    profile,
    signer: ca.signer,
    lintContext: { ...r.lintContext, issuer: ca.ref },
    tbsParams: { ...r.tbsParams, issuer: ca.ref.subject, authorityKeyIdentifier: ca.ref.keyIdentifier },
  });
}

/** A second generation of the signature CA: the same name, another key (as `ca rotate` makes). */
const nextSigner = keyObjectSigner(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
const nextDer = selfSignedCa({ hierarchy: 'sign', signer: nextSigner, serialNumber: randomSerial(seededRandom(9)), issuedAt: new Date('2026-01-01T00:00:00Z') });
const nextCa = { signer: nextSigner, der: nextDer, ref: issuerRef(nextDer) };

const anchors = [trustAnchor(pki.signCa.der), trustAnchor(pki.authCa.der)];

function refused(code: PathErrorCode, depth?: number) {
  return (e: unknown) => e instanceof PathError && e.code === code && (depth === undefined || e.depth === depth);
}

describe('path validation: JPKI end entities to their CA generation', () => {
  it('chains a card signature certificate to the signature CA, and reads its key usage', () => {
    const ee = issue('card-sign');
    const path = validatePath({ certificate: ee, anchors, time: LATER });
    assert.deepEqual(path.anchor.der, pki.signCa.der);
    assert.deepEqual(path.intermediates, []);
    assert.deepEqual([...keyUsageOf(path.endEntity)!].sort(), ['digitalSignature', 'nonRepudiation']);
    assert.deepEqual([...keyUsageOf(parseCertificate(issue('phone-auth', pki.authCa)))!], ['digitalSignature']);
  });

  it('picks, among generations that share a name, the one whose key identifier and key match', () => {
    const both = [trustAnchor(pki.signCa.der), trustAnchor(nextDer)];
    assert.deepEqual(validatePath({ certificate: issue('card-sign', nextCa), anchors: both, time: LATER }).anchor.der, nextDer);
    assert.deepEqual(validatePath({ certificate: issue('card-sign'), anchors: [...both].reverse(), time: LATER }).anchor.der, pki.signCa.der);
  });

  it('refuses a certificate of a CA it does not trust, even one with the same name: ERR_PATH_ISSUER_UNKNOWN', () => {
    assert.throws(() => validatePath({ certificate: issue('card-sign', nextCa), anchors, time: LATER }), refused('ERR_PATH_ISSUER_UNKNOWN', 0));
    assert.throws(() => validatePath({ certificate: issue('card-auth', pki.authCa), anchors: [trustAnchor(pki.signCa.der)], time: LATER }), refused('ERR_PATH_ISSUER_UNKNOWN', 0));
  });

  it('refuses a certificate whose signature was altered: ERR_PATH_SIGNATURE_INVALID', () => {
    const ee = issue('card-sign').slice();
    ee[ee.length - 10]! ^= 0x40;
    assert.throws(() => validatePath({ certificate: ee, anchors, time: LATER }), refused('ERR_PATH_SIGNATURE_INVALID', 0));
  });

  it('judges validity at the time given: ERR_PATH_EXPIRED after notAfter, ERR_PATH_NOT_YET_VALID before notBefore', () => {
    const ee = issue('card-sign');
    const { notBefore, notAfter } = parseCertificate(ee);
    assert.ok(validatePath({ certificate: ee, anchors, time: notAfter }));
    assert.throws(() => validatePath({ certificate: ee, anchors, time: new Date(notAfter.getTime() + 1000) }), refused('ERR_PATH_EXPIRED', 0));
    assert.throws(() => validatePath({ certificate: ee, anchors, time: new Date(notBefore.getTime() - 1000) }), refused('ERR_PATH_NOT_YET_VALID', 0));
  });

  it('takes only CA certificates as anchors (ERR_PATH_ANCHOR_INVALID), the real J-LIS 2023 CAs among them', () => {
    assert.throws(() => trustAnchor(issue('card-sign')), refused('ERR_PATH_ANCHOR_INVALID'));
    assert.throws(() => trustAnchor(issue('ocsp-responder')), refused('ERR_PATH_ANCHOR_INVALID'));
    assert.throws(() => trustAnchor(Uint8Array.of(0x30, 0x00)), refused('ERR_PATH_ANCHOR_INVALID'));
    const broken = pki.signCa.der.slice();
    broken[broken.length - 5]! ^= 1;
    assert.throws(() => trustAnchor(broken), refused('ERR_PATH_ANCHOR_INVALID'));
    for (const real of [JLIS_SIGN_CA_2023, JLIS_AUTH_CA_2023]) assert.equal(trustAnchor(fromPem(real)).subjectString.includes('JPKI'), true);
  });

  it('refuses bytes that are not a certificate and times that are not dates', () => {
    assert.throws(() => validatePath({ certificate: Uint8Array.of(1, 2, 3), anchors, time: LATER }), refused('ERR_PATH_CERTIFICATE_INVALID', 0));
    assert.throws(() => validatePath({ certificate: issue('card-sign'), anchors, time: new Date(NaN) }), refused('ERR_PATH_PARAMS'));
    assert.throws(() => validatePath({ certificate: 'x' as never, anchors, time: LATER }), refused('ERR_PATH_PARAMS'));
  });
});
