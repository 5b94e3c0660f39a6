import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/*
 * JSON Web Signature, compact serialisation (RFC 7515 7.1), with EdDSA over Ed25519 (RFC 8037 3.1):
 *
 *   BASE64URL(UTF8(protected header)) '.' BASE64URL(payload) '.' BASE64URL(Ed25519(signing input))
 *
 * where the signing input is the ASCII of the first two parts joined by '.'. The key is named by its
 * JWK thumbprint (RFC 7638 3: SHA-256 over {"crv","kty","x"} in that order, no white space), which is
 * also the `kid` of the kiosk's published JWK set.
 */

export interface Ed25519Jwk {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  readonly x: string;
}

export function publicJwk(key: KeyObject): Ed25519Jwk {
  const jwk = createPublicKey(key).export({ format: 'jwk' }) as { kty?: string; crv?: string; x?: string };
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new TypeError('the kiosk signs with an Ed25519 key');
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
}

/** RFC 7638 thumbprint of an Ed25519 JWK (RFC 8037 2 names its required members crv, kty, x). */
export function jwkThumbprint(jwk: Ed25519Jwk): string {
  return createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x })).digest('base64url');
}

/** The compact JWS of `payload` signed with `key` (Ed25519), header `{"alg":"EdDSA","kid":kid}`. */
export function signCompact(payload: Uint8Array, key: KeyObject, kid: string): string {
  const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid })).toString('base64url');
  const input = `${header}.${Buffer.from(payload).toString('base64url')}`;
  return `${input}.${sign(null, Buffer.from(input, 'ascii'), key).toString('base64url')}`;
}

/** Checks a compact JWS with an Ed25519 public JWK; returns the payload bytes, or undefined when it does not verify. */
export function verifyCompact(jws: string, jwk: Ed25519Jwk): Uint8Array | undefined {
  const parts = jws.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if ((header as { alg?: unknown } | null)?.alg !== 'EdDSA') return undefined;
  const key = createPublicKey({ key: { ...jwk }, format: 'jwk' });
  const ok = verify(null, Buffer.from(`${parts[0]}.${parts[1]}`, 'ascii'), key, Buffer.from(parts[2]!, 'base64url'));
  return ok ? new Uint8Array(Buffer.from(parts[1]!, 'base64url')) : undefined;
}
