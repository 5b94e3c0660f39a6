import { OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  Extension,
  Extensions,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
  type Name,
} from '@peculiar/asn1-x509';
import { basicFourGeneralNames, type BasicFour } from './basic-four.js';
import { decodeDer, toArrayBuffer, toDer } from './der.js';
import { CertificateError } from './errors.js';
import {
  authorityKeyIdentifierValue,
  certificatePoliciesValue,
  crlDistributionPointsValue,
  directoryNameValue,
  fixedExtensionValue,
  isFixedExtension,
  ocspAccessValue,
} from './extensions.js';
import { decodeName, name, type Dn } from './names.js';
import { OID_SHA256_WITH_RSA, policyOid, type PolicyMode } from './oids.js';
import { carriesBasicFour, profileOf, type CertificateProfile, type ExtensionName, type ProfileName } from './profiles.js';

/** What a TBSCertificate is built from. Which optional fields are needed depends on the profile. */
export interface TbsParams {
  /** Content octets of the serial number INTEGER: positive, minimal, at most 20 octets (see `randomSerial`). */
  readonly serialNumber: Uint8Array;
  /** The issuer as RDNs or as the DER of the CA certificate's subject (preferred: byte-exact chaining). */
  readonly issuer: Dn | Uint8Array;
  readonly subject: Dn | Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** DER SubjectPublicKeyInfo of the certified key. */
  readonly subjectPublicKeyInfo: Uint8Array;
  /** The issuing CA's key identifier (OCSP responder and end entities). */
  readonly authorityKeyIdentifier?: Uint8Array;
  /** Production or test policy OID (end entities). */
  readonly mode?: PolicyMode;
  /** The holder's basic four information (signature certificates). */
  readonly basicFour?: BasicFour;
  /** The CA certificate's subjectAltName directoryName (CAs). */
  readonly subjectAltName?: Dn;
  /** The issuerAltName directoryName (end entities). */
  readonly issuerAltName?: Dn;
  readonly cpsUri?: string;
  readonly crlUri?: string;
  readonly ocspUri?: string;
}

/** RFC 4055 5 / RFC 5754 3.2: sha256WithRSAEncryption "parameters MUST be NULL" (`30 0D 06 09 … 05 00`). */
export function sha256WithRsa(): AlgorithmIdentifier {
  return new AlgorithmIdentifier({ algorithm: OID_SHA256_WITH_RSA, parameters: null });
}

function toName(value: Dn | Uint8Array): Name {
  return value instanceof Uint8Array ? decodeName(value) : name(value);
}

function need<T>(value: T | undefined, field: string, p: CertificateProfile): T {
  if (value === undefined) throw new CertificateError('ERR_CERT_PARAMS', `profile ${p.name} needs ${field}`);
  return value;
}

/** Which optional parameters each extension consumes; a parameter no extension uses is a mistake. */
const USES: ReadonlyArray<readonly [keyof TbsParams, (p: CertificateProfile, e: ExtensionName) => boolean]> = [
  ['authorityKeyIdentifier', (_p, e) => e === 'authorityKeyIdentifier'],
  ['mode', (_p, e) => e === 'certificatePolicies'],
  ['cpsUri', (_p, e) => e === 'certificatePolicies'],
  ['basicFour', (p, e) => e === 'subjectAltName' && carriesBasicFour(p)],
  ['subjectAltName', (p, e) => e === 'subjectAltName' && !carriesBasicFour(p)],
  ['issuerAltName', (_p, e) => e === 'issuerAltName'],
  ['crlUri', (_p, e) => e === 'cRLDistributionPoints'],
  ['ocspUri', (_p, e) => e === 'authorityInfoAccess'],
];

function extensionValue(p: CertificateProfile, e: ExtensionName, params: TbsParams): Uint8Array {
  if (isFixedExtension(e)) return fixedExtensionValue(e, p, () => params.subjectPublicKeyInfo);
  switch (e) {
    case 'certificatePolicies':
      return certificatePoliciesValue(policyOid(need(p.policy, 'a policy', p), need(params.mode, 'mode', p)), need(params.cpsUri, 'cpsUri', p));
    case 'subjectAltName':
      return carriesBasicFour(p)
        ? toDer(basicFourGeneralNames(need(params.basicFour, 'basicFour', p), params.notBefore))
        : directoryNameValue(need(params.subjectAltName, 'subjectAltName', p));
    case 'issuerAltName':
      return directoryNameValue(need(params.issuerAltName, 'issuerAltName', p));
    case 'cRLDistributionPoints':
      return crlDistributionPointsValue(need(params.crlUri, 'crlUri', p));
    case 'authorityInfoAccess':
      return ocspAccessValue(need(params.ocspUri, 'ocspUri', p));
    case 'authorityKeyIdentifier':
      return authorityKeyIdentifierValue(need(params.authorityKeyIdentifier, 'authorityKeyIdentifier', p));
  }
}

/**
 * RFC 5280 4.1:
 *
 *     TBSCertificate  ::=  SEQUENCE  {
 *          version         [0]  EXPLICIT Version DEFAULT v1,
 *          serialNumber         CertificateSerialNumber,
 *          signature            AlgorithmIdentifier,
 *          issuer               Name,
 *          validity             Validity,
 *          subject              Name,
 *          subjectPublicKeyInfo SubjectPublicKeyInfo,
 *          issuerUniqueID  [1]  IMPLICIT UniqueIdentifier OPTIONAL,
 *          subjectUniqueID [2]  IMPLICIT UniqueIdentifier OPTIONAL,
 *          extensions      [3]  EXPLICIT Extensions OPTIONAL }
 *
 * v3, sha256WithRSAEncryption, no unique identifiers (4.1.2.8: conforming CAs "MUST NOT generate
 * certificates with unique identifiers"), and exactly the profile's extensions in its order. Refuses
 * missing or unused parameters (`ERR_CERT_PARAMS`); everything else is left to the lint, so that a
 * wrong key, serial or period is reported as a lint issue.
 */
export function tbsCertificate(profile: CertificateProfile | ProfileName, params: TbsParams): TBSCertificate {
  const p = profileOf(profile);
  for (const t of [params.notBefore, params.notAfter]) {
    if (!(t instanceof Date) || Number.isNaN(t.getTime())) throw new CertificateError('ERR_CERT_PARAMS', 'an invalid validity time');
  }
  for (const [field, used] of USES) {
    if (params[field] !== undefined && !p.extensions.some((e) => used(p, e.name))) {
      throw new CertificateError('ERR_CERT_PARAMS', `profile ${p.name} does not use ${field}`);
    }
  }
  const extensions = p.extensions.map(
    (e) => new Extension({ extnID: e.oid, critical: e.critical, extnValue: new OctetString(extensionValue(p, e.name, params)) }),
  );
  return new TBSCertificate({
    version: Version.v3,
    serialNumber: toArrayBuffer(params.serialNumber),
    signature: sha256WithRsa(),
    issuer: toName(params.issuer),
    validity: new Validity({ notBefore: params.notBefore, notAfter: params.notAfter }),
    subject: toName(params.subject),
    subjectPublicKeyInfo: decodeDer(params.subjectPublicKeyInfo, SubjectPublicKeyInfo, 'SubjectPublicKeyInfo'),
    extensions: new Extensions(extensions),
  });
}

/** DER of the TBSCertificate of `params` under `profile` (see `tbsCertificate`). */
export function buildTbsCertificate(profile: CertificateProfile | ProfileName, params: TbsParams): Uint8Array {
  return toDer(tbsCertificate(profile, params));
}
