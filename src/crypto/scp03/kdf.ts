import { AesCmac } from '../cmac.js';
import { Scp03Error } from './errors.js';

/**
 * Derivation constants, GP Card Spec 2.2 Amendment D v1.1.1, Table 4-1.
 */
export const DerivationConstant = {
  CARD_CRYPTOGRAM: 0x00,
  HOST_CRYPTOGRAM: 0x01,
  CARD_CHALLENGE: 0x02,
  S_ENC: 0x04,
  S_MAC: 0x06,
  S_RMAC: 0x07,
} as const;

/**
 * The SCP03 data derivation scheme, Amendment D 4.1.5: NIST SP 800-108 KDF in counter mode with
 * AES-CMAC as the PRF. For each iteration i the PRF input is
 *
 *     label (11 x 00 || derivation constant) || 00 || L (2 bytes, in bits) || i (1 byte) || context
 *
 * and the outputs, concatenated, are cut to L bits. L is 64 (cryptograms, challenges) or the key
 * length (128, 192, 256). `key` may be a prepared `AesCmac` when the same key derives several values.
 */
export function scp03Derive(
  key: Uint8Array | AesCmac,
  constant: number,
  context: Uint8Array,
  lengthBits: number,
): Uint8Array {
  if (!Number.isInteger(constant) || constant < 0 || constant > 0xff) {
    throw new Scp03Error('ERR_SCP03_KDF_PARAMS', `derivation constant ${constant} is not one byte`);
  }
  if (lengthBits <= 0 || lengthBits % 8 !== 0 || lengthBits > 0xffff || lengthBits > 255 * 128) {
    throw new Scp03Error('ERR_SCP03_KDF_PARAMS', `output length ${lengthBits} bits is not derivable`);
  }
  const prf = key instanceof AesCmac ? key : new AesCmac(key);
  const fixed = new Uint8Array(16);
  fixed[11] = constant;
  fixed[12] = 0x00; // separation indicator
  fixed[13] = lengthBits >>> 8;
  fixed[14] = lengthBits & 0xff;
  const length = lengthBits / 8;
  const out = new Uint8Array(Math.ceil(length / 16) * 16);
  for (let i = 1; (i - 1) * 16 < length; i++) {
    fixed[15] = i;
    out.set(prf.mac(fixed, context), (i - 1) * 16);
  }
  return out.subarray(0, length);
}
