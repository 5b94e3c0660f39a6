import { HttpProblem } from '../../services/http/index.js';
import { RelyingPartyError, type RelyingPartyErrorCode } from '../../sdk/index.js';
import { DirectoryError } from './errors.js';

/**
 * The SDK's refusals at the relying parties' HTTP edge (docs/sdk.md, "What to do about each code"). The
 * problem `code` is the SDK's own code, one vocabulary for the portal, the bank and the kiosk; the
 * detail tells the holder what to do; extension members carry what a user interface shows (the
 * certificate kind that was sent, the revocation reason and time). Internal faults (configuration,
 * a wrong argument) become a 500 whose detail is not sent.
 */

/** Where the refusal happens: logging in (the user-authentication certificate) or signing a document. */
export type SdkContext = 'login' | 'document';

const RETRY_AFTER_SECONDS = 30;

interface Entry {
  readonly status: number;
  readonly detail: string | ((context: SdkContext) => string);
}

const TABLE: Readonly<Record<RelyingPartyErrorCode, Entry | undefined>> = {
  ERR_RP_CONFIG: undefined,
  ERR_RP_INPUT: undefined,
  ERR_RP_CHALLENGE_MALFORMED: { status: 400, detail: 'the challenge is not one this service issued: start again' },
  ERR_RP_CHALLENGE_EXPIRED: { status: 401, detail: 'the challenge expired: ask for a new one' },
  ERR_RP_CHALLENGE_RP_MISMATCH: { status: 401, detail: 'the challenge was issued for another service' },
  ERR_RP_CHALLENGE_REPLAYED: { status: 401, detail: 'this challenge was answered already: ask for a new one' },
  ERR_RP_CERT_MALFORMED: { status: 400, detail: 'the certificate is not a DER X.509 certificate' },
  ERR_RP_CERT_POLICY_UNKNOWN: { status: 403, detail: 'not a JPKI certificate' },
  ERR_RP_CERT_TEST_POLICY: { status: 403, detail: 'a certificate of the JPKI test environment is not accepted here' },
  ERR_RP_CERT_WRONG_KIND: {
    status: 403,
    detail: (c) =>
      c === 'login'
        ? 'log in with the user-authentication certificate (the 4-digit PIN), not the signature certificate'
        : 'sign with the signature certificate (the password), not the user-authentication certificate',
  },
  ERR_RP_CERT_KEY_USAGE: { status: 403, detail: 'the certificate may not be used for this' },
  ERR_RP_CERT_EXPIRED: { status: 403, detail: "the certificate has expired: renew the card's certificates or have the phone's issued again" },
  ERR_RP_CERT_NOT_YET_VALID: { status: 403, detail: 'the certificate is not valid yet' },
  ERR_RP_CERT_ISSUER_UNKNOWN: { status: 403, detail: 'the certificate was not issued by a JPKI certification authority this service trusts' },
  ERR_RP_CERT_PATH_INVALID: { status: 403, detail: 'the certificate does not chain to a trusted JPKI certification authority' },
  ERR_RP_CERT_REVOKED: { status: 403, detail: 'the certificate is revoked' },
  ERR_RP_CERT_SUSPENDED: { status: 403, detail: 'the certificate is suspended (a phone reported lost): contact the call centre, or use the card' },
  ERR_RP_CERT_STATUS_UNKNOWN: { status: 403, detail: 'the certification service does not know this certificate' },
  ERR_RP_STATUS_UNAVAILABLE: { status: 503, detail: 'the revocation status cannot be checked now: try again later' },
  ERR_RP_SIGNATURE_INVALID: { status: 400, detail: (c) => (c === 'login' ? 'the signature over the challenge does not verify' : 'the signature over the document does not verify') },
  ERR_RP_CONTENT_MISMATCH: { status: 422, detail: 'the signature is over another document' },
  ERR_RP_CMS_MALFORMED: { status: 400, detail: 'the signature file is malformed' },
  ERR_RP_CMS_UNSUPPORTED: { status: 415, detail: 'sign detached with SHA-256 and RSA' },
  ERR_RP_CMS_SIGNER_MISSING: { status: 400, detail: 'the signature file lacks the signer certificate' },
  ERR_RP_FETCH_FAILED: undefined,
  ERR_RP_FETCH_TIMEOUT: undefined,
  ERR_RP_FETCH_HTTP_STATUS: undefined,
  ERR_RP_FETCH_TOO_LARGE: undefined,
  ERR_RP_STATUS_NO_SOURCE: undefined,
};

/** The problem for an SDK refusal in `context`. */
export function sdkProblem(err: RelyingPartyError, context: SdkContext): HttpProblem {
  const entry = TABLE[err.code];
  if (entry === undefined) return new HttpProblem(500, 'ERR_INTERNAL', 'internal error', { cause: err });
  // A bad login signature is an authentication failure; a bad document signature a bad request.
  const status = err.code === 'ERR_RP_SIGNATURE_INVALID' && context === 'login' ? 401 : entry.status;
  const detail = typeof entry.detail === 'function' ? entry.detail(context) : entry.detail;
  const extensions: Record<string, unknown> = {};
  if (err.kind !== undefined) extensions.certificateKind = err.kind;
  if (err.reason !== undefined) extensions.reason = err.reason;
  if (err.revokedAt !== undefined) extensions.revokedAt = err.revokedAt.toISOString();
  const reasoned = err.code === 'ERR_RP_CERT_REVOKED' && err.reason !== undefined ? `${detail} (${err.reason})` : detail;
  return new HttpProblem(status, err.code, reasoned, {
    cause: err,
    extensions,
    ...(status === 503 ? { headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } } : {}),
  });
}

/** The problem for a directory failure (the certification service as the source of person records). */
export function directoryProblem(err: DirectoryError): HttpProblem {
  switch (err.code) {
    case 'ERR_DIRECTORY_UNAVAILABLE':
      return new HttpProblem(503, err.code, 'the certification service cannot be reached: try again later', { cause: err, headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } });
    case 'ERR_DIRECTORY_UNKNOWN':
      return new HttpProblem(502, err.code, 'the certification service has no record of this certificate or person', { cause: err });
    default:
      return new HttpProblem(502, err.code, 'the certification service did not answer as expected', { cause: err });
  }
}

/** Runs `work`, turning SDK and directory refusals into problems (others pass through to the edge). */
export async function translated<T>(context: SdkContext, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof RelyingPartyError) throw sdkProblem(err, context);
    if (err instanceof DirectoryError) throw directoryProblem(err);
    throw err;
  }
}
