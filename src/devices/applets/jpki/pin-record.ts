import { PIN_RULES, type PinFid } from './constants.js';
import { isScryptCost, SECRET_SIZES, type SecretHash } from './secret.js';

/** A PIN EF: the salted hash of the value, and its retry counter (jpki-ap.md 2). */
export interface PinRecord extends SecretHash {
  /** Tries left before the PIN is blocked; 0 = blocked. */
  readonly triesLeft: number;
  readonly maxTries: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hexOf(o: Record<string, unknown>, key: string, length: number): string | undefined {
  const v = o[key];
  return typeof v === 'string' && v.length === 2 * length && /^(?:[0-9A-F]{2})+$/.test(v) ? v : undefined;
}

/**
 * Checks a PIN record read from a persistent document (the card file, the applet's data): a scrypt
 * hash with bounded cost, the EF's maximum and a counter within it. `fail` makes the caller's error
 * from the first problem, so each device keeps its own error code.
 */
export function parsePinRecord(v: unknown, fid: PinFid, where: string, fail: (message: string) => Error): PinRecord {
  if (!isObject(v) || v.kdf !== 'scrypt') throw fail(`${where} is not a scrypt PIN record`);
  const cost = { N: v.N as number, r: v.r as number, p: v.p as number };
  if (!isScryptCost(cost)) throw fail(`${where} has scrypt parameters out of range`);
  const { maxTries, triesLeft } = v;
  if (maxTries !== PIN_RULES[fid].maxTries) throw fail(`${where}.maxTries must be ${PIN_RULES[fid].maxTries}`);
  if (typeof triesLeft !== 'number' || !Number.isInteger(triesLeft) || triesLeft < 0 || triesLeft > maxTries) throw fail(`${where}.triesLeft is not 0..${maxTries}`);
  const salt = hexOf(v, 'salt', SECRET_SIZES.salt);
  if (salt === undefined) throw fail(`${where}.salt is not ${SECRET_SIZES.salt} bytes of uppercase hex`);
  const hash = hexOf(v, 'hash', SECRET_SIZES.hash);
  if (hash === undefined) throw fail(`${where}.hash is not ${SECRET_SIZES.hash} bytes of uppercase hex`);
  return { kdf: 'scrypt', ...cost, salt, hash, triesLeft, maxTries };
}
