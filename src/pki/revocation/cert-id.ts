import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { DerReader, OCSP_DER } from './der-reader.js';
import { TAG } from './der-writer.js';
import { RevocationError } from './errors.js';

/*
 * RFC 6960 4.1.1:
 *
 *   CertID          ::=     SEQUENCE {
 *       hashAlgorithm       AlgorithmIdentifier,
 *       issuerNameHash      OCTET STRING, -- Hash of issuer's DN
 *       issuerKeyHash       OCTET STRING, -- Hash of issuer's public key
 *       serialNumber        CertificateSerialNumber }
 *
 * "issuerNameHash is the hash of the issuer's distinguished name (DN). The hash shall be calculated
 * over the DER encoding of the issuer's name field in the certificate being checked. issuerKeyHash is
 * the hash of the issuer's public key. The hash shall be calculated over the value (excluding tag and
 * length) of the subject public key field in the issuer's certificate."
 *
 * As OpenSSL (OCSP_cert_id_new) and every deployed client do, the key hash covers the key bits only,
 * without the BIT STRING's unused-bits octet, the same bytes as RFC 5280 4.2.1.2 method (1) hashes.
 */

/** The hash algorithms a CertID may use here: SHA-1 (what clients send by default) and SHA-256. */
export type OcspHashAlgorithm = 'sha1' | 'sha256';

export const HASH_LENGTH: Readonly<Record<OcspHashAlgorithm, number>> = { sha1: 20, sha256: 32 };

export interface CertId {
  readonly hashAlgorithm: OcspHashAlgorithm;
  readonly issuerNameHash: Uint8Array;
  readonly issuerKeyHash: Uint8Array;
  /** CertificateSerialNumber content octets, as the request sent them. */
  readonly serialNumber: Uint8Array;
  /**
   * How the AlgorithmIdentifier carried its parameters: NULL (what OpenSSL, Go, Java send; the default)
   * or absent (RFC 5754 2). Echoed as received, since clients compare AlgorithmIdentifiers in full.
   */
  readonly hashParameters?: 'null' | 'absent';
}

/** The parts of an issuer certificate a CertID is computed from. */
export interface IssuerParts {
  /** DER of the subject Name. */
  readonly subject: Uint8Array;
  /** DER of the SubjectPublicKeyInfo. */
  readonly subjectPublicKeyInfo: Uint8Array;
  /** The subjectPublicKey bits, without tag, length and unused-bits octet. */
  readonly subjectPublicKey: Uint8Array;
}

/**
 * Reads subject and key from the DER of a certificate (RFC 5280 4.1):
 *   TBSCertificate ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1, serialNumber, signature,
 *                                 issuer, validity, subject, subjectPublicKeyInfo, ... }
 */
export function issuerParts(certificate: Uint8Array): IssuerParts {
  try {
    const top = new DerReader(certificate, OCSP_DER);
    const cert = top.inside(top.expect(TAG.SEQUENCE, 'Certificate'));
    top.finish('Certificate');
    const tbs = cert.inside(cert.expect(TAG.SEQUENCE, 'tbsCertificate'));
    tbs.optional(TAG.CONTEXT_0, 'version');
    tbs.expect(TAG.INTEGER, 'serialNumber');
    tbs.expect(TAG.SEQUENCE, 'signature');
    tbs.expect(TAG.SEQUENCE, 'issuer');
    tbs.expect(TAG.SEQUENCE, 'validity');
    const subject = tbs.copyTlv(tbs.expect(TAG.SEQUENCE, 'subject'));
    const spkiNode = tbs.expect(TAG.SEQUENCE, 'subjectPublicKeyInfo');
    const subjectPublicKeyInfo = tbs.copyTlv(spkiNode);
    return { subject, subjectPublicKeyInfo, subjectPublicKey: subjectPublicKeyOf(subjectPublicKeyInfo) };
  } catch (cause) {
    throw new RevocationError('ERR_OCSP_CERTIFICATE_INVALID', 'not the DER of an X.509 certificate', { cause });
  }
}

/** The subjectPublicKey bits of a DER SubjectPublicKeyInfo (RFC 5280 4.1). */
export function subjectPublicKeyOf(spki: Uint8Array): Uint8Array {
  try {
    const top = new DerReader(spki, OCSP_DER);
    const info = top.inside(top.expect(TAG.SEQUENCE, 'SubjectPublicKeyInfo'));
    top.finish('SubjectPublicKeyInfo');
    info.expect(TAG.SEQUENCE, 'algorithm');
    const key = info.bitString(info.expect(TAG.BIT_STRING, 'subjectPublicKey'), 'subjectPublicKey').slice();
    info.finish('SubjectPublicKeyInfo');
    return key;
  } catch (cause) {
    throw new RevocationError('ERR_OCSP_CERTIFICATE_INVALID', 'not the DER of a SubjectPublicKeyInfo', { cause });
  }
}

