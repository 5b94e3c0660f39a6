import {
  AuthorityInfoAccessSyntax,
  AuthorityKeyIdentifier,
  CRLDistributionPoints,
  GeneralNames,
  type GeneralName,
} from '@peculiar/asn1-x509';
import { bytesEqual } from '../../bytes/index.js';
import { decodeTlv } from '../../tlv/index.js';
import { basicFourFromGeneralNames, basicFourProblems, type BasicFour } from './basic-four.js';
import { decodeDer } from './der.js';
import { isHttpUri } from './extensions.js';
import type { LintContext, Report } from './lint-context.js';
import { hasShape, lintDn } from './lint-names.js';
import { issuerAltNameDn } from './naming.js';
import { encodeName, type Dn } from './names.js';
import { OID_AD_OCSP, OID_QT_CPS, policyOid } from './oids.js';
import { decodeCertificatePolicies } from './policies.js';
import type { CertificateProfile } from './profiles.js';

/** Value checks of the extensions whose value is not one fixed byte string (see lint-extensions.ts). */

function expectUri(uri: string | undefined, expected: string | undefined): boolean {
  return isHttpUri(uri) && (expected === undefined || uri === expected);
}

/** RFC 5280 4.2.1.1: the keyIdentifier form only, equal to the issuer's subject key identifier. */
export function lintAuthorityKeyIdentifier(value: Uint8Array, ctx: LintContext, add: Report): void {
  const aki = decodeDer(value, AuthorityKeyIdentifier, 'authorityKeyIdentifier');
  const keyId = aki.keyIdentifier === undefined ? undefined : new Uint8Array(aki.keyIdentifier.buffer);
  if (keyId === undefined || keyId.length === 0 || aki.authorityCertIssuer !== undefined || aki.authorityCertSerialNumber !== undefined) {
    add('AKI_WRONG', 'authorityKeyIdentifier must be a keyIdentifier alone');
  } else if (ctx.issuer !== undefined && !bytesEqual(keyId, ctx.issuer.keyIdentifier)) {
    add('AKI_WRONG', "authorityKeyIdentifier is not the issuer's key identifier");
  }
}

/** RFC 5280 4.2.1.4 with jpki-ap.md 3.2: one policy, the profile's OID for the mode, one CPS URI qualifier. */
export function lintCertificatePolicies(value: Uint8Array, p: CertificateProfile, ctx: LintContext, add: Report): void {
  const policies = decodeCertificatePolicies(value);
  const info = policies[0];
  if (policies.length !== 1 || info === undefined || p.policy === undefined) {
    add('POLICY_WRONG', 'certificatePolicies must hold exactly one policy');
    return;
  }
  if (ctx.mode !== undefined && info.oid !== policyOid(p.policy, ctx.mode)) {
    add('POLICY_WRONG', `policy ${info.oid} is not the ${ctx.mode} policy of ${p.policy}`);
  }
  const q = info.qualifiers[0];
  let uri: string | undefined;
  if (info.qualifiers.length === 1 && q !== undefined && q.id === OID_QT_CPS) {
    const node = decodeTlv(q.qualifier);
    if (node.tag === 0x16 && !node.constructed) uri = new TextDecoder().decode(node.value);
  }
  if (!expectUri(uri, ctx.urls?.cps)) add('POLICY_QUALIFIER_WRONG', 'the policy needs exactly one CPS URI qualifier (the CA’s)');
}

function oneDirectoryName(value: Uint8Array, what: string): GeneralName['directoryName'] {
  const names = decodeDer(value, GeneralNames, what);
  return names.length === 1 ? names[0]!.directoryName : undefined;
}

