import { Scp03Error } from './errors.js';

/** Security level bits, GP Card Spec 10.6 / Amendment D 5.5 and Table 7-3. */
export const LevelBit = {
  C_MAC: 0x01,
  C_DECRYPTION: 0x02,
  R_MAC: 0x10,
  R_ENCRYPTION: 0x20,
} as const;

/**
 * The P1 values of EXTERNAL AUTHENTICATE that Amendment D Table 7-3 allows: `00` no secure messaging
 * (authenticated only), `01` C-MAC, `03` C-DEC + C-MAC, `11` C-MAC + R-MAC, `13` C-DEC + C-MAC + R-MAC,
 * `33` C-DEC + R-ENC + C-MAC + R-MAC.
 */
export type SecurityLevel = 0x00 | 0x01 | 0x03 | 0x11 | 0x13 | 0x33;

export const SECURITY_LEVELS: readonly SecurityLevel[] = [0x00, 0x01, 0x03, 0x11, 0x13, 0x33];

export function isSecurityLevel(value: number): value is SecurityLevel {
  return (SECURITY_LEVELS as readonly number[]).includes(value);
}

/** Checks a requested level; an unlisted value answers `6A86` (incorrect P1). */
export function securityLevel(value: number): SecurityLevel {
  if (!isSecurityLevel(value)) {
    throw new Scp03Error('ERR_SCP03_SECURITY_LEVEL', `security level ${value.toString(16).padStart(2, '0')} is not one of 00 01 03 11 13 33`, { sw: 0x6a86 });
  }
  return value;
}

/**
 * The "i" parameter, Amendment D Table 5-1: b5 (`10`) pseudo-random card challenge; b7b6 `01` (`20`)
 * R-MAC support, `11` (`60`) R-MAC and R-ENCRYPTION support.
 */
export const IParameter = {
  PSEUDO_RANDOM_CHALLENGE: 0x10,
  R_MAC: 0x20,
  R_ENCRYPTION: 0x40,
} as const;

/** Whether a key set configured with `i` can run a session at `level` (R-MAC/R-ENC need support). */
export function levelSupported(i: number, level: SecurityLevel): boolean {
  if (level & LevelBit.R_MAC && !(i & IParameter.R_MAC)) return false;
  if (level & LevelBit.R_ENCRYPTION && !(i & IParameter.R_ENCRYPTION)) return false;
  return true;
}
