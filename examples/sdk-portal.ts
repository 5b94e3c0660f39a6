// A relying party (a portal like Mynaportal) on the jpki-mobile SDK: login with the user-authentication
// certificate, applications signed with the signature certificate. docs/sdk.md walks through it; the
// test test/sdk/example.test.ts runs it against a running certification service and the emulated card.
// A third party imports from 'jpki-mobile/sdk'; this file sits in the repository, hence the path.
import { MemoryChallengeStore, RelyingParty, RelyingPartyError, type BasicFour, type RelyingPartyErrorCode } from '../src/sdk/index.js';

/** What the portal trusts: every live generation of the two JPKI CAs (PEM text, e.g. read from files). */
export function createPortal(anchors: { sign: string[]; auth: string[] }): RelyingParty {
  return new RelyingParty({
    trustAnchors: anchors,
    rpId: 'portal.example.jp',
    login: { accept: ['card-auth', 'phone-auth'], challengeStore: new MemoryChallengeStore() },
    signing: { accept: ['card-sign', 'phone-sign'] },
    // OCSP from each certificate's responder, then its CRL; fail closed when neither answers.
    status: { timeoutMs: 3000, onUnavailable: 'reject' },
  });
}

/** What each refusal becomes at the portal's HTTP edge (docs/sdk.md, "What to do about each code"). */
export const HTTP_STATUS: Readonly<Record<RelyingPartyErrorCode, number>> = {
  ERR_RP_CONFIG: 500,
  ERR_RP_INPUT: 400,
  ERR_RP_CHALLENGE_MALFORMED: 400,
  ERR_RP_CHALLENGE_EXPIRED: 401,
  ERR_RP_CHALLENGE_RP_MISMATCH: 401,
  ERR_RP_CHALLENGE_REPLAYED: 401,
  ERR_RP_CERT_MALFORMED: 400,
  ERR_RP_CERT_POLICY_UNKNOWN: 403,
  ERR_RP_CERT_TEST_POLICY: 403,
  ERR_RP_CERT_WRONG_KIND: 403,
  ERR_RP_CERT_KEY_USAGE: 403,
  ERR_RP_CERT_EXPIRED: 403,
  ERR_RP_CERT_NOT_YET_VALID: 403,
  ERR_RP_CERT_ISSUER_UNKNOWN: 403,
  ERR_RP_CERT_PATH_INVALID: 403,
  ERR_RP_CERT_REVOKED: 403,
  ERR_RP_CERT_SUSPENDED: 403,
  ERR_RP_CERT_STATUS_UNKNOWN: 403,
  ERR_RP_STATUS_UNAVAILABLE: 503,
  ERR_RP_SIGNATURE_INVALID: 401,
  ERR_RP_CONTENT_MISMATCH: 422,
  ERR_RP_CMS_MALFORMED: 400,
  ERR_RP_CMS_UNSUPPORTED: 415,
  ERR_RP_CMS_SIGNER_MISSING: 400,
  // Never thrown to the caller: they appear only in `attempts`.
  ERR_RP_FETCH_FAILED: 503,
  ERR_RP_FETCH_TIMEOUT: 503,
  ERR_RP_FETCH_HTTP_STATUS: 503,
  ERR_RP_FETCH_TOO_LARGE: 503,
  ERR_RP_STATUS_NO_SOURCE: 503,
};

export type Reply<T> = { ok: true; status: 200; body: T } | { ok: false; status: number; body: { code: RelyingPartyErrorCode } };

async function answer<T>(work: () => Promise<T>): Promise<Reply<T>> {
  try {
    return { ok: true, status: 200, body: await work() };
  } catch (err) {
    if (err instanceof RelyingPartyError) return { ok: false, status: HTTP_STATUS[err.code], body: { code: err.code } };
    throw err;
  }
}

/** GET /login: the challenge for the holder's app, and the 51-byte DigestInfo its card or phone signs. */
export async function startLogin(portal: RelyingParty): Promise<{ challenge: string; digestInfo: string }> {
  const c = await portal.generateLoginChallenge();
  return { challenge: c.encoded, digestInfo: Buffer.from(c.digestInfo).toString('base64') };
}

/** POST /login: the app returns the challenge, its user-authentication certificate and the signature. */
export function finishLogin(portal: RelyingParty, form: { challenge: string; certificate: string; signature: string }): Promise<Reply<{ account: string; via: string }>> {
  return answer(async () => {
    const login = await portal.verifyLoginResponse(form);
    // The certificate (its serial and issuer generation) is what the portal links to an account.
    return { account: `${login.issuer.keyIdentifier}/${login.certificate.serialNumber}`, via: login.kind };
  });
}

/** POST /applications: a document and its detached CMS signature; the applicant is who signed it. */
export function receiveApplication(portal: RelyingParty, document: Uint8Array, signature: string): Promise<Reply<{ applicant: BasicFour; signedAt?: string }>> {
  return answer(async () => {
    const v = await portal.verifySignedDocument({ content: document, cms: signature });
    return { applicant: v.basicFour, ...(v.signingTime ? { signedAt: v.signingTime.toISOString() } : {}) };
  });
}
