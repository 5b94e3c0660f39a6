import { randomBytes, scrypt, type ScryptOptions } from 'node:crypto';
import { constantTimeEqual, fromHex, toHex } from '../../../bytes/index.js';

/**
 * How a PIN or password is kept in the card file: never in clear, as scrypt (RFC 7914) of the exact
 * bytes VERIFY carries (ASCII, no padding), with a 16-byte random salt, compared in constant time.
 * With 10^4 possible PINs the hash is no barrier to someone holding the file; the retry counter is
 * the protection, as on the real card. The cost parameters live in the record so tests can use a
 * cheap one; they are bounded so a crafted card file cannot make VERIFY run for minutes.
 */
export interface ScryptCost {
  /** CPU/memory cost, a power of two from 2^10 to 2^17. */
  readonly N: number;
  /** Block size, 1..16. */
  readonly r: number;
  /** Parallelism, 1..4. */
  readonly p: number;
}

export const DEFAULT_SCRYPT_COST: ScryptCost = { N: 16384, r: 8, p: 1 };

export interface SecretHash extends ScryptCost {
  readonly kdf: 'scrypt';
  /** 16 bytes, hex. */
  readonly salt: string;
  /** 32 bytes, hex. */
  readonly hash: string;
}

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

export function isScryptCost(c: ScryptCost): boolean {
  const powerOfTwo = Number.isInteger(c.N) && c.N >= 1024 && c.N <= 131072 && (c.N & (c.N - 1)) === 0;
  return powerOfTwo && Number.isInteger(c.r) && c.r >= 1 && c.r <= 16 && Number.isInteger(c.p) && c.p >= 1 && c.p <= 4;
}

function derive(secret: Uint8Array, salt: Uint8Array, cost: ScryptCost): Promise<Uint8Array> {
  const options: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(new Uint8Array(key))));
  });
}

/** A source of random bytes (the secure element gives its own; the card uses node's). */
export type RandomSource = (length: number) => Uint8Array;

const nodeRandom: RandomSource = (n) => new Uint8Array(randomBytes(n));

export async function hashSecret(secret: Uint8Array, cost: ScryptCost = DEFAULT_SCRYPT_COST, random: RandomSource = nodeRandom): Promise<SecretHash> {
  const salt = random(SALT_LENGTH);
  if (salt.length !== SALT_LENGTH) throw new RangeError(`the random source gave ${salt.length} bytes for a ${SALT_LENGTH}-byte salt`);
  const hash = await derive(secret, salt, cost);
  return { kdf: 'scrypt', N: cost.N, r: cost.r, p: cost.p, salt: toHex(salt), hash: toHex(hash) };
}

/** True when `candidate` is the secret `record` was made from; the comparison takes constant time. */
export async function secretMatches(record: SecretHash, candidate: Uint8Array): Promise<boolean> {
  const derived = await derive(candidate, fromHex(record.salt), record);
  return constantTimeEqual(derived, fromHex(record.hash));
}

export const SECRET_SIZES = { salt: SALT_LENGTH, hash: KEY_LENGTH } as const;
