import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { bytesEqual } from '../bytes/index.js';
import { sha256DigestInfo } from '../transports/jpki-ap/index.js';
import { RelyingPartyError } from './errors.js';
import { bytesOf } from './input.js';

/**
 * The login challenge: what the holder's card or phone signs to log in. It is UTF-8 JSON, exactly
 *
 *     {"type":"jpki-mobile/login-challenge/v1","rpId":"<rpId>","nonce":"<nonce>","issuedAt":"<time>","expiresAt":"<time>"}
 *
 * with the members in this order, no white space, `nonce` the unpadded base64url of 32 random bytes
 * (32 to 64 accepted), times as `Date.prototype.toISOString` writes them (`2026-05-01T09:30:00.000Z`),
 * and `rpId` 1 to 255 characters of `A-Z a-z 0-9 . _ ~ : / -` (a host name or an origin). The
 * signature is RSASSA-PKCS1-v1_5 with SHA-256 over these bytes: the card receives
 * `DigestInfo(SHA-256(bytes))` (51 bytes, `digestInfo` below) in `80 2A 00 80` and pads it itself.
 * The type string keeps a login signature from being mistaken for any other document the same key
 * signs (the holder-revocation request of the certification service is `jpki-mobile/holder-revocation/v1`).
 */
export const LOGIN_CHALLENGE_TYPE = 'jpki-mobile/login-challenge/v1';

export const DEFAULT_CHALLENGE_TTL_MS = 5 * 60_000;
export const MAX_CHALLENGE_TTL_MS = 24 * 3_600_000;
const MAX_CHALLENGE_BYTES = 1024;
const RP_ID = /^[A-Za-z0-9._~:/-]{1,255}$/;
const NONCE = /^[A-Za-z0-9_-]{43,86}$/;

export interface LoginChallenge {
  readonly rpId: string;
  /** base64url of the random bytes. */
  readonly nonce: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  /** The exact bytes the holder signs. */
  readonly bytes: Uint8Array;
  /** base64url of `bytes` (no padding): what the relying party sends to the holder's app and gets back. */
  readonly encoded: string;
  /** DigestInfo { sha256, SHA-256(bytes) }: the 51 bytes the card or phone signs with `80 2A 00 80`. */
  readonly digestInfo: Uint8Array;
}

export interface GenerateLoginChallengeOptions {
  /** Who asks: the relying party's host name or origin. */
  readonly rpId: string;
  /** How long the challenge may be answered (default 5 minutes, at most 24 hours). */
  readonly ttlMs?: number;
  /** Nonce length in bytes, 32 (default) to 64. */
  readonly nonceBytes?: number;
  readonly clock?: () => Date;
  readonly random?: (n: number) => Uint8Array;
}

function encode(rpId: string, nonce: string, issuedAt: Date, expiresAt: Date): Uint8Array {
  const json = JSON.stringify({ type: LOGIN_CHALLENGE_TYPE, rpId, nonce, issuedAt: issuedAt.toISOString(), expiresAt: expiresAt.toISOString() });
  return new Uint8Array(Buffer.from(json, 'utf8'));
}

function challengeOf(rpId: string, nonce: string, issuedAt: Date, expiresAt: Date, bytes: Uint8Array): LoginChallenge {
  return { rpId, nonce, issuedAt, expiresAt, bytes, encoded: Buffer.from(bytes).toString('base64url'), digestInfo: sha256DigestInfo(bytes) };
}

/** A fresh challenge for `rpId`: random nonce, issued now, expiring after `ttlMs`. */
export function generateLoginChallenge(options: GenerateLoginChallengeOptions): LoginChallenge {
  if (options === null || typeof options !== 'object') throw new RelyingPartyError('ERR_RP_INPUT', 'generateLoginChallenge takes { rpId, ... }');
  const { rpId } = options;
  if (typeof rpId !== 'string' || !RP_ID.test(rpId)) throw new RelyingPartyError('ERR_RP_INPUT', 'rpId must be 1 to 255 characters of A-Z a-z 0-9 . _ ~ : / -');
  const ttl = options.ttlMs ?? DEFAULT_CHALLENGE_TTL_MS;
  if (!Number.isInteger(ttl) || ttl < 1000 || ttl > MAX_CHALLENGE_TTL_MS) throw new RelyingPartyError('ERR_RP_INPUT', `ttlMs must be an integer from 1000 to ${MAX_CHALLENGE_TTL_MS}`);
  const size = options.nonceBytes ?? 32;
  if (!Number.isInteger(size) || size < 32 || size > 64) throw new RelyingPartyError('ERR_RP_INPUT', 'nonceBytes must be 32 to 64');
  const random = options.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
  const raw = random(size);
  if (!(raw instanceof Uint8Array) || raw.length !== size) throw new RelyingPartyError('ERR_RP_CONFIG', `the random source did not return ${size} bytes`);
  const issuedAt = new Date((options.clock ?? (() => new Date()))().getTime());
  if (Number.isNaN(issuedAt.getTime())) throw new RelyingPartyError('ERR_RP_CONFIG', 'the clock returned an invalid date');
  const expiresAt = new Date(issuedAt.getTime() + ttl);
  const nonce = Buffer.from(raw).toString('base64url');
  return challengeOf(rpId, nonce, issuedAt, expiresAt, encode(rpId, nonce, issuedAt, expiresAt));
}

