import { concat } from '../../bytes/index.js';
import { aesEncryptBlock } from '../aes.js';
import { AesCmac } from '../cmac.js';
import { Scp03Error } from './errors.js';
import { DerivationConstant, scp03Derive } from './kdf.js';

/**
 * A static SCP03 key set, Amendment D 6.1 (Table 6-1): Key-ENC (key id 1), Key-MAC (id 2) and
 * Key-DEK (id 3), all three present and of the same length, 16, 24 or 32 bytes, under one key
 * version number (KVN).
 */
export interface Scp03KeySet {
  readonly kvn: number;
  readonly enc: Uint8Array;
  readonly mac: Uint8Array;
  readonly dek: Uint8Array;
}

/** Validates and copies a key set. */
export function scp03KeySet(kvn: number, enc: Uint8Array, mac: Uint8Array, dek: Uint8Array): Scp03KeySet {
  if (!Number.isInteger(kvn) || kvn < 0 || kvn > 0x7f) {
    throw new Scp03Error('ERR_SCP03_KEY_LENGTH', `key version number ${kvn} is not in 00..7F`);
  }
  const n = enc.length;
  if (n !== 16 && n !== 24 && n !== 32) {
    throw new Scp03Error('ERR_SCP03_KEY_LENGTH', `SCP03 keys are 16, 24 or 32 bytes, not ${n}`);
  }
  if (mac.length !== n || dek.length !== n) {
    throw new Scp03Error('ERR_SCP03_KEY_LENGTH', 'Key-ENC, Key-MAC and Key-DEK must have the same length');
  }
  return { kvn, enc: new Uint8Array(enc), mac: new Uint8Array(mac), dek: new Uint8Array(dek) };
}

/**
 * The GlobalPlatform test key `404142…4F` (KCV `504A77`), the default of development cards and of
 * GlobalPlatformPro. Never for production.
 */
export const GP_TEST_KEY: Uint8Array = Uint8Array.from({ length: 16 }, (_, i) => 0x40 + i);

/** Session keys of one secure channel session (Amendment D 6.2.1). There is no session DEK. */
export interface Scp03SessionKeys {
  readonly sEnc: Uint8Array;
  readonly sMac: Uint8Array;
  readonly sRmac: Uint8Array;
}

/**
 * Derives S-ENC from Key-ENC (constant 04), S-MAC (06) and S-RMAC (07) from Key-MAC, each as long as the
 * static key, with context = host challenge || card challenge (Amendment D 6.2.1).
 */
export function deriveSessionKeys(keys: Scp03KeySet, hostChallenge: Uint8Array, cardChallenge: Uint8Array): Scp03SessionKeys {
  const context = concat(hostChallenge, cardChallenge);
  const bits = keys.enc.length * 8;
  const macPrf = new AesCmac(keys.mac);
  return {
    sEnc: scp03Derive(keys.enc, DerivationConstant.S_ENC, context, bits),
    sMac: scp03Derive(macPrf, DerivationConstant.S_MAC, context, bits),
    sRmac: scp03Derive(macPrf, DerivationConstant.S_RMAC, context, bits),
  };
}

const KCV_BLOCK_01 = new Uint8Array(16).fill(0x01);

/**
 * Key check value of an AES key, Amendment D 7.2.2: the first 3 bytes of AES-ECB(key, 16 x `01`).
 * `variant: 'zeros'` encrypts 16 x `00` instead, as some cards do (a named quirk, off by default).
 */
export function keyCheckValue(key: Uint8Array, variant: 'ones' | 'zeros' = 'ones'): Uint8Array {
  const block = variant === 'ones' ? KCV_BLOCK_01 : new Uint8Array(16);
  return aesEncryptBlock(key, block).subarray(0, 3);
}
