import { Buffer } from 'node:buffer';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { bytesEqual, concat, fromHex } from '../../bytes/index.js';
import { TAG, tlv } from '../revocation/der-writer.js';
import { encodeTime } from '../revocation/time.js';
import { parseCertificate, type ParsedCertificate } from '../x509/index.js';
import { SET } from './der.js';
import { CmsError } from './errors.js';
import { CMS_OID } from './oids.js';

/*
 * Builds a detached SignedData (RFC 5652 5) the way a JPKI card can sign it: the card never sees the
 * document, only the 51-byte DigestInfo over SHA-256(DER(signedAttrs)), which it pads and signs with
 * `80 2A 00 80` (jpki-ap.md 1.2). So building is two steps, `prepareSignedData` (what to sign) and
 * `complete` (the signature in, the SignedData out), with `buildSignedData` joining them around a
 * callback for signers that answer in one call.
 *
 * What is written: SignedData version 1; digestAlgorithms { sha256 }; encapContentInfo { id-data }
 * without eContent (detached); the signer certificate and any others given; one SignerInfo version 1
 * with sid issuerAndSerialNumber, digestAlgorithm sha256, signedAttrs { contentType id-data,
 * signingTime, messageDigest }, signatureAlgorithm sha256WithRSAEncryption (RFC 5754 3.2).
 */

/** RFC 8017 9.2 note 1: the DER DigestInfo prefix for SHA-256; the card pads `prefix || H` itself. */
const SHA256_DIGEST_INFO_PREFIX = fromHex('3031300d060960864801650304020105000420');
/** RFC 5754 2: "the parameters field ... SHOULD be omitted" for SHA-256. */
const SHA256_ALGORITHM = tlv(TAG.SEQUENCE, tlv(TAG.OID, CMS_OID.sha256));
/** RFC 5754 3.2: for sha256WithRSAEncryption "the parameters MUST be NULL". */
const SHA256_WITH_RSA_ALGORITHM = tlv(TAG.SEQUENCE, tlv(TAG.OID, CMS_OID.sha256WithRsa), Uint8Array.of(TAG.NULL, 0));

export interface SignedDataParams {
  /** The document; it is not put into the SignedData (detached). */
  readonly content: Uint8Array;
  /** DER of the signer's certificate (the card's or the phone's signature certificate). */
  readonly certificate: Uint8Array;
  /** The signingTime attribute (the signer's clock; 11.3). */
  readonly signingTime: Date;
  /** More certificates to carry, e.g. the CA's (a verifier takes its anchors from its own configuration). */
  readonly certificates?: readonly Uint8Array[];
}

export interface PreparedSignedData {
  /** DER of SignedAttrs with the SET OF tag (RFC 5652 5.4): the bytes the signature covers. */
  readonly signedAttributes: Uint8Array;
  /** DigestInfo { sha256, SHA-256(signedAttributes) }: the 51 bytes the JPKI card signs. */
  readonly digestInfo: Uint8Array;
  /**
   * The ContentInfo DER with `signature` (the RSASSA-PKCS1-v1_5 signature over `signedAttributes`),
   * checked first against the certificate's key: `ERR_CMS_SIGNER_FAILED` when it does not verify
   * (the wrong key, the authentication key instead of the signature key, a faulty signer).
   */
  complete(signature: Uint8Array): Uint8Array;
}

/** Something that signs a DigestInfo: `(d) => jpkiApClient.sign('sign', d)`, or a phone's applet. */
export type DigestInfoSigner = (digestInfo: Uint8Array) => Uint8Array | Promise<Uint8Array>;

/** X.690 11.6: DER orders the components of a SET OF by their encodings, the shorter padded with zeros. */
function derSetOrder(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x - y;
  }
  return 0;
}

function attribute(type: Uint8Array, value: Uint8Array): Uint8Array {
  return tlv(TAG.SEQUENCE, tlv(TAG.OID, type), tlv(SET, value));
}

function certificateOf(der: unknown, what: string): ParsedCertificate {
  if (!(der instanceof Uint8Array)) throw new CmsError('ERR_CMS_PARAMS', `${what} must be DER bytes`);
  try {
    return parseCertificate(der);
  } catch (cause) {
    throw new CmsError('ERR_CMS_PARAMS', `${what} is not a DER certificate`, { cause });
  }
}

