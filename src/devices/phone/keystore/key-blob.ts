import { createCipheriv, createDecipheriv } from 'node:crypto';
import { concat } from '../../../bytes/index.js';
import { KeystoreError } from './errors.js';

/*
 * AES-256-GCM (NIST SP 800-38D) as the keystore uses it, both for the apps' data under their keys and
 * for the key material under the device key: a 96-bit random IV (SP 800-38D 8.2.2), a 128-bit tag,
 * and the sealed form IV (12) || ciphertext || tag (16).
 */
const IV_LENGTH = 12;
const TAG_LENGTH = 16;

export function seal(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LENGTH });
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  const final = cipher.final();
  return concat(iv, new Uint8Array(body), new Uint8Array(final), new Uint8Array(cipher.getAuthTag()));
}

/** Opens a sealed value; `undefined` when it is too short or the tag does not verify. */
export function open(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
  if (sealed.length < IV_LENGTH + TAG_LENGTH) return undefined;
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_LENGTH), { authTagLength: TAG_LENGTH });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH));
  try {
    return concat(new Uint8Array(decipher.update(sealed.subarray(IV_LENGTH, sealed.length - TAG_LENGTH))), new Uint8Array(decipher.final()));
  } catch {
    return undefined;
  }
}

export function requireOpen(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
  const plain = open(key, sealed, aad);
  if (!plain) throw new KeystoreError('ERR_KEYSTORE_DECRYPT_FAILED', 'the ciphertext does not verify');
  return plain;
}

export { IV_LENGTH };
