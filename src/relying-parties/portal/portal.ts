import { reasonName } from '../../pki/revocation/index.js';
import { parseCertificate } from '../../pki/x509/index.js';
import { RelyingParty, type RelyingPartyMode, type StatusOptions } from '../../sdk/index.js';
import { appendAudit, fromDbTimestamp, toDbTimestamp, type Database } from '../../store/index.js';
import { sdkAnchors, type TrustAnchors } from '../shared/anchors.js';
import { DatabaseChallengeStore } from '../shared/challenge-store.js';
import type { JpkiDirectory } from '../shared/directory.js';
import { defaultRandom, newId, newToken, tokenHash, type Random } from '../shared/ids.js';
import { PortalApplications } from './applications.js';
import { PortalError } from './errors.js';
import { getChallenge, insertChallenge, insertSession, endSession, purgeChallenges, sessionByTokenHash, PORTAL_PARTY, type SessionRow } from './repository.js';

export interface PortalOptions {
  readonly db: Database;
  readonly trustAnchors: TrustAnchors;
  /** This portal's name in login challenges (a host name or origin, e.g. `https://portal.example.jp`). */
  readonly rpId: string;
  /**
   * The certification service's person records (a token of role `relying-party`). Without it the
   * portal knows a holder only by certificate: `/me` has no person, `/me/certificates` is refused, and
   * an application's signer is not matched to the logged-in person.
   */
  readonly directory?: JpkiDirectory;
  readonly mode?: RelyingPartyMode;
  /** OCSP and CRL settings of the SDK (timeouts, fetch, fail open or closed). */
  readonly status?: StatusOptions;
  /** Session lifetime from login (default 30 minutes); a session is never extended. */
  readonly sessionTtlMs?: number;
  /** How long a login challenge may be answered (default 5 minutes). */
  readonly challengeTtlMs?: number;
  /** How long a draft application may be signed (default 15 minutes). */
  readonly draftTtlMs?: number;
  readonly clock?: () => Date;
  readonly random?: Random;
}

export interface LoginChallengeView {
  readonly challengeId: string;
  /** base64url of the challenge bytes (the SDK's format, docs/sdk.md). */
  readonly challenge: string;
  /** DigestInfo(SHA-256(challenge bytes)): what the card or phone signs with `80 2A 00 80`. */
  readonly digestInfo: Uint8Array;
  readonly rpId: string;
  readonly expiresAt: Date;
}

/** A logged-in holder: who, by which certificate, until when. */
export interface PortalSession {
  readonly id: string;
  /** `person:<id>` with a directory, else `certificate:<issuer key id>/<serial>`. Applications belong to it. */
  readonly account: string;
  readonly personId: string | null;
  readonly holder: 'card' | 'phone';
  readonly certificateSerial: string;
  readonly certificateIssuer: string;
  readonly certificate: Uint8Array;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

export interface LoginResult {
  /** The session token: the value of the HttpOnly cookie, or `Authorization: Bearer`. Shown once. */
  readonly token: string;
  readonly session: PortalSession;
}

function sessionOf(r: SessionRow): PortalSession {
  return {
    id: r.id,
    account: r.account,
    personId: r.person_id,
    holder: r.holder,
    certificateSerial: r.certificate_serial,
    certificateIssuer: r.certificate_issuer,
    certificate: r.certificate,
    createdAt: fromDbTimestamp(r.created_at),
    expiresAt: fromDbTimestamp(r.expires_at),
  };
}

/**
 * The Mynaportal-like portal (flow 4): login with the user-authentication certificate of a card or a
 * phone, sessions, the holder's identity and certificates, and applications signed with the signature
 * certificate (`applications`). All state is in the database; any number of processes serve one portal.
 */
export class Portal {
  readonly rpId: string;
  readonly db: Database;
  readonly rp: RelyingParty;
  readonly directory: JpkiDirectory | undefined;
  readonly applications: PortalApplications;
  readonly #clock: () => Date;
  readonly #random: Random;
  readonly #sessionTtlMs: number;

  constructor(options: PortalOptions) {
    this.rpId = options.rpId;
    this.db = options.db;
    this.directory = options.directory;
    this.#clock = options.clock ?? (() => new Date());
    this.#random = options.random ?? defaultRandom;
    this.#sessionTtlMs = options.sessionTtlMs ?? 30 * 60_000;
    this.rp = new RelyingParty({
      trustAnchors: sdkAnchors(options.trustAnchors),
      rpId: options.rpId,
      ...(options.mode ? { mode: options.mode } : {}),
      login: { accept: ['card-auth', 'phone-auth'], challengeTtlMs: options.challengeTtlMs ?? 5 * 60_000, challengeStore: new DatabaseChallengeStore(options.db, PORTAL_PARTY) },
      signing: { accept: ['card-sign', 'phone-sign'] },
      ...(options.status ? { status: options.status } : {}),
      clock: this.#clock,
      random: this.#random,
    });
    const standIn = options.trustAnchors.sign[0];
    if (standIn === undefined) throw new TypeError('the portal needs at least one signature CA anchor');
    this.applications = new PortalApplications({
      db: options.db,
      rp: this.rp,
      rpId: options.rpId,
      standIn,
      ...(options.directory ? { directory: options.directory } : {}),
      draftTtlMs: options.draftTtlMs ?? 15 * 60_000,
      clock: this.#clock,
      random: this.#random,
    });
  }

