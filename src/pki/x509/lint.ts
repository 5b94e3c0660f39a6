import { Certificate, Version, type TBSCertificate } from '@peculiar/asn1-x509';
import { bytesEqual } from '../../bytes/index.js';
import { splitPrefectureMunicipality } from './address.js';
import type { BasicFour } from './basic-four.js';
import { toDer } from './der.js';
import { CertificateError, type LintIssue } from './errors.js';
import { checkRsa2048 } from './keys.js';
import { collector, type LintContext, type Report } from './lint-context.js';
import { lintExtensions } from './lint-extensions.js';
import { hasShape, lintDn } from './lint-names.js';
import { lintValidity } from './lint-validity.js';
import { encodeName, nameAttributes } from './names.js';
import { OID_SHA256_WITH_RSA } from './oids.js';
import { decodeCertificate, decodeTbsCertificate } from './parse.js';
import { profileOf, type CertificateProfile, type ProfileName } from './profiles.js';

const KEY_ISSUES: Readonly<Record<string, string>> = {
  ERR_CERT_KEY_NOT_RSA: 'KEY_NOT_RSA',
  ERR_CERT_KEY_SIZE: 'KEY_SIZE',
  ERR_CERT_KEY_EXPONENT: 'KEY_EXPONENT',
};

/** True when DER holds a whole Certificate (its first element is the TBSCertificate SEQUENCE). */
function isCertificateDer(der: Uint8Array): boolean {
  const lengthByte = der[1] ?? 0;
  const header = lengthByte < 0x80 ? 2 : 2 + (lengthByte & 0x7f);
  return der[0] === 0x30 && der[header] === 0x30;
}

/**
 * Lints a certificate (DER of a Certificate or TBSCertificate, or either decoded) against its profile
 * before it is signed (style rule 13, after boulder). Returns every issue found; empty means the
 * certificate is exactly what the profile describes.
 */
export function lintCertificate(
  input: Uint8Array | TBSCertificate | Certificate,
  profile: CertificateProfile | ProfileName,
  context: LintContext = {},
): LintIssue[] {
  const p = profileOf(profile);
  const { issues, add } = collector();
  let decoded: TBSCertificate | Certificate;
  if (input instanceof Uint8Array) {
    try {
      decoded = isCertificateDer(input) ? decodeCertificate(input) : decodeTbsCertificate(input);
    } catch (err) {
      if (!(err instanceof CertificateError)) throw err;
      add('DER_INVALID', err.message);
      return issues;
    }
  } else {
    decoded = input;
  }
  let tbs: TBSCertificate;
  if (decoded instanceof Certificate) {
    tbs = decoded.tbsCertificate;
    // RFC 5280 4.1.1.2: signatureAlgorithm "MUST contain the same algorithm identifier as the signature field".
    if (!bytesEqual(toDer(decoded.signatureAlgorithm), toDer(tbs.signature))) {
      add('SIGNATURE_ALGORITHM_MISMATCH', 'signatureAlgorithm differs from the TBSCertificate signature field');
    }
  } else {
    tbs = decoded;
  }
  lintTbs(tbs, p, context, add);
  return issues;
}

function lintTbs(tbs: TBSCertificate, p: CertificateProfile, ctx: LintContext, add: Report): void {
  // RFC 5280 4.1.2.1: "When extensions are used, as expected in this profile, version MUST be 3 (value is 2)."
  if (tbs.version !== Version.v3) add('VERSION_NOT_V3', 'version must be v3');
  lintSerial(new Uint8Array(tbs.serialNumber), add);
  if (tbs.signature.algorithm !== OID_SHA256_WITH_RSA || tbs.signature.parameters !== null) {
    add('SIGNATURE_ALGORITHM', 'signature must be sha256WithRSAEncryption with NULL parameters');
  }
  // RFC 5280 4.1.2.8: "CAs conforming to this profile MUST NOT generate certificates with unique identifiers."
  if (tbs.issuerUniqueID !== undefined || tbs.subjectUniqueID !== undefined) add('UNIQUE_ID_PRESENT', 'unique identifiers are not allowed');
  if (p.role === 'end-entity' && ctx.mode === undefined) add('CONTEXT_MISSING', 'end-entity certificates are linted for a mode');
  lintNames(tbs, p, ctx, add);
  try {
    checkRsa2048(toDer(tbs.subjectPublicKeyInfo));
  } catch (err) {
    if (!(err instanceof CertificateError)) throw err;
    add(KEY_ISSUES[err.code] ?? 'KEY_NOT_RSA', err.message);
  }
  const basicFour = lintExtensions(tbs, p, ctx, add);
  lintValidity(tbs, p, ctx, basicFour, add);
  // Only a subject of the right shape is compared with the address (a wrong shape is already reported).
  if (basicFour !== undefined && hasShape(tbs.subject, p.subject)) lintSubjectAddress(tbs, basicFour, add);
}

