import { constants, createHash, generateKeyPairSync, privateEncrypt, sign, type KeyObject } from 'node:crypto';
import { fromHex } from '../../../src/bytes/index.js';
import { CMS_OID, type DigestInfoSigner } from '../../../src/pki/cms/index.js';
import { TAG, tlv } from '../../../src/pki/revocation/der-writer.js';
import { keyObjectSigner } from '../../../src/pki/signer.js';
import { parseCertificate, randomSerial, selfSignedCa } from '../../../src/pki/x509/index.js';
import { seededRandom } from '../../helpers/vectors.js';

/**
 * Fixtures of the CMS tests (no test of its own): one RSA key with a certificate for it, a signer that
 * signs a DigestInfo the way the card does (PKCS#1 v1.5 type-1 padding of the 51 bytes it gets), and
 * a SignedData assembler from parts, to make every malformed shape on purpose.
 */

export const KEY: KeyObject = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
export const OTHER_KEY: KeyObject = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
export const CERT: Uint8Array = selfSignedCa({ hierarchy: 'sign', signer: keyObjectSigner(KEY), serialNumber: randomSerial(seededRandom(7)), issuedAt: new Date('2026-01-01T00:00:00Z') });
export const CONTENT = new TextEncoder().encode('申請書: 転入届 (jpki-mobile test document)\n');

/** What the card does with `80 2A 00 80 <DigestInfo>`: pads the DigestInfo (type 1) and applies the private key. */
export function cardLikeSigner(key: KeyObject): DigestInfoSigner {
  return (digestInfo) => new Uint8Array(privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, digestInfo));
}

export const SET = 0x31;
export const int = (n: number) => Uint8Array.of(TAG.INTEGER, 1, n);
export const oid = (content: Uint8Array) => tlv(TAG.OID, content);
export const algorithm = (o: Uint8Array, params: 'absent' | 'null' = 'absent') => (params === 'null' ? tlv(TAG.SEQUENCE, oid(o), Uint8Array.of(TAG.NULL, 0)) : tlv(TAG.SEQUENCE, oid(o)));
export const attribute = (type: Uint8Array, ...values: Uint8Array[]) => tlv(TAG.SEQUENCE, oid(type), tlv(SET, ...values));
export const SHA1 = fromHex('2b0e03021a');
export const ECDSA_SHA256 = fromHex('2a8648ce3d040302');

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

/** The three attributes a JPKI signer writes, for `content` (unsorted: order is the caller's). */
export function standardAttributes(content = CONTENT): Uint8Array[] {
  return [
    attribute(CMS_OID.contentType, oid(CMS_OID.data)),
    attribute(CMS_OID.signingTime, tlv(TAG.UTC_TIME, new TextEncoder().encode('260501093000Z'))),
    attribute(CMS_OID.messageDigest, tlv(TAG.OCTET_STRING, sha256(content))),
  ];
}

export interface SignerInfoParts {
  readonly version?: number;
  /** DER of the sid (default issuerAndSerialNumber of CERT). */
  readonly sid?: Uint8Array;
  readonly digestAlgorithm?: Uint8Array;
  /** Attributes inside signedAttrs; null leaves signedAttrs out. */
  readonly attributes?: readonly Uint8Array[] | null;
  readonly signatureAlgorithm?: Uint8Array;
  /** The signing key (default KEY), or fixed signature bytes. */
  readonly signature?: KeyObject | Uint8Array;
  readonly unsigned?: Uint8Array;
}

export function issuerAndSerial(cert = CERT): Uint8Array {
  const p = parseCertificate(cert);
  return tlv(TAG.SEQUENCE, p.issuer, tlv(TAG.INTEGER, fromHex(p.serialNumberHex)));
}

export function signerInfo(p: SignerInfoParts = {}): Uint8Array {
  const attrs = p.attributes === undefined ? standardAttributes() : p.attributes;
  const signed = attrs === null ? undefined : tlv(SET, ...attrs);
  const sig = p.signature instanceof Uint8Array ? p.signature : new Uint8Array(sign('sha256', signed ?? CONTENT, p.signature ?? KEY));
  return tlv(
    TAG.SEQUENCE,
    int(p.version ?? 1),
    p.sid ?? issuerAndSerial(),
    p.digestAlgorithm ?? algorithm(CMS_OID.sha256),
    ...(attrs === null ? [] : [tlv(TAG.CONTEXT_0, ...attrs)]),
    p.signatureAlgorithm ?? algorithm(CMS_OID.sha256WithRsa, 'null'),
    tlv(TAG.OCTET_STRING, sig),
    ...(p.unsigned === undefined ? [] : [p.unsigned]),
  );
}

export interface SignedDataParts {
  readonly contentType?: Uint8Array;
  readonly version?: number;
  readonly digestAlgorithms?: Uint8Array;
  readonly encapContentInfo?: Uint8Array;
  /** The [0] IMPLICIT certificates field (default: CERT); null leaves it out. */
  readonly certificates?: Uint8Array | null;
  readonly crls?: Uint8Array;
  readonly signerInfos?: readonly Uint8Array[];
}

export function signedData(p: SignedDataParts = {}): Uint8Array {
  const sd = tlv(
    TAG.SEQUENCE,
    int(p.version ?? 1),
    p.digestAlgorithms ?? tlv(SET, algorithm(CMS_OID.sha256)),
    p.encapContentInfo ?? tlv(TAG.SEQUENCE, oid(CMS_OID.data)),
    ...(p.certificates === null ? [] : [p.certificates ?? tlv(TAG.CONTEXT_0, CERT)]),
    ...(p.crls === undefined ? [] : [p.crls]),
    tlv(SET, ...(p.signerInfos ?? [signerInfo()])),
  );
  return tlv(TAG.SEQUENCE, oid(p.contentType ?? CMS_OID.signedData), tlv(TAG.CONTEXT_0, sd));
}
