import type { IsoDate } from './calendar.js';
import type { LintIssue } from './errors.js';
import type { CaNaming } from './naming.js';
import type { PolicyMode } from './oids.js';

/** The CA that issues a certificate, as the lint needs it (see `issuerRef`). */
export interface IssuerRef {
  /** DER of the CA certificate's subject; the certificate's issuer must be these very bytes. */
  readonly subject: Uint8Array;
  /** The CA's subject key identifier; the certificate's authorityKeyIdentifier must carry it. */
  readonly keyIdentifier: Uint8Array;
  /** The CA certificate's notAfter; nothing it issues may outlive it. */
  readonly notAfter: Date;
}

/**
 * What the lint checks a certificate against besides its profile. Every field is what the CA expects;
 * an absent optional field skips the comparison, except where the profile cannot be checked without
 * it (then the issue is `CONTEXT_MISSING`).
 */
export interface LintContext {
  /** Production or test policy OIDs (required for end entities). */
  readonly mode?: PolicyMode;
  /** The issuing CA (required for every profile but the self-signed CAs). */
  readonly issuer?: IssuerRef;
  /** The names the CA writes; when given, CA subjects, subjectAltNames and issuerAltNames must equal them. */
  readonly naming?: CaNaming;
  /** The URIs the CA publishes; when given, the extensions must point there. */
  readonly urls?: { readonly cps?: string; readonly crl?: string; readonly ocsp?: string };
  /** Card certificates: the holder's birth date (else the SAN's, else the widest bound) and card expiry. */
  readonly holder?: { readonly birthDate?: IsoDate; readonly cardExpiry?: IsoDate };
  /** Phone certificates: the linked card certificate's notAfter (required). */
  readonly cardCertificateNotAfter?: Date;
}

/** Collects issues; `add` is handed to each part of the lint. */
export type Report = (code: string, message: string) => void;

export function collector(): { issues: LintIssue[]; add: Report } {
  const issues: LintIssue[] = [];
  return { issues, add: (code, message) => void issues.push({ code, message }) };
}