/** The signed attributes and DigestInfo of a detached SignedData, and how to finish it with the signature. */
export function prepareSignedData(p: SignedDataParams): PreparedSignedData {
  if (!(p.content instanceof Uint8Array)) throw new CmsError('ERR_CMS_PARAMS', 'the content must be bytes');
  const signer = certificateOf(p.certificate, 'the signer certificate');
  const extra = (p.certificates ?? []).map((c, i) => certificateOf(c, `certificate ${i}`).der);
  let time: Uint8Array;
  try {
    // 11.3: UTCTime from 1950 through 2049, GeneralizedTime otherwise (the RFC 5280 rule).
    time = encodeTime(p.signingTime, false, 'ERR_OCSP_TIME_RANGE', 'signingTime');
  } catch (cause) {
    throw new CmsError('ERR_CMS_PARAMS', 'signingTime is not a date from year 0 to 9999', { cause });
  }
  const digest = new Uint8Array(createHash('sha256').update(p.content).digest());
  const attributes = [
    attribute(CMS_OID.contentType, tlv(TAG.OID, CMS_OID.data)),
    attribute(CMS_OID.signingTime, time),
    attribute(CMS_OID.messageDigest, tlv(TAG.OCTET_STRING, digest)),
  ].sort(derSetOrder);
  const signedAttributes = tlv(SET, ...attributes);
  const digestInfo = concat(SHA256_DIGEST_INFO_PREFIX, createHash('sha256').update(signedAttributes).digest());
  const certificates: Uint8Array[] = [signer.der];
  for (const c of extra) if (!certificates.some((d) => bytesEqual(c, d))) certificates.push(c);

  return {
    signedAttributes: signedAttributes.slice(),
    digestInfo,
    complete(signature: Uint8Array): Uint8Array {
      if (!(signature instanceof Uint8Array) || signature.length === 0) throw new CmsError('ERR_CMS_SIGNER_FAILED', 'the signer returned no signature bytes');
      const key = createPublicKey({ key: Buffer.from(signer.subjectPublicKeyInfo), format: 'der', type: 'spki' });
      let ok = false;
      try {
        ok = verify('sha256', signedAttributes, key, signature);
      } catch {
        ok = false;
      }
      if (!ok) throw new CmsError('ERR_CMS_SIGNER_FAILED', "the signature does not verify with the signer certificate's key");
      const signerInfo = tlv(
        TAG.SEQUENCE,
        Uint8Array.of(TAG.INTEGER, 1, 1),
        tlv(TAG.SEQUENCE, signer.issuer, tlv(TAG.INTEGER, fromHex(signer.serialNumberHex))),
        SHA256_ALGORITHM,
        // 5.3: signedAttrs [0] IMPLICIT: the same content under a context tag.
        tlv(TAG.CONTEXT_0, ...attributes),
        SHA256_WITH_RSA_ALGORITHM,
        tlv(TAG.OCTET_STRING, signature),
      );
      const signedData = tlv(
        TAG.SEQUENCE,
        Uint8Array.of(TAG.INTEGER, 1, 1),
        tlv(SET, SHA256_ALGORITHM),
        tlv(TAG.SEQUENCE, tlv(TAG.OID, CMS_OID.data)),
        tlv(TAG.CONTEXT_0, ...[...certificates].sort(derSetOrder)),
        tlv(SET, signerInfo),
      );
      return tlv(TAG.SEQUENCE, tlv(TAG.OID, CMS_OID.signedData), tlv(TAG.CONTEXT_0, signedData));
    },
  };
}

/** `prepareSignedData`, the signer called with the DigestInfo, then `complete`. */
export async function buildSignedData(p: SignedDataParams & { readonly sign: DigestInfoSigner }): Promise<Uint8Array> {
  if (typeof p.sign !== 'function') throw new CmsError('ERR_CMS_PARAMS', 'sign must be a function of the DigestInfo');
  const prepared = prepareSignedData(p);
  return prepared.complete(await p.sign(prepared.digestInfo));
}