function malformed(message: string, cause?: unknown): RelyingPartyError {
  return new RelyingPartyError('ERR_RP_CHALLENGE_MALFORMED', message, cause === undefined ? {} : { cause });
}

function time(value: unknown): Date {
  if (typeof value !== 'string') throw malformed('a challenge time is not a string');
  const d = new Date(value);
  if (Number.isNaN(d.getTime()) || d.toISOString() !== value) throw malformed('a challenge time is not in toISOString form');
  return d;
}

/**
 * A challenge from its bytes (or their base64url, as `encoded`), checked to be exactly the format
 * above: anything else is ERR_RP_CHALLENGE_MALFORMED. A LoginChallenge object is re-read from its bytes.
 */
export function decodeLoginChallenge(input: LoginChallenge | Uint8Array | string): LoginChallenge {
  let bytes: Uint8Array;
  try {
    const raw = input !== null && typeof input === 'object' && !(input instanceof Uint8Array) ? (input as LoginChallenge).bytes : input;
    bytes = bytesOf(raw, 'the challenge', { code: 'ERR_RP_CHALLENGE_MALFORMED' });
  } catch (cause) {
    throw malformed('the challenge is not bytes or base64url', cause);
  }
  if (bytes.length > MAX_CHALLENGE_BYTES) throw malformed(`a challenge of ${bytes.length} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw malformed('the challenge is not UTF-8 JSON', cause);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw malformed('the challenge is not a JSON object');
  const o = value as Record<string, unknown>;
  if (o.type !== LOGIN_CHALLENGE_TYPE) throw malformed(`the challenge type is not ${LOGIN_CHALLENGE_TYPE}`);
  if (typeof o.rpId !== 'string' || !RP_ID.test(o.rpId)) throw malformed('the challenge rpId is malformed');
  if (typeof o.nonce !== 'string' || !NONCE.test(o.nonce) || o.nonce.length % 4 === 1) throw malformed('the challenge nonce is not 32 to 64 bytes of base64url');
  const issuedAt = time(o.issuedAt);
  const expiresAt = time(o.expiresAt);
  if (expiresAt.getTime() <= issuedAt.getTime()) throw malformed('the challenge expires before it is issued');
  // The canonical form, byte for byte: members, order, spacing and escapes are all fixed.
  if (!bytesEqual(encode(o.rpId, o.nonce, issuedAt, expiresAt), bytes)) throw malformed('the challenge is not in its canonical form');
  return challengeOf(o.rpId, o.nonce, issuedAt, expiresAt, bytes);
}

/**
 * Where a relying party remembers the challenges it issued, so that each is answered once (a
 * replayed login response is refused with ERR_RP_CHALLENGE_REPLAYED). Shared by every process of the
 * service when they share one store (a database table, Redis); `MemoryChallengeStore` serves one process.
 */
export interface ChallengeStore {
  /** A challenge was issued at `now`: remember its nonce until `expiresAt`. */
  add(nonce: string, expiresAt: Date, now: Date): void | Promise<void>;
  /** A response verified: true exactly once for a nonce that was added and has not expired at `now`. */
  consume(nonce: string, now: Date): boolean | Promise<boolean>;
}

/** A ChallengeStore in memory, for one process; forgets expired nonces, holds at most `maxEntries`. */
export class MemoryChallengeStore implements ChallengeStore {
  readonly #nonces = new Map<string, number>();

  constructor(readonly maxEntries = 100_000) {}

  add(nonce: string, expiresAt: Date, now: Date): void {
    // Oldest first: challenges share one lifetime, so the expired ones are at the front.
    for (const [n, at] of this.#nonces) {
      if (at > now.getTime() && this.#nonces.size < this.maxEntries) break;
      this.#nonces.delete(n);
    }
    this.#nonces.set(nonce, expiresAt.getTime());
  }

  consume(nonce: string, now: Date): boolean {
    const expiresAt = this.#nonces.get(nonce);
    this.#nonces.delete(nonce);
    return expiresAt !== undefined && expiresAt > now.getTime();
  }
}
