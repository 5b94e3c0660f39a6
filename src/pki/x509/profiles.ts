import { CertificateError } from './errors.js';
import type { Hierarchy } from './naming.js';
import type { AttributeName } from './names.js';
import {
  OID_AUTHORITY_INFO_ACCESS,
  OID_AUTHORITY_KEY_IDENTIFIER,
  OID_BASIC_CONSTRAINTS,
  OID_CERTIFICATE_POLICIES,
  OID_CRL_DISTRIBUTION_POINTS,
  OID_EXTENDED_KEY_USAGE,
  OID_ISSUER_ALT_NAME,
  OID_KEY_USAGE,
  OID_OCSP_NOCHECK,
  OID_SUBJECT_ALT_NAME,
  OID_SUBJECT_KEY_IDENTIFIER,
  type PolicyKind,
} from './oids.js';

/**
 * The seven certificate profiles of the JPKI CA, as data: the builder writes exactly what a profile
 * lists, and the lint refuses anything else (jpki-ap.md 3.1, 3.2, 3.4; RFC 6960 4.2.2.2 for the
 * delegated OCSP responder).
 */
export type ProfileName = 'ca-sign' | 'ca-auth' | 'ocsp-responder' | 'card-sign' | 'card-auth' | 'phone-sign' | 'phone-auth';

export type ExtensionName =
  | 'keyUsage'
  | 'extendedKeyUsage'
  | 'ocspNoCheck'
  | 'certificatePolicies'
  | 'subjectAltName'
  | 'issuerAltName'
  | 'basicConstraints'
  | 'cRLDistributionPoints'
  | 'authorityInfoAccess'
  | 'authorityKeyIdentifier'
  | 'subjectKeyIdentifier';

export const EXTENSION_OIDS: Readonly<Record<ExtensionName, string>> = {
  keyUsage: OID_KEY_USAGE,
  extendedKeyUsage: OID_EXTENDED_KEY_USAGE,
  ocspNoCheck: OID_OCSP_NOCHECK,
  certificatePolicies: OID_CERTIFICATE_POLICIES,
  subjectAltName: OID_SUBJECT_ALT_NAME,
  issuerAltName: OID_ISSUER_ALT_NAME,
  basicConstraints: OID_BASIC_CONSTRAINTS,
  cRLDistributionPoints: OID_CRL_DISTRIBUTION_POINTS,
  authorityInfoAccess: OID_AUTHORITY_INFO_ACCESS,
  authorityKeyIdentifier: OID_AUTHORITY_KEY_IDENTIFIER,
  subjectKeyIdentifier: OID_SUBJECT_KEY_IDENTIFIER,
};

/** RFC 5280 4.2.1.3 KeyUsage bits used here. */
export type KeyUsageBit = 'digitalSignature' | 'nonRepudiation' | 'keyCertSign' | 'cRLSign';

/** How notAfter is bounded (see validity.ts). */
export type ValidityRule = 'ca' | 'ocsp-responder' | 'card' | 'phone';

export interface ExtensionSpec {
  readonly name: ExtensionName;
  readonly oid: string;
  readonly critical: boolean;
}

export interface CertificateProfile {
  readonly name: ProfileName;
  readonly role: 'ca' | 'ocsp-responder' | 'end-entity';
  /** The hierarchy of a CA or end entity; an OCSP responder serves whichever CA issues it. */
  readonly hierarchy: Hierarchy | undefined;
  readonly holder: 'card' | 'phone' | undefined;
  /** The policy kind of an end-entity certificate (its OID also depends on the mode). */
  readonly policy: PolicyKind | undefined;
  readonly selfSigned: boolean;
  /** The subject's attribute types, one per RDN, in order. */
  readonly subject: readonly AttributeName[];
  readonly keyUsage: readonly KeyUsageBit[];
  /** The extensions, each exactly once, in this order; no other is allowed. */
  readonly extensions: readonly ExtensionSpec[];
  readonly validity: ValidityRule;
}

function ext(name: ExtensionName, critical = false): ExtensionSpec {
  return { name, oid: EXTENSION_OIDS[name], critical };
}

/** jpki-ap.md 3.1: the real CA order is keyUsage, subjectAltName, basicConstraints, (cRLDP,) SKI. No AKI. */
const CA_EXTENSIONS = [ext('keyUsage', true), ext('subjectAltName'), ext('basicConstraints', true), ext('subjectKeyIdentifier')];

function endEntityExtensions(withSubjectAltName: boolean): ExtensionSpec[] {
  return [
    ext('keyUsage', true),
    ext('certificatePolicies', true),
    ...(withSubjectAltName ? [ext('subjectAltName')] : []),
    ext('issuerAltName'),
    ext('cRLDistributionPoints'),
    ext('authorityInfoAccess'),
    ext('authorityKeyIdentifier'),
    ext('subjectKeyIdentifier'),
  ];
}

function ca(name: ProfileName, hierarchy: Hierarchy): CertificateProfile {
  return {
    name,
    role: 'ca',
    hierarchy,
    holder: undefined,
    policy: undefined,
    selfSigned: true,
    subject: ['C', 'O', 'OU', 'OU'],
    keyUsage: ['keyCertSign', 'cRLSign'],
    extensions: CA_EXTENSIONS,
    validity: 'ca',
  };
}

function endEntity(name: ProfileName & PolicyKind, holder: 'card' | 'phone', hierarchy: Hierarchy): CertificateProfile {
  const sign = hierarchy === 'sign';
  return {
    name,
    role: 'end-entity',
    hierarchy,
    holder,
    policy: name,
    selfSigned: false,
    subject: sign ? ['C', 'L', 'L', 'CN'] : ['C', 'CN'],
    keyUsage: sign ? ['digitalSignature', 'nonRepudiation'] : ['digitalSignature'],
    extensions: endEntityExtensions(sign),
    validity: holder,
  };
}

export const PROFILES: Readonly<Record<ProfileName, CertificateProfile>> = {
  'ca-sign': ca('ca-sign', 'sign'),
  'ca-auth': ca('ca-auth', 'auth'),
  'ocsp-responder': {
    name: 'ocsp-responder',
    role: 'ocsp-responder',
    hierarchy: undefined,
    holder: undefined,
    policy: undefined,
    selfSigned: false,
    subject: ['C', 'O', 'OU', 'OU', 'CN'],
    keyUsage: ['digitalSignature'],
    extensions: [
      ext('keyUsage', true),
      ext('extendedKeyUsage'),
      ext('ocspNoCheck'),
      ext('authorityKeyIdentifier'),
      ext('subjectKeyIdentifier'),
    ],
    validity: 'ocsp-responder',
  },
  'card-sign': endEntity('card-sign', 'card', 'sign'),
  'card-auth': endEntity('card-auth', 'card', 'auth'),
  'phone-sign': endEntity('phone-sign', 'phone', 'sign'),
  'phone-auth': endEntity('phone-auth', 'phone', 'auth'),
};

/** A profile by name (or the profile itself). */
export function profileOf(p: CertificateProfile | ProfileName): CertificateProfile {
  if (typeof p !== 'string') return p;
  const found = PROFILES[p];
  if (found === undefined) throw new CertificateError('ERR_CERT_PARAMS', `unknown profile ${String(p)}`);
  return found;
}

/** True for a profile whose subjectAltName carries the basic four information. */
export function carriesBasicFour(p: CertificateProfile): boolean {
  return p.role === 'end-entity' && p.extensions.some((e) => e.name === 'subjectAltName');
}