  /** A fresh login challenge, kept in the database under a new id (expired ones are forgotten here). */
  async startLogin(): Promise<LoginChallengeView> {
    const c = await this.rp.generateLoginChallenge();
    const id = newId(this.#random);
    await this.db.transaction(async (tx) => {
      await purgeChallenges(tx, PORTAL_PARTY, toDbTimestamp(new Date(c.issuedAt.getTime() - 3_600_000)));
      await insertChallenge(tx, { id, party: PORTAL_PARTY, nonce: c.nonce, challenge: c.encoded, created_at: toDbTimestamp(c.issuedAt), expires_at: toDbTimestamp(c.expiresAt) });
    });
    return { challengeId: id, challenge: c.encoded, digestInfo: c.digestInfo, rpId: c.rpId, expiresAt: c.expiresAt };
  }

  /**
   * Verifies the answer to a challenge (the SDK: challenge expiry and single use, certificate kind
   * card-auth or phone-auth, path, signature, then OCSP) and opens a session. SDK refusals are
   * `RelyingPartyError`s; an unknown challenge id `ERR_PORTAL_CHALLENGE_UNKNOWN`.
   */
  async login(answer: { challengeId: string; certificate: Uint8Array; signature: Uint8Array }): Promise<LoginResult> {
    const row = await getChallenge(this.db, PORTAL_PARTY, answer.challengeId);
    if (!row) throw new PortalError('ERR_PORTAL_CHALLENGE_UNKNOWN', 'no such login challenge: ask for a new one');
    const login = await this.rp.verifyLoginResponse({ challenge: row.challenge, certificate: answer.certificate, signature: answer.signature });
    const serial = login.certificate.serialNumber;
    const personId = this.directory ? (await this.directory.certificate(serial)).personId : null;
    const now = this.#clock();
    const token = newToken(this.#random);
    const session: PortalSession = {
      id: newId(this.#random),
      account: personId !== null ? `person:${personId}` : `certificate:${login.issuer.keyIdentifier}/${serial}`,
      personId,
      holder: login.holder,
      certificateSerial: serial,
      certificateIssuer: login.issuer.keyIdentifier,
      certificate: login.certificate.der,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.#sessionTtlMs),
    };
    await this.db.transaction(async (tx) => {
      await insertSession(tx, {
        id: session.id,
        token_hash: tokenHash(token),
        account: session.account,
        person_id: personId,
        holder: session.holder,
        certificate_serial: serial,
        certificate_issuer: session.certificateIssuer,
        certificate: session.certificate,
        created_at: toDbTimestamp(now),
        expires_at: toDbTimestamp(session.expiresAt),
      });
      await appendAudit(tx, { at: now, actor: PORTAL_PARTY, action: 'portal-login', subject: session.id, payload: { kind: login.kind, certificateSerial: serial } });
    });
    return { token, session };
  }

  /** The session of a token: `ERR_PORTAL_UNAUTHENTICATED` (none, unknown, logged out) or `ERR_PORTAL_SESSION_EXPIRED`. */
  async authenticate(token: string | undefined): Promise<PortalSession> {
    if (token === undefined) throw new PortalError('ERR_PORTAL_UNAUTHENTICATED', 'log in first');
    const row = await sessionByTokenHash(this.db, tokenHash(token));
    if (!row || row.ended_at !== null) throw new PortalError('ERR_PORTAL_UNAUTHENTICATED', 'no such session: log in again');
    if (fromDbTimestamp(row.expires_at).getTime() <= this.#clock().getTime()) throw new PortalError('ERR_PORTAL_SESSION_EXPIRED', 'the session has expired: log in again');
    return sessionOf(row);
  }

  /** Ends the session of a token (an expired one too); `ERR_PORTAL_UNAUTHENTICATED` when there is none. */
  async logout(token: string | undefined): Promise<void> {
    const row = token === undefined ? undefined : await sessionByTokenHash(this.db, tokenHash(token));
    if (!row || row.ended_at !== null) throw new PortalError('ERR_PORTAL_UNAUTHENTICATED', 'no such session');
    await endSession(this.db, row.id, toDbTimestamp(this.#clock()));
  }

  /**
   * Who is logged in: the certificate (what it says: a user-authentication certificate names no one)
   * and, with a directory, the person the municipal office registered for it, read now (an address
   * change since login shows).
   */
  async me(session: PortalSession) {
    const c = parseCertificate(session.certificate);
    const person = this.directory && session.personId !== null ? await this.directory.person(session.personId) : undefined;
    return {
      session: { id: session.id, createdAt: session.createdAt, expiresAt: session.expiresAt },
      holder: session.holder,
      certificate: { serial: session.certificateSerial, subject: c.subjectString, issuer: c.issuerString, issuerKeyId: session.certificateIssuer, notBefore: c.notBefore, notAfter: c.notAfter },
      person: person
        ? {
            personId: person.personId,
            name: person.name,
            address: person.address,
            birthDate: person.birthDate,
            sex: person.sex,
            source: 'jpki-service' as const,
          }
        : null,
    };
  }

  /** Every certificate of the logged-in person, card and phone, with its state (needs the directory). */
  async myCertificates(session: PortalSession) {
    if (!this.directory || session.personId === null) throw new PortalError('ERR_PORTAL_NO_DIRECTORY', 'this portal has no access to the certification service');
    const person = await this.directory.person(session.personId);
    return {
      personId: person.personId,
      certificates: person.certificates.map((c) => ({
        serial: c.serial,
        holder: c.device,
        use: c.hierarchy === 'sign' ? ('signature' as const) : ('user-authentication' as const),
        status: c.status,
        reason: c.reason === null ? null : reasonName(c.reason),
        revokedAt: c.revokedAt,
        notBefore: c.notBefore,
        notAfter: c.notAfter,
        linkedSerial: c.linkedSerial,
        thisSession: c.serial === session.certificateSerial,
      })),
    };
  }
}
