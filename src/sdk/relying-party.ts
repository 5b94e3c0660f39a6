import { Buffer } from 'node:buffer';
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { bytesEqual } from '../bytes/index.js';
import { CmsError, findSignerCertificate, parseSignedData, verifySignedData, type CmsErrorCode, type ParsedSignedData } from '../pki/cms/index.js';
import { reasonName } from '../pki/revocation/index.js';
import type { BasicFour } from '../pki/x509/index.js';
import { loadTrustAnchors, type IssuerInfo, type LoadedAnchor } from './anchors.js';
import { basicFourOf, checkCertificate, type CheckedCertificate } from './certificate.js';
import { RelyingPartyError, type RelyingPartyErrorCode } from './errors.js';
import { bytesOf, CMS_LABELS, type BinaryInput } from './input.js';
import { USES, type AuthenticationKind, type CertificateKind, type CertificateUse, type RelyingPartyMode, type SignatureKind } from './kinds.js';
import { decodeLoginChallenge, generateLoginChallenge, type ChallengeStore, type LoginChallenge } from './login-challenge.js';
import { StatusChecker } from './status.js';
import type {
  CertificateStatus,
  CertificateVerification,
  LoginVerification,
  RelyingPartyOptions,
  SignedDocumentVerification,
  VerifyCertificateOptions,
  VerifyLoginResponseOptions,
  VerifySignedDocumentOptions,
} from './types.js';

const CMS_UNSUPPORTED: readonly CmsErrorCode[] = ['ERR_CMS_CONTENT_TYPE_UNSUPPORTED', 'ERR_CMS_NOT_DETACHED', 'ERR_CMS_ALGORITHM_UNSUPPORTED'];

/** The relying party's decision for a CMS failure. */
function cmsFailure(err: unknown): RelyingPartyError {
  if (!(err instanceof CmsError)) return err instanceof RelyingPartyError ? err : new RelyingPartyError('ERR_RP_CMS_MALFORMED', 'the SignedData cannot be read', { cause: err });
  const code: RelyingPartyErrorCode =
    err.code === 'ERR_CMS_SIGNATURE_INVALID' ? 'ERR_RP_SIGNATURE_INVALID'
    : err.code === 'ERR_CMS_MESSAGE_DIGEST_MISMATCH' ? 'ERR_RP_CONTENT_MISMATCH'
    : err.code === 'ERR_CMS_SIGNER_CERTIFICATE_MISSING' ? 'ERR_RP_CMS_SIGNER_MISSING'
    : err.code === 'ERR_CMS_PARAMS' ? 'ERR_RP_INPUT'
    : CMS_UNSUPPORTED.includes(err.code) ? 'ERR_RP_CMS_UNSUPPORTED'
    : 'ERR_RP_CMS_MALFORMED';
  return new RelyingPartyError(code, err.message, { cause: err });
}

/**
 * A relying party of JPKI (flows 4 and 12): logs holders in with their user-authentication
 * certificate, verifies documents signed with their signature certificate, and checks certificates,
 * each time with path validation to its configured anchors, the kind and policy the use needs, and
 * status by OCSP with CRL fallback. See docs/sdk.md.
 */
export class RelyingParty {
  readonly mode: RelyingPartyMode;
  readonly rpId: string | undefined;
  readonly #anchors: readonly LoadedAnchor[];
  readonly #accept: Readonly<Record<CertificateUse, readonly CertificateKind[]>>;
  readonly #clock: () => Date;
  readonly #random: (n: number) => Uint8Array;
  readonly #status: StatusChecker;
  readonly #ttlMs: number | undefined;
  readonly #store: ChallengeStore | undefined;

  constructor(options: RelyingPartyOptions) {
    if (options === null || typeof options !== 'object') throw new RelyingPartyError('ERR_RP_CONFIG', 'RelyingParty takes { trustAnchors, ... }');
    const mode = options.mode ?? 'production';
    if (mode !== 'production' && mode !== 'test') throw new RelyingPartyError('ERR_RP_CONFIG', "mode is 'production' or 'test'");
    this.mode = mode;
    this.rpId = options.rpId;
    const anchors = loadTrustAnchors(options.trustAnchors);
    this.#anchors = [...anchors.sign, ...anchors.auth];
    this.#accept = { login: this.#kinds('login', options.login?.accept), signing: this.#kinds('signing', options.signing?.accept) };
    this.#clock = options.clock ?? (() => new Date());
    this.#random = options.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
    this.#status = new StatusChecker(options.status ?? {}, this.#clock, this.#random);
    this.#ttlMs = options.login?.challengeTtlMs;
    this.#store = options.login?.challengeStore;
    if (this.#store !== undefined && (typeof this.#store.add !== 'function' || typeof this.#store.consume !== 'function')) {
      throw new RelyingPartyError('ERR_RP_CONFIG', 'login.challengeStore needs add() and consume()');
    }
  }