function digest(algorithm: OcspHashAlgorithm, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(algorithm).update(data).digest());
}

/** issuerNameHash and issuerKeyHash of an issuer (its certificate's DER, or its parts). */
export function issuerHashes(
  issuer: Uint8Array | IssuerParts,
  hashAlgorithm: OcspHashAlgorithm,
): { hashAlgorithm: OcspHashAlgorithm; issuerNameHash: Uint8Array; issuerKeyHash: Uint8Array } {
  const parts = issuer instanceof Uint8Array ? issuerParts(issuer) : issuer;
  return {
    hashAlgorithm,
    issuerNameHash: digest(hashAlgorithm, parts.subject),
    issuerKeyHash: digest(hashAlgorithm, parts.subjectPublicKey),
  };
}

/** The CertID of the certificate with `serialNumber` (content octets) issued by `issuer`. */
export function certIdFor(issuer: Uint8Array | IssuerParts, serialNumber: Uint8Array, hashAlgorithm: OcspHashAlgorithm): CertId {
  return { ...issuerHashes(issuer, hashAlgorithm), serialNumber: serialNumber.slice() };
}

/**
 * RFC 6960 4.2.1: ResponderID byKey, "KeyHash ::= OCTET STRING -- SHA-1 hash of responder's public key
 * (i.e., the SHA-1 hash of the value of the BIT STRING subjectPublicKey [excluding the tag, length, and
 * number of unused bits] in the responder's certificate)".
 */
export function responderKeyHash(responderSpki: Uint8Array): Uint8Array {
  return digest('sha1', subjectPublicKeyOf(responderSpki));
}

/**
 * A string naming a CertID exactly as it is echoed, for a responder's table of pre-signed responses:
 * two requests with the same key are answered by the same bytes.
 */
export function certIdKey(id: CertId): string {
  const alg = id.hashParameters === 'absent' ? `${id.hashAlgorithm}/absent` : id.hashAlgorithm;
  // Written as ASCII into a scratch buffer and decoded once: a flat string, cheap to hash as a Map
  // key. This is the hot path of a responder serving pre-signed answers (bench/ocsp.ts); the text is
  // the same as `${alg}:${toHex(nameHash)}:${toHex(keyHash)}:${toHex(serial)}`.
  const size = alg.length + 3 + 2 * (id.issuerNameHash.length + id.issuerKeyHash.length + id.serialNumber.length);
  if (keyScratch.length < size) keyScratch = Buffer.alloc(size * 2);
  let pos = keyScratch.write(alg, 0, 'latin1');
  keyScratch[pos++] = COLON;
  pos = writeHex(id.issuerNameHash, pos);
  keyScratch[pos++] = COLON;
  pos = writeHex(id.issuerKeyHash, pos);
  keyScratch[pos++] = COLON;
  pos = writeHex(id.serialNumber, pos);
  return keyScratch.toString('latin1', 0, pos);
}

/**
 * `certIdKey` of a CertID read in place from `bytes` (simpleOcspRequestKey): the hashes at `nameAt`
 * and `keyAt`, `hashLength` bytes each, and the serial's content octets at `serialAt`.
 */
export function certIdKeyOf(alg: string, bytes: Uint8Array, nameAt: number, keyAt: number, hashLength: number, serialAt: number, serialLength: number): string {
  const size = alg.length + 3 + 2 * (2 * hashLength + serialLength);
  if (keyScratch.length < size) keyScratch = Buffer.alloc(size * 2);
  let pos = keyScratch.write(alg, 0, 'latin1');
  keyScratch[pos++] = COLON;
  pos = writeHexRange(bytes, nameAt, hashLength, pos);
  keyScratch[pos++] = COLON;
  pos = writeHexRange(bytes, keyAt, hashLength, pos);
  keyScratch[pos++] = COLON;
  pos = writeHexRange(bytes, serialAt, serialLength, pos);
  return keyScratch.toString('latin1', 0, pos);
}

function writeHexRange(bytes: Uint8Array, at: number, length: number, pos: number): number {
  for (let i = at; i < at + length; i++) {
    const b = bytes[i]!;
    keyScratch[pos++] = HEX_ASCII[b >> 4]!;
    keyScratch[pos++] = HEX_ASCII[b & 15]!;
  }
  return pos;
}

const HEX_ASCII = Uint8Array.from('0123456789ABCDEF', (c) => c.charCodeAt(0));
const COLON = 0x3a;
let keyScratch = Buffer.alloc(256);

function writeHex(bytes: Uint8Array, pos: number): number {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    keyScratch[pos++] = HEX_ASCII[b >> 4]!;
    keyScratch[pos++] = HEX_ASCII[b & 15]!;
  }
  return pos;
}
