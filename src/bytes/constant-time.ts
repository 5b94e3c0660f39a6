import { timingSafeEqual } from 'node:crypto';

/**
 * Compares two byte arrays in time that depends only on their lengths, never on where they differ.
 * Used for every MAC, cryptogram and PIN comparison (style rule 12). Different lengths are unequal;
 * lengths are public (a MAC's length is fixed by the protocol).
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}
