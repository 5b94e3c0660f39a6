import { concat, constantTimeEqual } from '../../bytes/index.js';
import { aesCbcDecrypt, aesCbcEncrypt } from '../aes.js';
import { Scp03Error } from './errors.js';
import { keyCheckValue } from './keys.js';

const ZERO_ICV = new Uint8Array(16);
/** Key type `88`: AES (GP Card Spec Table 11-16). */
export const KEY_TYPE_AES = 0x88;

/**
 * Sensitive data encryption, Amendment D 6.2.8: AES-CBC with a zero ICV under the static Key-DEK.
 * 16- and 32-byte keys need no padding; a 24-byte key gets 8 padding bytes (any value: `padding`).
 */
export function encryptKeyWithDek(dek: Uint8Array, key: Uint8Array, padding: Uint8Array = new Uint8Array(8)): Uint8Array {
  if (key.length === 24) {
    if (padding.length !== 8) throw new Scp03Error('ERR_SCP03_KEY_DATA', 'a 24-byte key is padded with 8 bytes');
    return aesCbcEncrypt(dek, ZERO_ICV, concat(key, padding));
  }
  if (key.length !== 16 && key.length !== 32) throw new Scp03Error('ERR_SCP03_KEY_LENGTH', `an AES key is 16, 24 or 32 bytes, not ${key.length}`);
  return aesCbcEncrypt(dek, ZERO_ICV, key);
}

/**
 * One key data field of PUT KEY for an AES key, Amendment D 7.2 / GP Card Spec 11.8.2.3:
 * `88` || length (1 + encrypted length) || clear key length || encrypted key || `03` || KCV.
 */
export function encodeAesKeyData(dek: Uint8Array, key: Uint8Array, padding?: Uint8Array): Uint8Array {
  const encrypted = encryptKeyWithDek(dek, key, padding);
  return concat(Uint8Array.of(KEY_TYPE_AES, encrypted.length + 1, key.length), encrypted, Uint8Array.of(3), keyCheckValue(key));
}

/**
 * The data field of PUT KEY for a whole SCP03 key set (P2 = `81`, keys 1..3): new KVN || Key-ENC ||
 * Key-MAC || Key-DEK key data fields, each encrypted under the current Key-DEK.
 */
export function encodePutKeyData(currentDek: Uint8Array, newKvn: number, keys: { enc: Uint8Array; mac: Uint8Array; dek: Uint8Array }): Uint8Array {
  return concat(
    Uint8Array.of(newKvn),
    encodeAesKeyData(currentDek, keys.enc),
    encodeAesKeyData(currentDek, keys.mac),
    encodeAesKeyData(currentDek, keys.dek),
  );
}

export interface DecodedPutKey {
  readonly kvn: number;
  readonly keys: Uint8Array[];
  readonly kcvs: Uint8Array[];
}

/**
 * Card side: decodes and decrypts a PUT KEY data field of AES keys and checks every KCV. Any deviation
 * (wrong type, lengths, a KCV that does not match the decrypted key) is `ERR_SCP03_KEY_DATA`; a bad KCV
 * answers `6982` as GlobalPlatformPro expects, a malformed field `6A80`.
 */
export function decodePutKeyData(dek: Uint8Array, data: Uint8Array): DecodedPutKey {
  const malformed = (why: string) => new Scp03Error('ERR_SCP03_KEY_DATA', `PUT KEY data: ${why}`, { sw: 0x6a80 });
  if (data.length < 1) throw malformed('empty');
  const kvn = data[0]!;
  const keys: Uint8Array[] = [];
  const kcvs: Uint8Array[] = [];
  let at = 1;
  while (at < data.length) {
    if (at + 3 > data.length) throw malformed('truncated key header');
    const type = data[at]!;
    const length = data[at + 1]!;
    const clearLength = data[at + 2]!;
    if (type !== KEY_TYPE_AES) throw malformed(`key type ${type.toString(16)} is not AES (88)`);
    const encLength = length - 1;
    if (![16, 24, 32].includes(clearLength) || encLength !== (clearLength === 24 ? 32 : clearLength)) throw malformed('key lengths do not agree');
    const encStart = at + 3;
    const kcvLenAt = encStart + encLength;
    if (kcvLenAt + 1 > data.length) throw malformed('truncated key');
    const kcvLength = data[kcvLenAt]!;
    if (kcvLength !== 3 || kcvLenAt + 1 + kcvLength > data.length) throw malformed('key check value is 3 bytes');
    const key = aesCbcDecrypt(dek, ZERO_ICV, data.subarray(encStart, encStart + encLength)).slice(0, clearLength);
    const kcv = data.slice(kcvLenAt + 1, kcvLenAt + 4);
    if (!constantTimeEqual(keyCheckValue(key), kcv)) {
      throw new Scp03Error('ERR_SCP03_KEY_DATA', 'PUT KEY data: key check value does not match the key', { sw: 0x6982 });
    }
    keys.push(key);
    kcvs.push(kcv);
    at = kcvLenAt + 4;
  }
  if (keys.length === 0) throw malformed('no key');
  return { kvn, keys, kcvs };
}
