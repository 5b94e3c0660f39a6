import { JpkiServiceError } from './errors.js';

/**
 * The documents a card or a phone signs to ask the service for something. Each is UTF-8 JSON; the
 * signature covers the exact bytes sent (RSASSA-PKCS1-v1_5 with SHA-256, as the card's signing
 * command makes it over a SHA-256 DigestInfo), so no canonicalisation is needed: the service
 * verifies the bytes first and parses them only then.
 */
export const PHONE_ISSUANCE = 'jpki-mobile/phone-issuance/v1';
export const HOLDER_REVOCATION = 'jpki-mobile/holder-revocation/v1';
export const PHONE_SECRET_RESET = 'jpki-mobile/phone-secret-reset/v1';

/** An issuance application (flows.md 3.3): the SE identity, the public keys the SE generated, a nonce, a time. */
export interface PhoneIssuanceApplication {
  readonly type: typeof PHONE_ISSUANCE;
  /** Secure element identity (e.g. from its CPLC), as registered with the TSM. */
  readonly seId: string;
  /** DER SubjectPublicKeyInfo of the keys generated in the secure element. */
  readonly signPublicKey: Uint8Array;
  readonly authPublicKey: Uint8Array;
  readonly nonce: string;
  readonly time: Date;
}

/** A holder's request to revoke their phone certificates, signed with the phone's authentication key (flow 7). */
export interface HolderRevocationRequest {
  readonly type: typeof HOLDER_REVOCATION;
  /** Serial of the phone user-authentication certificate whose key signed the request. */
  readonly serial: string;
  readonly reason: 'cessationOfOperation' | 'keyCompromise';
  readonly nonce: string;
  readonly time: Date;
}

/** Which secrets of the phone's applet a re-initialisation sets (flow 5). */
export type SecretsToReset = 'pin' | 'password' | 'both';

/**
 * A request to re-initialise the PIN and/or the signature password of a phone's applet (flow 5), signed
 * with the card's signature key: the element, the phone certificates it holds (so the card signs
 * exactly which keys' secrets are reset), which secrets, a nonce, a time.
 */
export interface PhoneSecretResetRequest {
  readonly type: typeof PHONE_SECRET_RESET;
  readonly seId: string;
  readonly signSerial: string;
  readonly authSerial: string;
  readonly secrets: SecretsToReset;
  readonly nonce: string;
  readonly time: Date;
}

const MAX_DOCUMENT = 8 * 1024;

function bad(message: string): JpkiServiceError {
  return new JpkiServiceError('ERR_JPKI_APPLICATION', message);
}

function parseObject(bytes: Uint8Array): Record<string, unknown> {
  if (bytes.length === 0 || bytes.length > MAX_DOCUMENT) throw bad(`a signed document is 1..${MAX_DOCUMENT} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw bad('the signed document is not UTF-8 JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('the signed document is not a JSON object');
  return value as Record<string, unknown>;
}

function str(o: Record<string, unknown>, key: string, pattern: RegExp): string {
  const v = o[key];
  if (typeof v !== 'string' || !pattern.test(v)) throw bad(`field '${key}' is missing or malformed`);
  return v;
}

function base64(o: Record<string, unknown>, key: string): Uint8Array {
  const v = str(o, key, /^[A-Za-z0-9+/]{20,2000}={0,2}$/);
  return new Uint8Array(Buffer.from(v, 'base64'));
}

function time(o: Record<string, unknown>): Date {
  const v = str(o, 'time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/);
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw bad("field 'time' is not a valid time");
  return d;
}

const NONCE = /^[A-Za-z0-9_-]{16,128}$/;

export function encodePhoneIssuanceApplication(a: Omit<PhoneIssuanceApplication, 'type'>): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({
      type: PHONE_ISSUANCE,
      seId: a.seId,
      signPublicKey: Buffer.from(a.signPublicKey).toString('base64'),
      authPublicKey: Buffer.from(a.authPublicKey).toString('base64'),
      nonce: a.nonce,
      time: a.time.toISOString(),
    }),
  );
}

export function parsePhoneIssuanceApplication(bytes: Uint8Array): PhoneIssuanceApplication {
  const o = parseObject(bytes);
  if (o.type !== PHONE_ISSUANCE) throw bad(`type must be ${PHONE_ISSUANCE}`);
  return {
    type: PHONE_ISSUANCE,
    seId: str(o, 'seId', /^[A-Za-z0-9:._-]{4,128}$/),
    signPublicKey: base64(o, 'signPublicKey'),
    authPublicKey: base64(o, 'authPublicKey'),
    nonce: str(o, 'nonce', NONCE),
    time: time(o),
  };
}

export function encodeHolderRevocationRequest(r: Omit<HolderRevocationRequest, 'type'>): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ type: HOLDER_REVOCATION, serial: r.serial, reason: r.reason, nonce: r.nonce, time: r.time.toISOString() }));
}

export function parseHolderRevocationRequest(bytes: Uint8Array): HolderRevocationRequest {
  const o = parseObject(bytes);
  if (o.type !== HOLDER_REVOCATION) throw bad(`type must be ${HOLDER_REVOCATION}`);
  const reason = o.reason;
  if (reason !== 'cessationOfOperation' && reason !== 'keyCompromise') throw bad("field 'reason' must be cessationOfOperation or keyCompromise");
  return { type: HOLDER_REVOCATION, serial: str(o, 'serial', /^[0-9A-F]{2,40}$/), reason, nonce: str(o, 'nonce', NONCE), time: time(o) };
}

export function encodePhoneSecretResetRequest(r: Omit<PhoneSecretResetRequest, 'type'>): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({ type: PHONE_SECRET_RESET, seId: r.seId, signSerial: r.signSerial, authSerial: r.authSerial, secrets: r.secrets, nonce: r.nonce, time: r.time.toISOString() }),
  );
}

export function parsePhoneSecretResetRequest(bytes: Uint8Array): PhoneSecretResetRequest {
  const o = parseObject(bytes);
  if (o.type !== PHONE_SECRET_RESET) throw bad(`type must be ${PHONE_SECRET_RESET}`);
  const secrets = o.secrets;
  if (secrets !== 'pin' && secrets !== 'password' && secrets !== 'both') throw bad("field 'secrets' must be pin, password or both");
  return {
    type: PHONE_SECRET_RESET,
    seId: str(o, 'seId', /^[A-Za-z0-9:._-]{4,128}$/),
    signSerial: str(o, 'signSerial', /^[0-9A-F]{2,40}$/),
    authSerial: str(o, 'authSerial', /^[0-9A-F]{2,40}$/),
    secrets,
    nonce: str(o, 'nonce', NONCE),
    time: time(o),
  };
}

/** A signed document is fresh when its time is within `skewMs` of now (default 5 minutes). */
export function assertFresh(t: Date, now: Date, skewMs = 5 * 60_000): void {
  if (Math.abs(now.getTime() - t.getTime()) > skewMs) {
    throw new JpkiServiceError('ERR_JPKI_APPLICATION_STALE', 'the signed document is too old or from the future');
  }
}
