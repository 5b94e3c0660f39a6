import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeValue,
  BasicConstraints,
  ExtendedKeyUsage,
  Extension,
  GeneralNames,
  Time,
  Version,
  type TBSCertificate,
} from '@peculiar/asn1-x509';
import {
  DEFAULT_CA_NAMING,
  LintError,
  OID_AUTHORITY_INFO_ACCESS,
  OID_AUTHORITY_KEY_IDENTIFIER,
  OID_BASIC_CONSTRAINTS,
  OID_CERTIFICATE_POLICIES,
  OID_CRL_DISTRIBUTION_POINTS,
  OID_EXTENDED_KEY_USAGE,
  OID_KEY_USAGE,
  OID_OCSP_NOCHECK,
  OID_SUBJECT_ALT_NAME,
  OID_SUBJECT_KEY_IDENTIFIER,
  POLICY_CARD_AUTH,
  basicFourGeneralNames,
  basicFourOtherName,
  BASIC_FOUR_OIDS,
  caNaming,
  caValidity,
  certificatePoliciesValue,
  issueCertificate,
  keyUsageValue,
  lintCertificate,
  rsaPublicKeySpki,
  tbsCertificate,
  type LintContext,
  type ProfileName,
  type TbsParams,
} from '../../../src/pki/x509/index.js';
import type { Signer } from '../../../src/pki/signer.js';
import { seededRandom } from '../../helpers/vectors.js';
import { BASIC_FOUR, fromPem, JLIS_SIGN_CA_2023, makePki, spySigner, URLS } from './helpers.js';

const pki = makePki(new Date('2026-03-14T15:30:00Z'));
const random = seededRandom(42);
const DAY = 86400_000;

interface Request {
  tbsParams: TbsParams;
  lintContext: LintContext;
  signer: Signer;
}

/** Valid parameters for any of the seven profiles. */
function requestFor(profile: ProfileName): Request {
  if (profile === 'ca-sign' || profile === 'ca-auth') {
    const hierarchy = profile === 'ca-sign' ? 'sign' : 'auth';
    const ca = hierarchy === 'sign' ? pki.signCa : pki.authCa;
    const names = DEFAULT_CA_NAMING[hierarchy];
    return {
      signer: ca.signer,
      lintContext: { naming: DEFAULT_CA_NAMING },
      tbsParams: {
        serialNumber: Uint8Array.of(0x01),
        issuer: names.subject,
        subject: names.subject,
        ...caValidity(pki.issuedAt),
        subjectPublicKeyInfo: ca.signer.publicKeySpki,
        subjectAltName: names.subjectAltName,
      },
    };
  }
  return pki.request(profile);
}

function ext(tbs: TBSCertificate, oid: string): Extension {
  const found = tbs.extensions!.find((e) => e.extnID === oid);
  assert.ok(found, `no ${oid}`);
  return found;
}

function setValue(tbs: TBSCertificate, oid: string, value: Uint8Array): void {
  ext(tbs, oid).extnValue = new OctetString(value);
}

function extensionIndex(tbs: TBSCertificate, oid: string): number {
  return tbs.extensions!.findIndex((e) => e.extnID === oid);
}

function fakeSpki(bits: number, e: number[]): Uint8Array {
  const n = random(bits / 8);
  n[0] = n[0]! | 0x80;
  return rsaPublicKeySpki(n, Uint8Array.from(e));
}

const der = (value: object): Uint8Array => new Uint8Array(AsnConvert.serialize(value));
const plusDays = (d: Date, days: number): Date => new Date(d.getTime() + days * DAY);

interface Case {
  label: string;
  profile: ProfileName;
  code: string;
  params?: (p: TbsParams) => TbsParams;
  tbs?: (tbs: TBSCertificate) => void;
  context?: (c: LintContext) => LintContext;
}

