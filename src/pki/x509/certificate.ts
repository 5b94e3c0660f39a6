import { Buffer } from 'node:buffer';
import { verify } from 'node:crypto';
import type { TBSCertificate } from '@peculiar/asn1-x509';
import { bytesEqual, concat } from '../../bytes/index.js';
import type { Signer } from '../signer.js';
import { toDer } from './der.js';
import { CertificateError, LintError } from './errors.js';
import { subjectKeyIdentifier } from './keys.js';
import { lintCertificate } from './lint.js';
import type { IssuerRef, LintContext } from './lint-context.js';
import { DEFAULT_CA_NAMING, type CaNaming, type Hierarchy } from './naming.js';
import { OID_SUBJECT_KEY_IDENTIFIER } from './oids.js';
import { decodeTbsCertificate, extensionOf, parseCertificate } from './parse.js';
import { profileOf, type CertificateProfile, type ProfileName } from './profiles.js';
import { sha256WithRsa, tbsCertificate, type TbsParams } from './tbs.js';
import { caValidity } from './validity.js';

/** X.690 8.1.3: the minimal definite length field. */
function derLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

function tlvBytes(tag: number, content: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(tag), derLength(content.length), content);
}

/**
 * RFC 5280 4.1: `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }`,
 * assembled around the exact bytes that were signed. The BIT STRING has no unused bits (X.690 8.6.2.2).
 */
export function assembleCertificate(tbsDer: Uint8Array, signature: Uint8Array): Uint8Array {
  const bitString = tlvBytes(0x03, concat(Uint8Array.of(0), signature));
  return tlvBytes(0x30, concat(tbsDer, toDer(sha256WithRsa()), bitString));
}

function encodeTbs(tbs: TBSCertificate): Uint8Array {
  try {
    return toDer(tbs);
  } catch (cause) {
    throw new CertificateError('ERR_CERT_PARAMS', 'the TBSCertificate does not encode', { cause });
  }
}

/** One certificate to issue: built from parameters, or a TBSCertificate built elsewhere (it is linted all the same). */
export type IssueRequest = {
  readonly profile: CertificateProfile | ProfileName;
  readonly signer: Signer;
  readonly lintContext: LintContext;
} & ({ readonly tbsParams: TbsParams; readonly tbs?: never } | { readonly tbs: Uint8Array | TBSCertificate; readonly tbsParams?: never });

/**
 * Builds (or takes) the TBSCertificate, lints it against the profile and refuses with `LintError`
 * before anything is signed; checks that the signer holds the issuing key (`ERR_CERT_SIGNER_MISMATCH`);
 * signs, verifies the signature with the signer's public key (a faulty RSA-CRT signature would leak the
 * key, `ERR_CERT_SIGNATURE`), and returns the DER certificate.
 */
export function issueCertificate(request: IssueRequest): Uint8Array {
  const p = profileOf(request.profile);
  let tbsDer: Uint8Array;
  if (request.tbsParams !== undefined) tbsDer = toDer(tbsCertificate(p, request.tbsParams));
  else if (request.tbs instanceof Uint8Array) tbsDer = request.tbs.slice();
  else if (request.tbs !== undefined) tbsDer = encodeTbs(request.tbs);
  else throw new CertificateError('ERR_CERT_PARAMS', 'issueCertificate needs tbsParams or tbs');

  const issues = lintCertificate(tbsDer, p, request.lintContext);
  if (issues.length > 0) throw new LintError(issues);

  const tbs = decodeTbsCertificate(tbsDer);
  const signerSpki = request.signer.publicKeySpki;
  const holdsKey = p.selfSigned
    ? bytesEqual(signerSpki, toDer(tbs.subjectPublicKeyInfo))
    : request.lintContext.issuer !== undefined && bytesEqual(subjectKeyIdentifier(signerSpki), request.lintContext.issuer.keyIdentifier);
  if (!holdsKey) throw new CertificateError('ERR_CERT_SIGNER_MISMATCH', "the signer does not hold the issuer's key");

  const signature = request.signer.sign(tbsDer);
  const ok = verify('sha256', tbsDer, { key: Buffer.from(signerSpki), format: 'der', type: 'spki' }, signature);
  if (!ok) throw new CertificateError('ERR_CERT_SIGNATURE', 'the signer returned a signature that does not verify');
  return assembleCertificate(tbsDer, signature);
}

export interface SelfSignedCaParams {
  readonly hierarchy: Hierarchy;
  readonly signer: Signer;
  readonly serialNumber: Uint8Array;
  readonly issuedAt: Date;
  readonly naming?: CaNaming;
}

/** A self-signed CA certificate (`ca-sign` or `ca-auth`) for the signer's key, valid 10 years from `issuedAt`. */
export function selfSignedCa(params: SelfSignedCaParams): Uint8Array {
  const naming = params.naming ?? DEFAULT_CA_NAMING;
  const names = naming[params.hierarchy];
  const { notBefore, notAfter } = caValidity(params.issuedAt);
  return issueCertificate({
    profile: params.hierarchy === 'sign' ? 'ca-sign' : 'ca-auth',
    signer: params.signer,
    lintContext: { naming },
    tbsParams: {
      serialNumber: params.serialNumber,
      issuer: names.subject,
      subject: names.subject,
      notBefore,
      notAfter,
      subjectPublicKeyInfo: params.signer.publicKeySpki,
      subjectAltName: names.subjectAltName,
    },
  });
}

/**
 * What the lint and the builder need of an issuing CA certificate: its subject DER, its key identifier
 * (the subjectKeyIdentifier extension, else RFC 5280 4.2.1.2 method 1) and its notAfter.
 */
export function issuerRef(caCertificateDer: Uint8Array): IssuerRef {
  const ca = parseCertificate(caCertificateDer);
  const ski = extensionOf(ca, OID_SUBJECT_KEY_IDENTIFIER);
  // extnValue is `04 len <keyid>`; a short form length suffices for any key identifier.
  const keyIdentifier = ski !== undefined && ski.value[0] === 0x04 && ski.value[1] === ski.value.length - 2
    ? ski.value.slice(2)
    : subjectKeyIdentifier(ca.subjectPublicKeyInfo);
  return { subject: ca.subject, keyIdentifier, notAfter: ca.notAfter };
}

/**
 * A serial number from 10 random bytes (80 bits, above the 64 of CA/B BR 7.1): the top bit is cleared so
 * that the INTEGER is positive (RFC 5280 4.1.2.2), and a first byte of 00 becomes 01 so that it stays
 * minimal and 10 octets long. `random(n)` returns n bytes (node:crypto randomBytes, or a seeded source in tests).
 */
export function randomSerial(random: (length: number) => Uint8Array): Uint8Array {
  const bytes = random(10);
  if (!(bytes instanceof Uint8Array) || bytes.length !== 10) {
    throw new CertificateError('ERR_CERT_PARAMS', 'the random source did not return 10 bytes');
  }
  const out = bytes.slice();
  out[0] = (out[0]! & 0x7f) || 0x01;
  return out;
}