  #kinds(use: CertificateUse, accept: readonly CertificateKind[] | undefined, narrowing?: readonly CertificateKind[]): readonly CertificateKind[] {
    const allowed: readonly CertificateKind[] = narrowing ?? USES[use].kinds;
    if (accept === undefined) return allowed;
    if (!Array.isArray(accept) || accept.length === 0 || accept.some((k) => !allowed.includes(k))) {
      throw new RelyingPartyError('ERR_RP_CONFIG', `accept for ${use} must be a non-empty list of ${allowed.join(', ')}`);
    }
    return [...accept];
  }

  /** The configured trust anchors (every CA generation), as results name them. */
  get trustAnchors(): readonly IssuerInfo[] {
    return this.#anchors.map((a) => a.info);
  }

  /** Forgets every cached OCSP answer and CRL. */
  clearStatusCache(): void {
    this.#status.clearCache();
  }

  /** A fresh login challenge (see LoginChallenge for its exact bytes); remembered by the challenge store when there is one. */
  async generateLoginChallenge(options: { readonly rpId?: string; readonly ttlMs?: number } = {}): Promise<LoginChallenge> {
    const rpId = options.rpId ?? this.rpId;
    if (rpId === undefined) throw new RelyingPartyError('ERR_RP_CONFIG', 'no rpId: give one to the RelyingParty or to this call');
    const ttlMs = options.ttlMs ?? this.#ttlMs;
    const challenge = generateLoginChallenge({ rpId, ...(ttlMs === undefined ? {} : { ttlMs }), clock: this.#clock, random: this.#random });
    await this.#store?.add(challenge.nonce, challenge.expiresAt, challenge.issuedAt);
    return challenge;
  }

  /**
   * Checks a login response: the challenge (format, rpId, expiry, single use), the certificate
   * (kind, policy, key usage, path), the signature over the challenge bytes, then the status.
   */
  async verifyLoginResponse(options: VerifyLoginResponseOptions): Promise<LoginVerification> {
    if (options === null || typeof options !== 'object') throw new RelyingPartyError('ERR_RP_INPUT', 'verifyLoginResponse takes { challenge, certificate, signature }');
    const challenge = decodeLoginChallenge(options.challenge);
    const expected = options.expectedRpId ?? this.rpId;
    if (expected === undefined) throw new RelyingPartyError('ERR_RP_CONFIG', 'no rpId to check the challenge against');
    if (challenge.rpId !== expected) throw new RelyingPartyError('ERR_RP_CHALLENGE_RP_MISMATCH', `the challenge is for ${challenge.rpId}, not ${expected}`);
    const now = this.#clock();
    if (now.getTime() > challenge.expiresAt.getTime()) throw new RelyingPartyError('ERR_RP_CHALLENGE_EXPIRED', `the challenge expired at ${challenge.expiresAt.toISOString()}`);

    const checked = this.#check(options.certificate, 'login', options.accept, options.intermediates, now);
    const details = { serialNumber: checked.info.serialNumber, kind: checked.kind };
    const signature = bytesOf(options.signature, 'the signature', { code: 'ERR_RP_SIGNATURE_INVALID' });
    let valid = false;
    try {
      valid = verify('sha256', challenge.bytes, createPublicKey({ key: Buffer.from(checked.parsed.subjectPublicKeyInfo), format: 'der', type: 'spki' }), signature);
    } catch {
      valid = false;
    }
    if (!valid) throw new RelyingPartyError('ERR_RP_SIGNATURE_INVALID', 'the signature over the challenge does not verify with the certificate', details);
    if (this.#store !== undefined && !(await this.#store.consume(challenge.nonce, now))) {
      throw new RelyingPartyError('ERR_RP_CHALLENGE_REPLAYED', 'the challenge was already answered, or was not issued here', details);
    }
    const status = await this.#statusOf(checked);
    return {
      ...this.#result(checked, status),
      kind: checked.kind as AuthenticationKind,
      challenge: { rpId: challenge.rpId, nonce: challenge.nonce, issuedAt: challenge.issuedAt, expiresAt: challenge.expiresAt },
    };
  }

  /**
   * Checks a detached CMS SignedData over `content`: its structure, the signer certificate (kind,
   * policy, key usage, path), the signature over the signed attributes and the message digest of the
   * content, then the status; returns the signer's basic four information.
   */
  async verifySignedDocument(options: VerifySignedDocumentOptions): Promise<SignedDocumentVerification> {
    if (options === null || typeof options !== 'object') throw new RelyingPartyError('ERR_RP_INPUT', 'verifySignedDocument takes { content, cms }');
    if (!(options.content instanceof Uint8Array)) throw new RelyingPartyError('ERR_RP_INPUT', 'content must be the document bytes');
    const der = bytesOf(options.cms, 'the SignedData', { labels: CMS_LABELS, code: 'ERR_RP_CMS_MALFORMED' });
    let signedData: ParsedSignedData;
    let signer: Uint8Array;
    try {
      signedData = parseSignedData(der);
      signer = findSignerCertificate(signedData.signer.sid, signedData.certificates).der;
    } catch (err) {
      throw cmsFailure(err);
    }
    const now = this.#clock();
    const others = signedData.certificates.filter((c) => !bytesEqual(c, signer));
    const checked = this.#check(signer, 'signing', options.accept, others, now);
    const details = { serialNumber: checked.info.serialNumber, kind: checked.kind };
    let signingTime: Date | undefined;
    try {
      signingTime = verifySignedData(signedData, options.content).signingTime;
    } catch (err) {
      const e = cmsFailure(err);
      throw new RelyingPartyError(e.code, e.message, { ...details, cause: err });
    }
    const basicFour = basicFourOf(checked.parsed);
    if (basicFour === undefined) throw new RelyingPartyError('ERR_RP_CERT_MALFORMED', 'the signature certificate carries no basic four information', details);
    const status = await this.#statusOf(checked);
    return { ...this.#result(checked, status), kind: checked.kind as SignatureKind, basicFour, ...(signingTime === undefined ? {} : { signingTime }) };
  }

  /** Checks a certificate for a use (kind, policy, key usage, path, status) without any signature. */
  async verifyCertificate(options: VerifyCertificateOptions): Promise<CertificateVerification & { readonly basicFour?: BasicFour }> {
    if (options === null || typeof options !== 'object' || (options.use !== 'login' && options.use !== 'signing')) {
      throw new RelyingPartyError('ERR_RP_INPUT', "verifyCertificate takes { certificate, use: 'login' | 'signing' }");
    }
    const checked = this.#check(options.certificate, options.use, options.accept, options.intermediates, this.#clock());
    const basicFour = options.use === 'signing' ? basicFourOf(checked.parsed) : undefined;
    const status = await this.#statusOf(checked);
    return { ...this.#result(checked, status), ...(basicFour === undefined ? {} : { basicFour }) };
  }

  #check(certificate: BinaryInput, use: CertificateUse, accept: readonly CertificateKind[] | undefined, intermediates: readonly BinaryInput[] | undefined, time: Date): CheckedCertificate {
    return checkCertificate({
      certificate,
      use,
      accept: this.#kinds(use, accept, this.#accept[use]),
      mode: this.mode,
      anchors: this.#anchors,
      ...(intermediates === undefined ? {} : { intermediates }),
      time,
    });
  }

  async #statusOf(checked: CheckedCertificate): Promise<CertificateStatus> {
    const outcome = await this.#status.check(checked.parsed, checked.directIssuer);
    const details = { serialNumber: checked.info.serialNumber, kind: checked.kind, attempts: outcome.attempts };
    const answer = outcome.answer;
    if (answer === undefined) {
      if (this.#status.onUnavailable === 'accept') return { state: 'unavailable', cached: false, attempts: outcome.attempts };
      throw new RelyingPartyError('ERR_RP_STATUS_UNAVAILABLE', `no status source answered: ${outcome.attempts.map((a) => `${a.source} ${a.code}`).join('; ')}`, details);
    }
    const source = outcome.source!;
    if (answer.status === 'unknown') throw new RelyingPartyError('ERR_RP_CERT_STATUS_UNKNOWN', 'the OCSP responder does not know this certificate', { ...details, source });
    if (answer.status === 'revoked') {
      const reason = answer.reason === undefined ? undefined : reasonName(answer.reason);
      const revocation = { ...details, source, revokedAt: answer.revokedAt, ...(reason === undefined ? {} : { reason }) };
      if (answer.reason === 6) throw new RelyingPartyError('ERR_RP_CERT_SUSPENDED', `suspended (certificateHold) since ${answer.revokedAt.toISOString()}`, revocation);
      throw new RelyingPartyError('ERR_RP_CERT_REVOKED', `revoked (${reason ?? 'no reason given'}) at ${answer.revokedAt.toISOString()}`, revocation);
    }
    return {
      state: 'good',
      source,
      ...(outcome.url === undefined ? {} : { url: outcome.url }),
      thisUpdate: answer.thisUpdate,
      ...(answer.nextUpdate === undefined ? {} : { nextUpdate: answer.nextUpdate }),
      cached: outcome.cached,
      attempts: outcome.attempts,
    };
  }

  #result(checked: CheckedCertificate, status: CertificateStatus): CertificateVerification {
    return { kind: checked.kind, holder: checked.holder, certificate: checked.info, issuer: checked.issuer, status };
  }
}