/**
 * RFC 5280 4.1.2.2: "The serial number MUST be a positive integer ... Conforming CAs MUST NOT use
 * serialNumber values longer than 20 octets." DER integers are minimal (X.690 8.3.2).
 */
function lintSerial(serial: Uint8Array, add: Report): void {
  if (serial.length === 0 || (serial[0]! & 0x80) !== 0 || serial.every((b) => b === 0)) {
    add('SERIAL_NOT_POSITIVE', 'the serial number must be positive');
  } else if (serial.length > 1 && serial[0] === 0 && (serial[1]! & 0x80) === 0) {
    add('SERIAL_NOT_MINIMAL', 'the serial number has a superfluous leading zero');
  }
  if (serial.length > 20) add('SERIAL_TOO_LONG', 'the serial number is longer than 20 octets');
}

function lintNames(tbs: TBSCertificate, p: CertificateProfile, ctx: LintContext, add: Report): void {
  lintDn(tbs.subject, 'subject', add);
  lintDn(tbs.issuer, 'issuer', add);
  if (!hasShape(tbs.subject, p.subject)) add('SUBJECT_SHAPE', `subject must be ${p.subject.join(', ')}`);
  const issuer = encodeName(tbs.issuer);
  const expectedCa = p.hierarchy === undefined ? undefined : ctx.naming?.[p.hierarchy].subject;
  if (p.selfSigned) {
    // RFC 5280 6.1: a self-signed certificate's issuer and subject are the same name.
    if (!bytesEqual(issuer, encodeName(tbs.subject))) add('ISSUER_MISMATCH', 'a CA certificate is self-signed');
    if (expectedCa !== undefined && !bytesEqual(encodeName(tbs.subject), encodeName(expectedCa))) {
      add('SUBJECT_WRONG', 'the CA subject is not the configured name');
    }
    return;
  }
  if (ctx.issuer === undefined) {
    add('CONTEXT_MISSING', `a ${p.name} certificate is linted against its issuing CA`);
  } else if (!bytesEqual(issuer, ctx.issuer.subject)) {
    add('ISSUER_MISMATCH', "issuer is not the CA certificate's subject");
  }
  if (expectedCa !== undefined && !bytesEqual(issuer, encodeName(expectedCa))) {
    add('ISSUER_MISMATCH', `issuer is not the ${p.hierarchy} CA`);
  }
}

/** jpki-ap.md 3.2: the signature certificate's two L attributes are the prefecture and municipality of the address. */
function lintSubjectAddress(tbs: TBSCertificate, b: BasicFour, add: Report): void {
  const localities = nameAttributes(tbs.subject).filter((a) => a.shortName === 'L').map((a) => a.value);
  let expected: string[];
  try {
    const { prefecture, municipality } = splitPrefectureMunicipality(b.address);
    expected = [prefecture, municipality];
  } catch {
    add('SUBJECT_ADDRESS_MISMATCH', 'the address has no prefecture and municipality for the subject');
    return;
  }
  if (localities.length !== 2 || localities[0] !== expected[0] || localities[1] !== expected[1]) {
    add('SUBJECT_ADDRESS_MISMATCH', 'subject L, L are not the prefecture and municipality of the address');
  }
}
