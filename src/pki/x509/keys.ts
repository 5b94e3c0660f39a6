import { createHash } from 'node:crypto';
import { RSAPublicKey } from '@peculiar/asn1-rsa';
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { decodeDer, toArrayBuffer, toDer, unsignedInteger } from './der.js';
import { CertificateError } from './errors.js';
import { OID_RSA_ENCRYPTION } from './oids.js';

/** JPKI keys are RSA-2048 with e = 65537, on the card and in the CA (jpki-ap.md 3.1, 3.2). */
export const RSA_MODULUS_BITS = 2048;
export const RSA_PUBLIC_EXPONENT = 65537;

/**
 * RFC 3279 2.3.1 (RFC 8017 A.1.1):
 *
 *     RSAPublicKey ::= SEQUENCE {
 *        modulus            INTEGER,    -- n
 *        publicExponent     INTEGER  }  -- e
 *
 * "The rsaEncryption OID is intended to be used in the algorithm field of a value of type
 * AlgorithmIdentifier. The parameters field MUST have ASN.1 type NULL for this algorithm identifier."
 *
 * Builds the SubjectPublicKeyInfo from the unsigned big-endian modulus and exponent, as a card returns
 * them (leading zeros are dropped, a 00 is added where the top bit is set).
 */
export function rsaPublicKeySpki(modulus: Uint8Array, exponent: Uint8Array): Uint8Array {
  const n = unsignedInteger(modulus);
  const e = unsignedInteger(exponent);
  if ((n.length === 1 && n[0] === 0) || (e.length === 1 && e[0] === 0)) {
    throw new CertificateError('ERR_CERT_KEY_NOT_RSA', 'an RSA modulus or exponent of zero');
  }
  const rsa = new RSAPublicKey({ modulus: toArrayBuffer(n), publicExponent: toArrayBuffer(e) });
  return toDer(
    new SubjectPublicKeyInfo({
      algorithm: new AlgorithmIdentifier({ algorithm: OID_RSA_ENCRYPTION, parameters: null }),
      subjectPublicKey: toArrayBuffer(toDer(rsa)),
    }),
  );
}

/** The decoded RSA key of an SPKI: modulus and exponent as unsigned big-endian bytes. */
export interface RsaPublicKeyParts {
  readonly modulus: Uint8Array;
  readonly exponent: Uint8Array;
  readonly modulusBits: number;
}

function unsigned(content: Uint8Array): Uint8Array {
  // A DER INTEGER is minimal, so a leading 00 is there only to keep the sign positive.
  if ((content[0]! & 0x80) !== 0) throw new CertificateError('ERR_CERT_KEY_NOT_RSA', 'a negative RSA integer');
  return content[0] === 0 && content.length > 1 ? content.subarray(1) : content;
}

function bitLength(bytes: Uint8Array): number {
  if (bytes.length === 0 || (bytes.length === 1 && bytes[0] === 0)) return 0;
  return (bytes.length - 1) * 8 + (32 - Math.clz32(bytes[0]!));
}

/**
 * The RSA key of a SubjectPublicKeyInfo. `ERR_CERT_DER` for bad DER; `ERR_CERT_KEY_NOT_RSA` for another
 * algorithm, rsaEncryption without NULL parameters, or a key that is not an RSAPublicKey.
 */
export function rsaPublicKeyOf(spki: Uint8Array): RsaPublicKeyParts {
  const info = decodeDer(spki, SubjectPublicKeyInfo, 'SubjectPublicKeyInfo');
  if (info.algorithm.algorithm !== OID_RSA_ENCRYPTION) {
    throw new CertificateError('ERR_CERT_KEY_NOT_RSA', `key algorithm ${info.algorithm.algorithm} is not rsaEncryption`);
  }
  if (info.algorithm.parameters !== null) {
    throw new CertificateError('ERR_CERT_KEY_NOT_RSA', 'rsaEncryption parameters must be NULL (RFC 3279 2.3.1)');
  }
  let rsa: RSAPublicKey;
  try {
    rsa = decodeDer(new Uint8Array(info.subjectPublicKey), RSAPublicKey, 'RSAPublicKey');
  } catch (cause) {
    throw new CertificateError('ERR_CERT_KEY_NOT_RSA', 'subjectPublicKey is not an RSAPublicKey', { cause });
  }
  const modulus = unsigned(new Uint8Array(rsa.modulus));
  const exponent = unsigned(new Uint8Array(rsa.publicExponent));
  return { modulus, exponent, modulusBits: bitLength(modulus) };
}

/** The size in bits of the RSA modulus of an SPKI. */
export function spkiModulusBits(spki: Uint8Array): number {
  return rsaPublicKeyOf(spki).modulusBits;
}

/**
 * RFC 5280 4.2.1.2: "(1) The keyIdentifier is composed of the 160-bit SHA-1 hash of the value of the BIT
 * STRING subjectPublicKey (excluding the tag, length, and number of unused bits)." For RSA that is the
 * SHA-1 of the DER RSAPublicKey, as HIT rebuilds it (jpki-ap.md 3.2).
 */
export function subjectKeyIdentifier(spki: Uint8Array): Uint8Array {
  const info = decodeDer(spki, SubjectPublicKeyInfo, 'SubjectPublicKeyInfo');
  return new Uint8Array(createHash('sha1').update(new Uint8Array(info.subjectPublicKey)).digest());
}

/**
 * Refuses any key but RSA with a 2048-bit modulus and e = 65537: `ERR_CERT_KEY_NOT_RSA`,
 * `ERR_CERT_KEY_SIZE`, `ERR_CERT_KEY_EXPONENT` (or `ERR_CERT_DER` for an SPKI that does not decode).
 */
export function checkRsa2048(spki: Uint8Array): void {
  const key = rsaPublicKeyOf(spki);
  if (key.modulusBits !== RSA_MODULUS_BITS) {
    throw new CertificateError('ERR_CERT_KEY_SIZE', `RSA modulus of ${key.modulusBits} bits, not ${RSA_MODULUS_BITS}`);
  }
  const e = key.exponent;
  if (e.length !== 3 || e[0] !== 0x01 || e[1] !== 0x00 || e[2] !== 0x01) {
    throw new CertificateError('ERR_CERT_KEY_EXPONENT', `RSA public exponent is not ${RSA_PUBLIC_EXPONENT}`);
  }
}