const cases: Case[] = [
  // key usage and criticality
  { label: 'sign certificate with digitalSignature only', profile: 'card-sign', code: 'KEY_USAGE_WRONG', tbs: (t) => setValue(t, OID_KEY_USAGE, keyUsageValue(['digitalSignature'])) },
  { label: 'auth certificate with nonRepudiation', profile: 'phone-auth', code: 'KEY_USAGE_WRONG', tbs: (t) => setValue(t, OID_KEY_USAGE, keyUsageValue(['digitalSignature', 'nonRepudiation'])) },
  { label: 'CA without cRLSign', profile: 'ca-auth', code: 'KEY_USAGE_WRONG', tbs: (t) => setValue(t, OID_KEY_USAGE, keyUsageValue(['keyCertSign'])) },
  { label: 'keyUsage not critical', profile: 'card-auth', code: 'EXTENSION_CRITICALITY', tbs: (t) => void (ext(t, OID_KEY_USAGE).critical = false) },
  { label: 'certificatePolicies not critical', profile: 'phone-sign', code: 'EXTENSION_CRITICALITY', tbs: (t) => void (ext(t, OID_CERTIFICATE_POLICIES).critical = false) },
  { label: 'basicConstraints not critical', profile: 'ca-sign', code: 'EXTENSION_CRITICALITY', tbs: (t) => void (ext(t, OID_BASIC_CONSTRAINTS).critical = false) },
  { label: 'SKI marked critical', profile: 'ocsp-responder', code: 'EXTENSION_CRITICALITY', tbs: (t) => void (ext(t, OID_SUBJECT_KEY_IDENTIFIER).critical = true) },
  // presence, order
  {
    label: 'SAN with the basic four on an auth certificate',
    profile: 'card-auth',
    code: 'SAN_NOT_ALLOWED',
    tbs: (t) => t.extensions!.splice(2, 0, new Extension({ extnID: OID_SUBJECT_ALT_NAME, extnValue: new OctetString(der(basicFourGeneralNames(BASIC_FOUR, pki.issuedAt))) })),
  },
  {
    label: 'extendedKeyUsage on a card certificate',
    profile: 'card-sign',
    code: 'EXTENSION_NOT_ALLOWED',
    tbs: (t) => t.extensions!.push(new Extension({ extnID: OID_EXTENDED_KEY_USAGE, extnValue: new OctetString(der(new ExtendedKeyUsage(['1.3.6.1.5.5.7.3.4']))) })),
  },
  { label: 'AKI on a self-signed CA', profile: 'ca-sign', code: 'EXTENSION_NOT_ALLOWED', tbs: (t) => t.extensions!.push(new Extension({ extnID: OID_AUTHORITY_KEY_IDENTIFIER, extnValue: new OctetString(Uint8Array.of(0x30, 0x00)) })) },
  { label: 'no authorityInfoAccess', profile: 'card-auth', code: 'EXTENSION_MISSING', tbs: (t) => void t.extensions!.splice(extensionIndex(t, OID_AUTHORITY_INFO_ACCESS), 1) },
  { label: 'OCSP responder without nocheck', profile: 'ocsp-responder', code: 'EXTENSION_MISSING', tbs: (t) => void t.extensions!.splice(extensionIndex(t, OID_OCSP_NOCHECK), 1) },
  { label: 'SKI twice', profile: 'phone-auth', code: 'EXTENSION_DUPLICATE', tbs: (t) => t.extensions!.push(ext(t, OID_SUBJECT_KEY_IDENTIFIER)) },
  {
    label: 'AKI and SKI swapped',
    profile: 'card-sign',
    code: 'EXTENSION_ORDER',
    tbs: (t) => {
      const a = extensionIndex(t, OID_AUTHORITY_KEY_IDENTIFIER);
      const s = extensionIndex(t, OID_SUBJECT_KEY_IDENTIFIER);
      [t.extensions![a], t.extensions![s]] = [t.extensions![s]!, t.extensions![a]!];
    },
  },
  { label: 'a CRLDP that does not decode', profile: 'card-sign', code: 'EXTENSION_MALFORMED', tbs: (t) => setValue(t, OID_CRL_DISTRIBUTION_POINTS, Uint8Array.of(0x30, 0x03, 0x02)) },
  // extension values
  { label: 'basicConstraints with pathLen 0', profile: 'ca-sign', code: 'BASIC_CONSTRAINTS_WRONG', tbs: (t) => setValue(t, OID_BASIC_CONSTRAINTS, der(new BasicConstraints({ cA: true, pathLenConstraint: 0 }))) },
  { label: 'OCSP responder for serverAuth', profile: 'ocsp-responder', code: 'EKU_WRONG', tbs: (t) => setValue(t, OID_EXTENDED_KEY_USAGE, der(new ExtendedKeyUsage(['1.3.6.1.5.5.7.3.1']))) },
  { label: 'nocheck that is not NULL', profile: 'ocsp-responder', code: 'OCSP_NOCHECK_WRONG', tbs: (t) => setValue(t, OID_OCSP_NOCHECK, Uint8Array.of(0x04, 0x00)) },
  { label: 'SKI of another key', profile: 'card-auth', code: 'SKI_WRONG', tbs: (t) => setValue(t, OID_SUBJECT_KEY_IDENTIFIER, Uint8Array.of(0x04, 0x14, ...random(20))) },
  { label: 'AKI of another key', profile: 'phone-sign', code: 'AKI_WRONG', params: (p) => ({ ...p, authorityKeyIdentifier: random(20) }) },
  { label: 'test policy issued in production', profile: 'card-sign', code: 'POLICY_WRONG', params: (p) => ({ ...p, mode: 'test' }) },
  { label: 'production policy linted as test', profile: 'phone-sign', code: 'POLICY_WRONG', context: (c) => ({ ...c, mode: 'test' }) },
  { label: 'phone auth with the card auth policy', profile: 'phone-auth', code: 'POLICY_WRONG', tbs: (t) => setValue(t, OID_CERTIFICATE_POLICIES, certificatePoliciesValue(POLICY_CARD_AUTH, URLS.cps)) },
  { label: 'a CPS that is not the CA’s', profile: 'card-auth', code: 'POLICY_QUALIFIER_WRONG', params: (p) => ({ ...p, cpsUri: 'http://elsewhere.test/cps' }) },
  { label: 'a CRL URI that is not the CA’s', profile: 'card-sign', code: 'CRL_DP_WRONG', params: (p) => ({ ...p, crlUri: 'http://elsewhere.test/crl' }) },
  { label: 'an OCSP URI that is not the CA’s', profile: 'phone-auth', code: 'AIA_WRONG', params: (p) => ({ ...p, ocspUri: 'https://elsewhere.test/ocsp' }) },
  { label: 'issuerAltName of another organisation', profile: 'card-auth', code: 'ISSUER_ALT_NAME_WRONG', params: (p) => ({ ...p, issuerAltName: [['C', 'JP'], ['O', 'Other']] }) },
  { label: 'CA subjectAltName not the configured one', profile: 'ca-sign', code: 'SAN_WRONG', params: (p) => ({ ...p, subjectAltName: DEFAULT_CA_NAMING.auth.subjectAltName }) },
  {
    label: 'basic four in the wrong order',
    profile: 'card-sign',
    code: 'BASIC_FOUR_INVALID',
    tbs: (t) => {
      const names = [...basicFourGeneralNames(BASIC_FOUR, pki.issuedAt)];
      setValue(t, OID_SUBJECT_ALT_NAME, der(new GeneralNames([names[1]!, names[0]!, ...names.slice(2)])));
    },
  },
  {
    label: 'basic four with sex 4',
    profile: 'phone-sign',
    code: 'BASIC_FOUR_INVALID',
    tbs: (t) => {
      const names = [...basicFourGeneralNames(BASIC_FOUR, pki.issuedAt)];
      names[2] = basicFourOtherName(BASIC_FOUR_OIDS[2]!, '4');
      setValue(t, OID_SUBJECT_ALT_NAME, der(new GeneralNames(names)));
    },
  },
  // key
  { label: '1024-bit key', profile: 'card-auth', code: 'KEY_SIZE', params: (p) => ({ ...p, subjectPublicKeyInfo: fakeSpki(1024, [1, 0, 1]) }) },
  { label: 'e = 3', profile: 'card-sign', code: 'KEY_EXPONENT', params: (p) => ({ ...p, subjectPublicKeyInfo: fakeSpki(2048, [3]) }) },
  {
    label: 'EC key',
    profile: 'phone-auth',
    code: 'KEY_NOT_RSA',
    params: (p) => ({ ...p, subjectPublicKeyInfo: new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' })) }),
  },
  // header
  { label: 'negative serial', profile: 'card-auth', code: 'SERIAL_NOT_POSITIVE', params: (p) => ({ ...p, serialNumber: Uint8Array.of(0x80, 0x01) }) },
  { label: 'serial zero', profile: 'card-auth', code: 'SERIAL_NOT_POSITIVE', params: (p) => ({ ...p, serialNumber: Uint8Array.of(0) }) },
  { label: 'serial of 21 octets', profile: 'ocsp-responder', code: 'SERIAL_TOO_LONG', params: (p) => ({ ...p, serialNumber: Uint8Array.of(0x01, ...random(20)) }) },
  { label: 'serial with a superfluous 00', profile: 'card-sign', code: 'SERIAL_NOT_MINIMAL', params: (p) => ({ ...p, serialNumber: Uint8Array.of(0x00, 0x01) }) },
  { label: 'version 2', profile: 'card-auth', code: 'VERSION_NOT_V3', tbs: (t) => void (t.version = Version.v2) },
  { label: 'sha1WithRSAEncryption', profile: 'card-sign', code: 'SIGNATURE_ALGORITHM', tbs: (t) => void (t.signature = new AlgorithmIdentifier({ algorithm: '1.2.840.113549.1.1.5', parameters: null })) },
  { label: 'sha256WithRSA without NULL parameters', profile: 'ca-auth', code: 'SIGNATURE_ALGORITHM', tbs: (t) => void (t.signature = new AlgorithmIdentifier({ algorithm: '1.2.840.113549.1.1.11' })) },
  { label: 'a subject unique identifier', profile: 'card-auth', code: 'UNIQUE_ID_PRESENT', tbs: (t) => void (t.subjectUniqueID = Uint8Array.of(1, 2).buffer) },
  // names
  { label: 'issued under the auth CA name', profile: 'card-sign', code: 'ISSUER_MISMATCH', params: (p) => ({ ...p, issuer: pki.authCa.ref.subject }) },
  { label: 'self-signed CA whose issuer is another name', profile: 'ca-sign', code: 'ISSUER_MISMATCH', params: (p) => ({ ...p, issuer: DEFAULT_CA_NAMING.auth.subject }) },
  {
    label: 'CA subject not the configured name',
    profile: 'ca-auth',
    code: 'SUBJECT_WRONG',
    params: (p) => ({ ...p, subject: [['C', 'JP'], ['O', 'Other'], ['OU', 'a'], ['OU', 'b']], issuer: [['C', 'JP'], ['O', 'Other'], ['OU', 'a'], ['OU', 'b']] }),
  },
  {
    label: 'a CA named like the real J-LIS',
    profile: 'ca-sign',
    code: 'REAL_JLIS_NAME',
    params: (p) => ({ ...p, subject: REAL_SIGN_CA, issuer: REAL_SIGN_CA }),
    context: (c) => ({ ...c, naming: caNaming({ sign: { ...DEFAULT_CA_NAMING.sign, subject: REAL_SIGN_CA } }) }),
  },
  { label: 'auth subject with an O', profile: 'card-auth', code: 'SUBJECT_SHAPE', params: (p) => ({ ...p, subject: [['C', 'JP'], ['O', 'x'], ['CN', 'id']] }) },
  { label: 'sign subject without localities', profile: 'phone-sign', code: 'SUBJECT_SHAPE', params: (p) => ({ ...p, subject: [['C', 'JP'], ['CN', 'id']] }) },
  { label: 'subject C as UTF8String', profile: 'card-auth', code: 'DN_STRING_TYPE', tbs: (t) => void (t.subject[0]![0]!.value = new AttributeValue({ utf8String: 'JP' })) },
  { label: 'subject C=US', profile: 'card-auth', code: 'DN_VALUE', params: (p) => ({ ...p, subject: [['C', 'US'], ['CN', 'id']] }) },
  {
    label: 'localities that are not the address',
    profile: 'card-sign',
    code: 'SUBJECT_ADDRESS_MISMATCH',
    params: (p) => ({ ...p, subject: [['C', 'JP'], ['L', '大阪府'], ['L', '大阪市北区'], ['CN', 'id']] }),
  },
  // validity
  { label: 'notAfter one second before 14:59:59Z', profile: 'card-auth', code: 'VALIDITY_NOT_END_OF_DAY', params: (p) => ({ ...p, notAfter: new Date(p.notAfter.getTime() - 1000) }) },
  { label: 'notAfter before notBefore', profile: 'phone-auth', code: 'VALIDITY_ORDER', params: (p) => ({ ...p, notAfter: new Date('2026-03-13T14:59:59Z') }) },
  { label: 'notAfter as GeneralizedTime before 2050', profile: 'card-auth', code: 'VALIDITY_TIME_ENCODING', tbs: (t) => void (t.validity.notAfter = new Time({ generalTime: t.validity.notAfter.getTime() })) },
  { label: 'card certificate past the 5th birthday', profile: 'card-sign', code: 'VALIDITY_TOO_LONG', params: (p) => ({ ...p, notAfter: plusDays(p.notAfter, 1) }) },
  { label: 'card certificate past the card', profile: 'card-auth', code: 'VALIDITY_EXCEEDS_CARD', context: (c) => ({ ...c, holder: { ...c.holder, cardExpiry: '2030-12-31' } }) },
  { label: 'phone certificate outliving its card certificate', profile: 'phone-sign', code: 'VALIDITY_EXCEEDS_CARD_CERTIFICATE', params: (p) => ({ ...p, notAfter: plusDays(p.notAfter, 1) }) },
  { label: 'CA of 11 years', profile: 'ca-sign', code: 'VALIDITY_TOO_LONG', params: (p) => ({ ...p, notAfter: plusDays(p.notAfter, 365) }) },
  { label: 'OCSP responder of 2 years', profile: 'ocsp-responder', code: 'VALIDITY_TOO_LONG', params: (p) => ({ ...p, notAfter: plusDays(p.notAfter, 365) }) },
  { label: 'OCSP responder outliving its CA', profile: 'ocsp-responder', code: 'VALIDITY_EXCEEDS_ISSUER', context: (c) => ({ ...c, issuer: { ...c.issuer!, notAfter: new Date('2026-12-31T14:59:59Z') } }) },
  // context
  { label: 'phone certificate linted without its card certificate', profile: 'phone-auth', code: 'CONTEXT_MISSING', context: ({ cardCertificateNotAfter: _, ...c }) => c },
  { label: 'end entity linted without a mode', profile: 'card-auth', code: 'CONTEXT_MISSING', context: ({ mode: _, ...c }) => c },
  { label: 'end entity linted without its CA', profile: 'card-sign', code: 'CONTEXT_MISSING', context: ({ issuer: _, ...c }) => c },
];

const REAL_SIGN_CA: [ 'C' | 'O' | 'OU', string][] = [
  ['C', 'JP'],
  ['O', 'JPKI'],
  ['OU', 'JPKI for digital signature'],
  ['OU', 'Japan Agency for Local Authority Information Systems'],
];

describe('lint: each broken rule is refused before anything is signed', () => {
  for (const c of cases) {
    it(`${c.profile}: ${c.label} → ${c.code}`, () => {
      const r = requestFor(c.profile);
      const params = c.params ? c.params(r.tbsParams) : r.tbsParams;
      const lintContext = c.context ? c.context(r.lintContext) : r.lintContext;
      const spy = spySigner(r.signer);
      let input: { tbsParams: TbsParams } | { tbs: TBSCertificate } = { tbsParams: params };
      if (c.tbs) {
        const tbs = tbsCertificate(c.profile, params);
        c.tbs(tbs);
        input = { tbs };
      }
      assert.throws(
        () => issueCertificate({ profile: c.profile, signer: spy.signer, lintContext, ...input }),
        (e) => {
          assert.ok(e instanceof LintError, String(e));
          assert.equal(e.code, 'ERR_CERT_LINT');
          assert.deepEqual([...new Set(e.issues.map((i) => i.code))], [c.code], JSON.stringify(e.issues));
          return true;
        },
      );
      assert.equal(spy.calls(), 0, 'the signer was called');
    });
  }
});

describe('lint: conforming certificates', () => {
  const profiles: ProfileName[] = ['ca-sign', 'ca-auth', 'ocsp-responder', 'card-sign', 'card-auth', 'phone-sign', 'phone-auth'];
  for (const profile of profiles) {
    it(`${profile} issues, signed once, and the certificate lints clean`, () => {
      const r = requestFor(profile);
      const spy = spySigner(r.signer);
      const cert = issueCertificate({ profile, signer: spy.signer, lintContext: r.lintContext, tbsParams: r.tbsParams });
      assert.equal(spy.calls(), 1);
      assert.deepEqual(lintCertificate(cert, profile, r.lintContext), []);
    });
  }

  it('a certificate linted against another profile is refused', () => {
    const r = requestFor('card-sign');
    const cert = issueCertificate({ profile: 'card-sign', ...r });
    const codes = lintCertificate(cert, 'card-auth', { ...r.lintContext, issuer: pki.authCa.ref }).map((i) => i.code);
    for (const code of ['SAN_NOT_ALLOWED', 'KEY_USAGE_WRONG', 'POLICY_WRONG', 'SUBJECT_SHAPE', 'ISSUER_MISMATCH']) assert.ok(codes.includes(code), code);
  });

  it('checks the outer signatureAlgorithm against the TBS one', () => {
    const r = requestFor('card-auth');
    const cert = issueCertificate({ profile: 'card-auth', ...r });
    // sha256WithRSAEncryption is 2A864886F70D01010B; the outer copy is the second occurrence.
    const hex = Buffer.from(cert).toString('hex');
    const at = hex.lastIndexOf('2a864886f70d01010b');
    const tampered = new Uint8Array(Buffer.from(hex.slice(0, at) + '2a864886f70d010105' + hex.slice(at + 18), 'hex'));
    assert.deepEqual(lintCertificate(tampered, 'card-auth', r.lintContext).map((i) => i.code), ['SIGNATURE_ALGORITHM_MISMATCH']);
    assert.deepEqual(lintCertificate(Uint8Array.of(0x30, 0x01, 0x00), 'card-auth', r.lintContext).map((i) => i.code), ['DER_INVALID']);
  });

  it('the real J-LIS sign CA differs from this profile only where this emulation must differ', () => {
    const codes = [...new Set(lintCertificate(fromPem(JLIS_SIGN_CA_2023), 'ca-sign').map((i) => i.code))].sort();
    // its directoryName cRLDistributionPoints (not used here) and its J-LIS names (never reused here)
    assert.deepEqual(codes, ['EXTENSION_NOT_ALLOWED', 'REAL_JLIS_NAME']);
  });
});
