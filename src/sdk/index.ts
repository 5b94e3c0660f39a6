/**
 * The relying-party SDK of jpki-mobile (`jpki-mobile/sdk`): what a portal, a bank or a kiosk uses to
 * accept JPKI certificates from a card or a phone. Verifier side: login challenges and responses,
 * detached CMS signed documents, certificate checks, each with path validation to the configured CA
 * generations, the kind and policy the use needs, and status by OCSP with CRL fallback and caching.
 * Signer side: the detached CMS SignedData builder, whose RSA signature comes from the card or phone.
 * Every refusal is a RelyingPartyError with a code from a closed set (docs/sdk.md).
 */
export { RelyingParty } from './relying-party.js';
export type {
  RelyingPartyOptions,
  CertificateStatus,
  CertificateVerification,
  LoginVerification,
  SignedDocumentVerification,
  VerifyLoginResponseOptions,
  VerifySignedDocumentOptions,
  VerifyCertificateOptions,
} from './types.js';
export { RelyingPartyError, type RelyingPartyErrorCode, type RelyingPartyErrorDetails, type StatusAttempt } from './errors.js';
export {
  generateLoginChallenge,
  decodeLoginChallenge,
  MemoryChallengeStore,
  LOGIN_CHALLENGE_TYPE,
  DEFAULT_CHALLENGE_TTL_MS,
  MAX_CHALLENGE_TTL_MS,
  type LoginChallenge,
  type GenerateLoginChallengeOptions,
  type ChallengeStore,
} from './login-challenge.js';
export { basicFourOf, type CertificateInfo } from './certificate.js';
export type { IssuerInfo, TrustAnchorInput, TrustAnchorsInput } from './anchors.js';
export type { StatusOptions, CrlLocationContext } from './status.js';
export type { FetchFunction } from './http.js';
export type { BinaryInput } from './input.js';
export {
  AUTHENTICATION_KINDS,
  SIGNATURE_KINDS,
  type CertificateKind,
  type AuthenticationKind,
  type SignatureKind,
  type CertificateUse,
  type RelyingPartyMode,
} from './kinds.js';
export type { BasicFour, Sex } from '../pki/x509/index.js';
export type { CrlReasonName } from '../pki/revocation/index.js';

// Signer side: a detached SignedData whose signature the card (`80 2A 00 80` over the DigestInfo) or the phone makes.
export { prepareSignedData, buildSignedData, type SignedDataParams, type PreparedSignedData, type DigestInfoSigner } from '../pki/cms/index.js';
