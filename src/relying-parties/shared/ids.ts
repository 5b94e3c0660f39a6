import { createHash, randomBytes } from 'node:crypto';

/**
 * Identifiers and secrets of the relying parties. Ids (challenges, drafts, applications, openings,
 * accounts, kiosk sessions) are 128 random bits in unpadded base64url (22 characters): unguessable,
 * so an id in a URL is not a way to find someone else's record. Session tokens are 256 bits (43
 * characters) and are stored only as their SHA-256.
 */
export const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export type Random = (n: number) => Uint8Array;

export const defaultRandom: Random = (n) => new Uint8Array(randomBytes(n));

export function newId(random: Random = defaultRandom): string {
  return Buffer.from(random(16)).toString('base64url');
}

export function newToken(random: Random = defaultRandom): string {
  return Buffer.from(random(32)).toString('base64url');
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
