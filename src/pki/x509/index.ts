/**
 * The X.509 side of the JPKI certification authority (jpki-ap.md 3, RFC 5280): OIDs and policies,
 * names, the basic four information, validity rules, RSA keys, the seven certificate profiles, the
 * lint every certificate passes before it is signed, and building, issuing and parsing certificates.
 * I/O-free: times, randomness and signing keys are parameters.
 */
export { CertificateError, LintError, type CertificateErrorCode, type LintIssue } from './errors.js';
export * from './oids.js';
export {
  name,
  encodeName,
  decodeName,
  nameAttributes,
  nameToString,
  dnOf,
  ATTRIBUTE_OIDS,
  type AttributeName,
  type Rdn,
  type Dn,
  type NameAttribute,
  type DirectoryStringType,
} from './names.js';
export { jstDate, endOfJstDay, isEndOfJstDay, isIsoDate, addYears, type IsoDate } from './calendar.js';
export { ERAS, eraOf, encodeJpkiBirthDate, decodeJpkiBirthDate, type Era, type EraDigit } from './era.js';
export {
  BASIC_FOUR_OIDS,
  MAX_NAME_LENGTH,
  MAX_ADDRESS_LENGTH,
  validateBasicFour,
  basicFourProblems,
  basicFourOtherName,
  encodeBasicFourOtherName,
  basicFourGeneralNames,
  basicFourFromGeneralNames,
  decodeBasicFour,
  type BasicFour,
  type BasicFourProblem,
  type Sex,
} from './basic-four.js';
export {
  nthBirthdayAfter,
  cardCertificateValidity,
  phoneCertificateValidity,
  caValidity,
  ocspResponderValidity,
  cardValidityBound,
  lastDayOfYears,
  type ValidityPeriod,
  type CardValidityParams,
} from './validity.js';
export {
  rsaPublicKeySpki,
  rsaPublicKeyOf,
  spkiModulusBits,
  subjectKeyIdentifier,
  checkRsa2048,
  RSA_MODULUS_BITS,
  RSA_PUBLIC_EXPONENT,
  type RsaPublicKeyParts,
} from './keys.js';
export { splitPrefectureMunicipality, PREFECTURES, type PrefectureMunicipality } from './address.js';
export {
  DEFAULT_CA_NAMING,
  caNaming,
  issuerAltNameDn,
  endEntitySubject,
  ocspResponderSubject,
  type CaNaming,
  type CaNames,
  type Hierarchy,
} from './naming.js';
export {
  PROFILES,
  EXTENSION_OIDS,
  profileOf,
  carriesBasicFour,
  type CertificateProfile,
  type ProfileName,
  type ExtensionName,
  type ExtensionSpec,
  type KeyUsageBit,
  type ValidityRule,
} from './profiles.js';
export { keyUsageValue, certificatePoliciesValue } from './extensions.js';
export { tbsCertificate, buildTbsCertificate, sha256WithRsa, type TbsParams } from './tbs.js';
export {
  decodeCertificatePolicies,
  certificatePolicyOids,
  decodeOid,
  type PolicyInformationEntry,
  type PolicyQualifier,
} from './policies.js';
export { lintCertificate } from './lint.js';
export type { LintContext, IssuerRef } from './lint-context.js';
export {
  issueCertificate,
  selfSignedCa,
  issuerRef,
  randomSerial,
  assembleCertificate,
  type IssueRequest,
  type SelfSignedCaParams,
} from './certificate.js';
export {
  parseCertificate,
  decodeCertificate,
  decodeTbsCertificate,
  extensionOf,
  type ParsedCertificate,
  type ParsedExtension,
} from './parse.js';
