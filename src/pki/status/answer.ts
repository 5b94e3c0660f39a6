import type { CrlReasonCode } from '../revocation/index.js';

/** What a usable OCSP response or CRL says about one certificate. */
export type StatusAnswer =
  | { readonly status: 'good'; readonly thisUpdate: Date; readonly nextUpdate?: Date }
  | { readonly status: 'revoked'; readonly revokedAt: Date; readonly reason?: CrlReasonCode; readonly thisUpdate: Date; readonly nextUpdate?: Date }
  /** OCSP only (RFC 6960 2.2): "the responder doesn't know about the certificate being requested". */
  | { readonly status: 'unknown'; readonly thisUpdate: Date; readonly nextUpdate?: Date };

/** Tolerance for clocks that disagree, applied to thisUpdate and nextUpdate (default 5 minutes). */
export const DEFAULT_CLOCK_SKEW_MS = 5 * 60_000;
