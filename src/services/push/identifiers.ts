import { createHash } from 'node:crypto';

/**
 * The push service's identifiers and secrets. Every one is random (injected randomness), base64url
 * without padding (RFC 4648 section 5), and has a fixed shape so that a malformed one is refused before
 * any lookup. Secrets (registration tokens, device secrets, sender tokens) are stored only as their
 * SHA-256: they are 256-bit random values, so a fast hash is enough to make a stolen database useless
 * for impersonation, and a hash can be looked up through an index.
 */

export type Random = (length: number) => Uint8Array;

const B64URL = '[A-Za-z0-9_-]';

/** A registration token: 32 random bytes (256 bits), 43 base64url characters, no prefix (opaque, as FCM's). */
export const TOKEN_PATTERN = new RegExp(`^${B64URL}{43}$`);
/** A device secret, as the device presents it in `Authorization: Bearer`. */
export const DEVICE_SECRET_PATTERN = new RegExp(`^${B64URL}{43}$`);
/** `dev_` and 16 random bytes. */
export const DEVICE_ID_PATTERN = new RegExp(`^dev_${B64URL}{22}$`);
/** `msg_` and 16 random bytes. */
export const MESSAGE_ID_PATTERN = new RegExp(`^msg_${B64URL}{22}$`);
/** `push_` and 32 random bytes. */
export const SENDER_TOKEN_PATTERN = new RegExp(`^push_${B64URL}{43}$`);
/** A sender's name: what `jpki-mobile push sender add NAME` takes (sp-tsm, sei-tsm, …). */
export const SENDER_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/**
 * An application id: an Android package name or an iOS bundle id (reverse-DNS, e.g.
 * `jp.go.jpki.mobile`), 1-128 characters of letters, digits, `.`, `_` and `-`.
 */
export const APP_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

export const newToken = (random: Random): string => b64url(random(32));
export const newDeviceSecret = (random: Random): string => b64url(random(32));
export const newDeviceId = (random: Random): string => `dev_${b64url(random(16))}`;
export const newMessageId = (random: Random): string => `msg_${b64url(random(16))}`;
export const newRegistrationId = (random: Random): string => `reg_${b64url(random(16))}`;
export const newSenderToken = (random: Random): string => `push_${b64url(random(32))}`;

/** The stored form of a secret: lowercase hex SHA-256 of its UTF-8 text. */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
