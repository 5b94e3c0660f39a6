import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { Buffer } from 'node:buffer';
import type { RevocationErrorCode } from './errors.js';
import { RevocationError } from './errors.js';

/*
 * RFC 4055 5 / RFC 8017 A.2.4: the sha*WithRSAEncryption algorithms (RSASSA-PKCS1-v1_5) a relying
 * party meets on CRLs and OCSP responses. This project signs with sha256WithRSAEncryption only; the
 * others are accepted when verifying what other responders produced.
 */
const HASH_OF_SIGNATURE_OID: ReadonlyMap<string, string> = new Map([
  ['1.2.840.113549.1.1.5', 'sha1'],
  ['1.2.840.113549.1.1.11', 'sha256'],
  ['1.2.840.113549.1.1.12', 'sha384'],
  ['1.2.840.113549.1.1.13', 'sha512'],
]);

/** A public key as a KeyObject or as DER SubjectPublicKeyInfo bytes. */
export type PublicKeyInput = KeyObject | Uint8Array;

/**
 * Checks an RSA signature over `data`; `algorithm` is the dotted OID of the signature algorithm. An algorithm outside the table raises `unsupportedCode`; a key
 * that is not RSA, or a signature that does not verify, gives false.
 */
export function verifyRsaSignature(
  algorithm: string,
  data: Uint8Array,
  signature: Uint8Array,
  publicKey: PublicKeyInput,
  unsupportedCode: RevocationErrorCode,
): boolean {
  const hash = HASH_OF_SIGNATURE_OID.get(algorithm);
  if (hash === undefined) throw new RevocationError(unsupportedCode, `signature algorithm ${algorithm} is not sha*WithRSAEncryption`);
  const key = publicKey instanceof Uint8Array ? createPublicKey({ key: Buffer.from(publicKey), format: 'der', type: 'spki' }) : publicKey;
  if (key.asymmetricKeyType !== 'rsa') return false;
  return verify(hash, data, key, signature);
}
