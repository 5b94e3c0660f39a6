import { JpkiMobileError } from '../errors/index.js';
import type { CrlReasonName } from '../pki/revocation/index.js';
import type { CertificateKind } from './kinds.js';

/**
 * Every answer of the relying-party SDK that is not a success, as one closed set of codes a service
 * branches on (docs/sdk.md says what to do about each). Lower-layer errors (CMS, path, status) are kept
 * as `cause`; the code here is the decision.
 */
export type RelyingPartyErrorCode =
  // Configuration and arguments
  | 'ERR_RP_CONFIG'
  | 'ERR_RP_INPUT'
  // Login challenge
  | 'ERR_RP_CHALLENGE_MALFORMED'
  | 'ERR_RP_CHALLENGE_EXPIRED'
  | 'ERR_RP_CHALLENGE_RP_MISMATCH'
  | 'ERR_RP_CHALLENGE_REPLAYED'
  // The certificate itself
  | 'ERR_RP_CERT_MALFORMED'
  | 'ERR_RP_CERT_POLICY_UNKNOWN'
  | 'ERR_RP_CERT_TEST_POLICY'
  | 'ERR_RP_CERT_WRONG_KIND'
  | 'ERR_RP_CERT_KEY_USAGE'
  | 'ERR_RP_CERT_EXPIRED'
  | 'ERR_RP_CERT_NOT_YET_VALID'
  | 'ERR_RP_CERT_ISSUER_UNKNOWN'
  | 'ERR_RP_CERT_PATH_INVALID'
  // Its status
  | 'ERR_RP_CERT_REVOKED'
  | 'ERR_RP_CERT_SUSPENDED'
  | 'ERR_RP_CERT_STATUS_UNKNOWN'
  | 'ERR_RP_STATUS_UNAVAILABLE'
  // Signatures and signed documents
  | 'ERR_RP_SIGNATURE_INVALID'
  | 'ERR_RP_CONTENT_MISMATCH'
  | 'ERR_RP_CMS_MALFORMED'
  | 'ERR_RP_CMS_UNSUPPORTED'
  | 'ERR_RP_CMS_SIGNER_MISSING'
  // Why a status source did not answer (in `attempts`, never thrown to the caller)
  | 'ERR_RP_FETCH_FAILED'
  | 'ERR_RP_FETCH_TIMEOUT'
  | 'ERR_RP_FETCH_HTTP_STATUS'
  | 'ERR_RP_FETCH_TOO_LARGE'
  | 'ERR_RP_STATUS_NO_SOURCE';

/** One status source that was tried and did not give a usable answer. */
export interface StatusAttempt {
  readonly source: 'ocsp' | 'crl';
  /** Where it was fetched from (absent when there was no URL to try). */
  readonly url?: string;
  /** An `ERR_RP_FETCH_*` / `ERR_RP_STATUS_NO_SOURCE` code, or the `ERR_STATUS_*` code of an unusable answer. */
  readonly code: string;
  readonly message: string;
}

export interface RelyingPartyErrorDetails {
  readonly cause?: unknown;
  /** The certificate's serial number (uppercase hex), once it was parsed. */
  readonly serialNumber?: string;
  /** The certificate's kind, once its policy was read (e.g. what a wrong-kind certificate is). */
  readonly kind?: CertificateKind;
  /** ERR_RP_CERT_REVOKED / ERR_RP_CERT_SUSPENDED: when, why, and who said so. */
  readonly revokedAt?: Date;
  readonly reason?: CrlReasonName;
  readonly source?: 'ocsp' | 'crl';
  /** ERR_RP_STATUS_UNAVAILABLE (and any status answer that came after a failed source): what was tried. */
  readonly attempts?: readonly StatusAttempt[];
}

export class RelyingPartyError extends JpkiMobileError<RelyingPartyErrorCode> {
  readonly serialNumber: string | undefined;
  readonly kind: CertificateKind | undefined;
  readonly revokedAt: Date | undefined;
  readonly reason: CrlReasonName | undefined;
  readonly source: 'ocsp' | 'crl' | undefined;
  readonly attempts: readonly StatusAttempt[] | undefined;

  constructor(code: RelyingPartyErrorCode, message: string, details: RelyingPartyErrorDetails = {}) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.serialNumber = details.serialNumber;
    this.kind = details.kind;
    this.revokedAt = details.revokedAt;
    this.reason = details.reason;
    this.source = details.source;
    this.attempts = details.attempts;
  }
}
