import type { BasicFour } from '../pki/x509/index.js';
import type { IssuerInfo, TrustAnchorsInput } from './anchors.js';
import type { CertificateInfo } from './certificate.js';
import type { StatusAttempt } from './errors.js';
import type { BinaryInput } from './input.js';
import type { AuthenticationKind, CertificateKind, CertificateUse, RelyingPartyMode, SignatureKind } from './kinds.js';
import type { ChallengeStore, LoginChallenge } from './login-challenge.js';
import type { StatusOptions } from './status.js';

/** What a RelyingParty is configured with, what its methods take, and what they return (docs/sdk.md "API"). */

export interface RelyingPartyOptions {
  /** Every live generation of the JPKI signature CA and user-authentication CA this party trusts. */
  readonly trustAnchors: TrustAnchorsInput;
  /** `production` (default) refuses test-policy certificates; `test` accepts test and production ones. */
  readonly mode?: RelyingPartyMode;
  /** This party's identifier in login challenges (a host name or origin); each call may give its own. */
  readonly rpId?: string;
  readonly login?: {
    /** Which user-authentication certificates log in: card, phone, or both (default). */
    readonly accept?: readonly AuthenticationKind[];
    /** How long a challenge may be answered (default 5 minutes). */
    readonly challengeTtlMs?: number;
    /** Remembers issued challenges so that each is answered once (recommended; see MemoryChallengeStore). */
    readonly challengeStore?: ChallengeStore;
  };
  readonly signing?: {
    /** Which signature certificates sign documents: card, phone, or both (default). */
    readonly accept?: readonly SignatureKind[];
  };
  readonly status?: StatusOptions;
  /** The time used for validity, challenge expiry and status freshness (default: the system clock). */
  readonly clock?: () => Date;
  readonly random?: (n: number) => Uint8Array;
}

/** The status behind an accepted certificate. */
export interface CertificateStatus {
  /** `good`, or `unavailable` when no source answered and `status.onUnavailable` is `accept`. */
  readonly state: 'good' | 'unavailable';
  readonly source?: 'ocsp' | 'crl';
  readonly url?: string;
  readonly thisUpdate?: Date;
  readonly nextUpdate?: Date;
  /** True when the answer came from the cache. */
  readonly cached: boolean;
  /** Sources that failed first (e.g. OCSP down before the CRL answered). */
  readonly attempts: readonly StatusAttempt[];
}

export interface CertificateVerification {
  readonly kind: CertificateKind;
  readonly holder: 'card' | 'phone';
  readonly certificate: CertificateInfo;
  /** The trust anchor (CA generation) the certificate chains to. */
  readonly issuer: IssuerInfo;
  readonly status: CertificateStatus;
}

export interface LoginVerification extends CertificateVerification {
  readonly kind: AuthenticationKind;
  readonly challenge: { readonly rpId: string; readonly nonce: string; readonly issuedAt: Date; readonly expiresAt: Date };
}

export interface SignedDocumentVerification extends CertificateVerification {
  readonly kind: SignatureKind;
  /** The signer's basic four information, from the signature certificate. */
  readonly basicFour: BasicFour;
  /** The signingTime attribute: the signer's claim, not a trusted time. */
  readonly signingTime?: Date;
}

export interface VerifyLoginResponseOptions {
  /** The challenge this party issued (the object, its `bytes`, or its `encoded` text). */
  readonly challenge: LoginChallenge | Uint8Array | string;
  /** The holder's user-authentication certificate (DER, PEM or base64). */
  readonly certificate: BinaryInput;
  /** RSASSA-PKCS1-v1_5 SHA-256 signature over the challenge bytes (bytes or base64). */
  readonly signature: BinaryInput;
  /** The rpId the challenge must name (default: the party's `rpId`). */
  readonly expectedRpId?: string;
  /** Narrows `login.accept` for this call. */
  readonly accept?: readonly AuthenticationKind[];
  readonly intermediates?: readonly BinaryInput[];
}

export interface VerifySignedDocumentOptions {
  /** The document, byte for byte as signed. */
  readonly content: Uint8Array;
  /** The detached CMS SignedData (DER, PEM `CMS`/`PKCS7`, or base64). */
  readonly cms: BinaryInput;
  /** Narrows `signing.accept` for this call. */
  readonly accept?: readonly SignatureKind[];
}

export interface VerifyCertificateOptions {
  readonly certificate: BinaryInput;
  readonly use: CertificateUse;
  readonly accept?: readonly CertificateKind[];
  readonly intermediates?: readonly BinaryInput[];
}