/** A CA's subjectAltName: one directoryName, well-formed, equal to the naming when one is given. */
export function lintCaSubjectAltName(value: Uint8Array, p: CertificateProfile, ctx: LintContext, add: Report): void {
  const dn = oneDirectoryName(value, 'subjectAltName');
  if (dn === undefined || !hasShape(dn, ['C', 'O', 'OU', 'OU'])) {
    add('SAN_WRONG', 'a CA subjectAltName is one directoryName C, O, OU, OU');
    return;
  }
  lintDn(dn, 'subjectAltName directoryName', add);
  const expected: Dn | undefined = p.hierarchy === undefined ? undefined : ctx.naming?.[p.hierarchy].subjectAltName;
  if (expected !== undefined && !bytesEqual(encodeName(dn), encodeName(expected))) {
    add('SAN_WRONG', 'subjectAltName is not the configured directoryName');
  }
}

/**
 * A signature certificate's subjectAltName: exactly the six basic-four otherNames in order with valid
 * values (`BASIC_FOUR_INVALID`). Returns them for the validity and subject checks.
 */
export function lintBasicFourSubjectAltName(value: Uint8Array, notBefore: Date, add: Report): BasicFour | undefined {
  let b: BasicFour | undefined;
  try {
    b = basicFourFromGeneralNames(decodeDer(value, GeneralNames, 'subjectAltName'));
  } catch (err) {
    add('BASIC_FOUR_INVALID', `subjectAltName: ${(err as Error).message}`);
    return undefined;
  }
  if (b === undefined) {
    add('BASIC_FOUR_INVALID', 'subjectAltName does not carry the basic four information');
    return undefined;
  }
  for (const problem of basicFourProblems(b, notBefore)) add('BASIC_FOUR_INVALID', problem.message);
  return b;
}

/** jpki-ap.md 3.2: issuerAltName is the directoryName `C=JP, O=<organisation>`. */
export function lintIssuerAltName(value: Uint8Array, ctx: LintContext, add: Report): void {
  const dn = oneDirectoryName(value, 'issuerAltName');
  if (dn === undefined || !hasShape(dn, ['C', 'O'])) {
    add('ISSUER_ALT_NAME_WRONG', 'issuerAltName is one directoryName C=JP, O=…');
    return;
  }
  lintDn(dn, 'issuerAltName directoryName', add);
  if (ctx.naming !== undefined && !bytesEqual(encodeName(dn), encodeName(issuerAltNameDn(ctx.naming)))) {
    add('ISSUER_ALT_NAME_WRONG', 'issuerAltName is not the configured directoryName');
  }
}

/** RFC 5280 4.2.1.13: one distribution point, a full name that is one http URI, no reasons or cRLIssuer. */
export function lintCrlDistributionPoints(value: Uint8Array, ctx: LintContext, add: Report): void {
  const points = decodeDer(value, CRLDistributionPoints, 'cRLDistributionPoints');
  const point = points[0];
  const fullName = point?.distributionPoint?.fullName;
  const ok =
    points.length === 1 &&
    point !== undefined &&
    point.reasons === undefined &&
    point.cRLIssuer === undefined &&
    fullName !== undefined &&
    fullName.length === 1 &&
    expectUri(fullName[0]!.uniformResourceIdentifier, ctx.urls?.crl);
  if (!ok) add('CRL_DP_WRONG', 'cRLDistributionPoints must be one full-name http URI (the CA’s)');
}

/** RFC 5280 4.2.2.1: one id-ad-ocsp access description with an http URI. */
export function lintAuthorityInfoAccess(value: Uint8Array, ctx: LintContext, add: Report): void {
  const access = decodeDer(value, AuthorityInfoAccessSyntax, 'authorityInfoAccess');
  const d = access[0];
  const ok =
    access.length === 1 &&
    d !== undefined &&
    d.accessMethod === OID_AD_OCSP &&
    expectUri(d.accessLocation.uniformResourceIdentifier, ctx.urls?.ocsp);
  if (!ok) add('AIA_WRONG', 'authorityInfoAccess must be one id-ad-ocsp http URI (the CA’s)');
}
