import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TBSCertificate } from '@peculiar/asn1-x509';
import { hasCode } from '../../../src/errors/index.js';
import type { Signer } from '../../../src/pki/signer.js';
import { DEFAULT_CA_NAMING, caValidity, issueCertificate, type ProfileName, type TbsParams } from '../../../src/pki/x509/index.js';
import { BASIC_FOUR, makePki, spySigner } from './helpers.js';

const pki = makePki(new Date('2026-03-14T15:30:00Z'));

function requestFor(profile: ProfileName): ReturnType<typeof pki.request> {
  if (profile !== 'ca-sign') return pki.request(profile);
  const names = DEFAULT_CA_NAMING.sign;
  return {
    signer: pki.signCa.signer,
    lintContext: { naming: DEFAULT_CA_NAMING },
    tbsParams: {
      serialNumber: Uint8Array.of(0x01),
      issuer: names.subject,
      subject: names.subject,
      ...caValidity(pki.issuedAt),
      subjectPublicKeyInfo: pki.signCa.signer.publicKeySpki,
      subjectAltName: names.subjectAltName,
    },
  };
}

describe('issuing: refusals other than the lint', () => {
  it('refuses a signer without the issuer key, before signing', () => {
    const r = requestFor('card-sign');
    const spy = spySigner(pki.authCa.signer);
    assert.throws(() => issueCertificate({ profile: 'card-sign', ...r, signer: spy.signer }), (e) => hasCode(e, 'ERR_CERT_SIGNER_MISMATCH'));
    const ca = requestFor('ca-sign');
    assert.throws(() => issueCertificate({ profile: 'ca-sign', ...ca, signer: spy.signer }), (e) => hasCode(e, 'ERR_CERT_SIGNER_MISMATCH'));
    assert.equal(spy.calls(), 0);
  });

  it('refuses a signature that does not verify (a faulty signer)', () => {
    const r = requestFor('card-auth');
    const faulty: Signer = { ...r.signer, publicKeySpki: r.signer.publicKeySpki, sign: (data) => r.signer.sign(Uint8Array.of(...data, 0)) };
    assert.throws(() => issueCertificate({ profile: 'card-auth', ...r, signer: faulty }), (e) => hasCode(e, 'ERR_CERT_SIGNATURE'));
  });

  it('refuses missing, unused or malformed parameters', () => {
    const sign = requestFor('card-sign');
    const auth = requestFor('card-auth');
    const bad: [ProfileName, TbsParams, string][] = [
      ['card-sign', { ...sign.tbsParams, basicFour: undefined }, 'ERR_CERT_PARAMS'],
      ['card-sign', { ...sign.tbsParams, cpsUri: undefined }, 'ERR_CERT_PARAMS'],
      ['card-auth', { ...auth.tbsParams, basicFour: BASIC_FOUR }, 'ERR_CERT_PARAMS'],
      ['card-auth', { ...auth.tbsParams, subjectAltName: DEFAULT_CA_NAMING.sign.subjectAltName }, 'ERR_CERT_PARAMS'],
      ['card-auth', { ...auth.tbsParams, crlUri: 'ldap://ca.test/crl' }, 'ERR_CERT_PARAMS'],
      ['card-auth', { ...auth.tbsParams, notAfter: new Date(Number.NaN) }, 'ERR_CERT_PARAMS'],
      ['card-sign', { ...sign.tbsParams, basicFour: { ...BASIC_FOUR, sex: 5 as 1 } }, 'ERR_BASIC_FOUR_SEX'],
      ['card-sign', { ...sign.tbsParams, subjectPublicKeyInfo: Uint8Array.of(0x30, 0x00) }, 'ERR_CERT_DER'],
      ['nope' as ProfileName, auth.tbsParams, 'ERR_CERT_PARAMS'],
    ];
    for (const [profile, tbsParams, code] of bad) {
      assert.throws(() => issueCertificate({ profile, tbsParams, signer: sign.signer, lintContext: sign.lintContext }), (e) => hasCode(e, code), code);
    }
    const empty = { profile: 'card-auth' as const, signer: auth.signer, lintContext: auth.lintContext };
    assert.throws(() => issueCertificate(empty as unknown as Parameters<typeof issueCertificate>[0]), (e) => hasCode(e, 'ERR_CERT_PARAMS'));
    // an empty TBSCertificate encodes, and the lint refuses it
    assert.throws(() => issueCertificate({ ...empty, tbs: new TBSCertificate() }), (e) => hasCode(e, 'ERR_CERT_LINT'));
  });
});
