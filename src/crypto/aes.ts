import { createCipheriv, createDecipheriv } from 'node:crypto';
import { CryptoError } from './errors.js';

/** AES block size in bytes (FIPS 197). */
export const AES_BLOCK = 16;

const ZERO_IV = new Uint8Array(AES_BLOCK);

/** `aes-128-cbc`, `aes-192-cbc` or `aes-256-cbc` for a 16-, 24- or 32-byte key. */
export function aesAlgorithm(key: Uint8Array, mode: 'cbc' | 'ecb'): string {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
    throw new CryptoError('ERR_AES_KEY_LENGTH', `an AES key is 16, 24 or 32 bytes, not ${key.length}`);
  }
  return `aes-${key.length * 8}-${mode}`;
}

function checkBlocks(data: Uint8Array): void {
  if (data.length % AES_BLOCK !== 0) {
    throw new CryptoError('ERR_AES_BLOCK_LENGTH', `${data.length} bytes is not a whole number of AES blocks`);
  }
}

/** AES-CBC encryption without padding (the caller pads, as every GP/ISO scheme defines its own). */
export function aesCbcEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  checkBlocks(data);
  const cipher = createCipheriv(aesAlgorithm(key, 'cbc'), key, iv);
  cipher.setAutoPadding(false);
  const out = cipher.update(data);
  cipher.final();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** AES-CBC decryption without padding removal. */
export function aesCbcDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  checkBlocks(data);
  const decipher = createDecipheriv(aesAlgorithm(key, 'cbc'), key, iv);
  decipher.setAutoPadding(false);
  const out = decipher.update(data);
  decipher.final();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** One AES block in ECB mode: the block cipher itself. */
export function aesEncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  if (block.length !== AES_BLOCK) throw new CryptoError('ERR_AES_BLOCK_LENGTH', `an AES block is 16 bytes, not ${block.length}`);
  return aesCbcEncrypt(key, ZERO_IV, block);
}
