import type { TBSCertificate } from '@peculiar/asn1-x509';
import { bytesEqual } from '../../bytes/index.js';
import type { BasicFour } from './basic-four.js';
import { toDer } from './der.js';
import { fixedExtensionValue, isFixedExtension } from './extensions.js';
import type { LintContext, Report } from './lint-context.js';
import {
  lintAuthorityInfoAccess,
  lintAuthorityKeyIdentifier,
  lintBasicFourSubjectAltName,
  lintCaSubjectAltName,
  lintCertificatePolicies,
  lintCrlDistributionPoints,
  lintIssuerAltName,
} from './lint-values.js';
import { OID_SUBJECT_ALT_NAME } from './oids.js';
import { carriesBasicFour, type CertificateProfile, type ExtensionName } from './profiles.js';

/** Issue code of an extension whose value is wrong. */
const WRONG_VALUE: Readonly<Record<ExtensionName, string>> = {
  keyUsage: 'KEY_USAGE_WRONG',
  extendedKeyUsage: 'EKU_WRONG',
  ocspNoCheck: 'OCSP_NOCHECK_WRONG',
  certificatePolicies: 'POLICY_WRONG',
  subjectAltName: 'SAN_WRONG',
  issuerAltName: 'ISSUER_ALT_NAME_WRONG',
  basicConstraints: 'BASIC_CONSTRAINTS_WRONG',
  cRLDistributionPoints: 'CRL_DP_WRONG',
  authorityInfoAccess: 'AIA_WRONG',
  authorityKeyIdentifier: 'AKI_WRONG',
  subjectKeyIdentifier: 'SKI_WRONG',
};

/**
 * RFC 5280 4.2: "A certificate MUST NOT include more than one instance of a particular extension."
 * The profile lists every extension allowed, once, with its criticality and in order; this checks
 * presence (`EXTENSION_MISSING`, `EXTENSION_DUPLICATE`, `EXTENSION_NOT_ALLOWED`, `SAN_NOT_ALLOWED` for
 * the basic four on an authentication certificate), `EXTENSION_CRITICALITY`, `EXTENSION_ORDER`, and
 * each value (`EXTENSION_MALFORMED` when it does not decode, else the extension's own code).
 * Returns the basic four information of a signature certificate.
 */
export function lintExtensions(tbs: TBSCertificate, p: CertificateProfile, ctx: LintContext, add: Report): BasicFour | undefined {
  const present = Array.from(tbs.extensions ?? []);
  const allowed = new Set(p.extensions.map((e) => e.oid));
  const seen = new Set<string>();
  for (const e of present) {
    if (seen.has(e.extnID)) add('EXTENSION_DUPLICATE', `extension ${e.extnID} appears more than once`);
    seen.add(e.extnID);
    if (allowed.has(e.extnID)) continue;
    if (e.extnID === OID_SUBJECT_ALT_NAME && p.role === 'end-entity') {
      add('SAN_NOT_ALLOWED', `a ${p.name} certificate carries no subjectAltName (no basic four information)`);
    } else {
      add('EXTENSION_NOT_ALLOWED', `extension ${e.extnID} is not in profile ${p.name}`);
    }
  }
  const order = present.map((e) => e.extnID).filter((oid) => allowed.has(oid));
  const expectedOrder = p.extensions.map((e) => e.oid).filter((oid) => seen.has(oid));
  if (new Set(order).size === order.length && order.some((oid, i) => oid !== expectedOrder[i])) {
    add('EXTENSION_ORDER', `extensions are not in the order of profile ${p.name}`);
  }

  let basicFour: BasicFour | undefined;
  for (const spec of p.extensions) {
    const e = present.find((x) => x.extnID === spec.oid);
    if (e === undefined) {
      add('EXTENSION_MISSING', `${spec.name} is missing`);
      continue;
    }
    if (e.critical !== spec.critical) {
      add('EXTENSION_CRITICALITY', `${spec.name} must be ${spec.critical ? 'critical' : 'non-critical'}`);
    }
    const value = new Uint8Array(e.extnValue.buffer);
    try {
      // The extensions fixed by the profile and the key: the one value the builder writes (tbs.ts).
      if (isFixedExtension(spec.name)) {
        const fixed = fixedExtensionValue(spec.name, p, () => toDer(tbs.subjectPublicKeyInfo));
        if (!bytesEqual(value, fixed)) add(WRONG_VALUE[spec.name], `${spec.name} has the wrong value`);
        continue;
      }
      basicFour = lintValue(spec.name, value, p, tbs, ctx, add) ?? basicFour;
    } catch (err) {
      add('EXTENSION_MALFORMED', `${spec.name} does not decode: ${(err as Error).message}`);
    }
  }
  return basicFour;
}

function lintValue(
  name: ExtensionName,
  value: Uint8Array,
  p: CertificateProfile,
  tbs: TBSCertificate,
  ctx: LintContext,
  add: Report,
): BasicFour | undefined {
  switch (name) {
    case 'authorityKeyIdentifier':
      lintAuthorityKeyIdentifier(value, ctx, add);
      break;
    case 'certificatePolicies':
      lintCertificatePolicies(value, p, ctx, add);
      break;
    case 'subjectAltName':
      if (carriesBasicFour(p)) return lintBasicFourSubjectAltName(value, tbs.validity.notBefore.getTime(), add);
      lintCaSubjectAltName(value, p, ctx, add);
      break;
    case 'issuerAltName':
      lintIssuerAltName(value, ctx, add);
      break;
    case 'cRLDistributionPoints':
      lintCrlDistributionPoints(value, ctx, add);
      break;
    case 'authorityInfoAccess':
      lintAuthorityInfoAccess(value, ctx, add);
      break;
    default:
      add(WRONG_VALUE[name], `${name} cannot be checked`);
  }
  return undefined;
}
