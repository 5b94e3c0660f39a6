import { bytesEqual, toHex } from '../../bytes/index.js';
import { oidToString, TAG } from '../revocation/der-writer.js';
import { CmsReader, SET } from './der.js';
import { CmsError } from './errors.js';
import { CMS_OID } from './oids.js';

/*
 * RFC 5652 5.3:
 *
 *   SignerInfo ::= SEQUENCE {
 *     version CMSVersion,
 *     sid SignerIdentifier,
 *     digestAlgorithm DigestAlgorithmIdentifier,
 *     signedAttrs [0] IMPLICIT SignedAttributes OPTIONAL,
 *     signatureAlgorithm SignatureAlgorithmIdentifier,
 *     signature SignatureValue,
 *     unsignedAttrs [1] IMPLICIT UnsignedAttributes OPTIONAL }
 *
 *   SignerIdentifier ::= CHOICE {
 *     issuerAndSerialNumber IssuerAndSerialNumber,
 *     subjectKeyIdentifier [0] SubjectKeyIdentifier }
 *
 *   SignedAttributes ::= SET SIZE (1..MAX) OF Attribute
 *   Attribute ::= SEQUENCE {
 *     attrType OBJECT IDENTIFIER,
 *     attrValues SET OF AttributeValue }
 *
 * "If the SignerIdentifier is issuerAndSerialNumber, then the version MUST be 1. If the
 * SignerIdentifier is subjectKeyIdentifier, then the version MUST be 3."
 */

/** More attributes than any signer writes (openssl writes four). */
export const MAX_ATTRIBUTES = 32;

export type SignerIdentifier =
  | { readonly kind: 'issuerAndSerialNumber'; readonly issuer: Uint8Array; readonly serialNumber: Uint8Array }
  | { readonly kind: 'subjectKeyIdentifier'; readonly keyIdentifier: Uint8Array };

export interface SignedAttribute {
  /** Dotted attrType. */
  readonly type: string;
  /** DER of each AttributeValue. */
  readonly values: readonly Uint8Array[];
}

export interface ParsedSignerInfo {
  readonly version: 1 | 3;
  readonly sid: SignerIdentifier;
  /** Always SHA-256: anything else is refused while parsing. */
  readonly digestAlgorithm: 'sha256';
  /** rsaEncryption (what openssl writes) or sha256WithRSAEncryption (RFC 5754 3.2): RSASSA-PKCS1-v1_5 either way. */
  readonly signatureAlgorithm: 'rsaEncryption' | 'sha256WithRSAEncryption';
  /**
   * 5.4: "the DER encoding of the SignedAttrs value ... A separate encoding of the signedAttrs field is
   * performed for message digest calculation. The IMPLICIT [0] tag in the signedAttrs is not used for
   * the DER encoding, rather an EXPLICIT SET OF tag is used." These are those bytes, as received.
   */
  readonly signedAttributes: Uint8Array;
  readonly attributes: readonly SignedAttribute[];
  /** contentType attribute value (OID content octets). */
  readonly contentType: Uint8Array;
  /** messageDigest attribute value: the SHA-256 the signer computed over the content. */
  readonly messageDigest: Uint8Array;
  /** signingTime attribute, when present (11.3). */
  readonly signingTime?: Date;
  readonly signature: Uint8Array;
}

/** Reads one SignerInfo from the SignerInfos SET. */
export function readSignerInfo(set: CmsReader): ParsedSignerInfo {
  const s = set.inside(set.expect(TAG.SEQUENCE, 'SignerInfo'));
  const version = s.smallInt(s.expect(TAG.INTEGER, 'SignerInfo version'), 'SignerInfo version');
  const sid = readSid(s);
  if (version !== (sid.kind === 'issuerAndSerialNumber' ? 1 : 3)) {
    throw new CmsError('ERR_CMS_VERSION_UNSUPPORTED', `SignerInfo version ${version} with a ${sid.kind} sid (RFC 5652 5.3)`);
  }
  const digest = readAlgorithm(s, 'digestAlgorithm');
  if (!bytesEqual(digest, CMS_OID.sha256)) {
    throw new CmsError('ERR_CMS_ALGORITHM_UNSUPPORTED', `digest algorithm ${oidToString(digest)} (SHA-256 only)`);
  }
  const attrsNode = s.optional(TAG.CONTEXT_0, 'signedAttrs');
  if (attrsNode === undefined) throw new CmsError('ERR_CMS_SIGNED_ATTRIBUTES_MISSING', 'the SignerInfo has no signedAttrs');
  const signedAttributes = s.copyTlv(attrsNode);
  signedAttributes[0] = SET;
  const attributes = readAttributes(s.inside(attrsNode));
  const algorithm = readAlgorithm(s, 'signatureAlgorithm');
  let signatureAlgorithm: ParsedSignerInfo['signatureAlgorithm'];
  if (bytesEqual(algorithm, CMS_OID.rsaEncryption)) signatureAlgorithm = 'rsaEncryption';
  else if (bytesEqual(algorithm, CMS_OID.sha256WithRsa)) signatureAlgorithm = 'sha256WithRSAEncryption';
  else throw new CmsError('ERR_CMS_ALGORITHM_UNSUPPORTED', `signature algorithm ${oidToString(algorithm)} (RSA PKCS#1 v1.5 only)`);
  const signature = s.value(s.expect(TAG.OCTET_STRING, 'signature')).slice();
  if (signature.length === 0) s.fail('value', 'an empty signature');
  // unsignedAttrs (countersignatures, timestamps) are not needed to verify and are not read.
  s.optional(TAG.CONTEXT_1, 'unsignedAttrs');
  s.finish('SignerInfo');

  const contentType = single(attributes, CMS_OID.contentType, 'contentType');
  const messageDigest = single(attributes, CMS_OID.messageDigest, 'messageDigest');
  if (contentType === undefined || messageDigest === undefined) {
    // 11.1, 11.2: both MUST be present whenever signedAttrs are.
    throw new CmsError('ERR_CMS_ATTRIBUTE_MISSING', `signedAttrs lack ${contentType === undefined ? 'contentType' : 'messageDigest'}`);
  }
  const time = single(attributes, CMS_OID.signingTime, 'signingTime');
  return {
    version,
    sid,
    digestAlgorithm: 'sha256',
    signatureAlgorithm,
    signedAttributes,
    attributes,
    contentType: valueOf(contentType, TAG.OID, 'contentType', (r, n) => r.oid(n, 'contentType')).slice(),
    messageDigest: valueOf(messageDigest, TAG.OCTET_STRING, 'messageDigest', (r, n) => {
      const digest = r.value(n);
      if (digest.length !== 32) throw new CmsError('ERR_CMS_ATTRIBUTE_INVALID', `a messageDigest of ${digest.length} bytes for SHA-256`);
      return digest;
    }).slice(),
    ...(time === undefined ? {} : { signingTime: signingTimeOf(time) }),
    signature,
  };
}

/** `IssuerAndSerialNumber ::= SEQUENCE { issuer Name, serialNumber CertificateSerialNumber }`, or `[0] SubjectKeyIdentifier`. */
function readSid(s: CmsReader): SignerIdentifier {
  if (s.peekTag() === TAG.CONTEXT_PRIMITIVE_0) {
    const keyIdentifier = s.value(s.next('subjectKeyIdentifier')).slice();
    if (keyIdentifier.length === 0) s.fail('value', 'an empty subjectKeyIdentifier');
    return { kind: 'subjectKeyIdentifier', keyIdentifier };
  }
  const ias = s.inside(s.expect(TAG.SEQUENCE, 'issuerAndSerialNumber'));
  const issuer = ias.copyTlv(ias.expect(TAG.SEQUENCE, 'issuer'));
  const serialNumber = ias.integer(ias.expect(TAG.INTEGER, 'serialNumber'), 'serialNumber').slice();
  ias.finish('issuerAndSerialNumber');
  return { kind: 'issuerAndSerialNumber', issuer, serialNumber };
}

/**
 * `AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }`: the
 * algorithms taken here have no parameters, written as NULL or left out (RFC 5754 2 and 3.2:
 * "Implementations MUST accept the parameters being absent as well as present").
 */
function readAlgorithm(s: CmsReader, what: string): Uint8Array {
  const a = s.inside(s.expect(TAG.SEQUENCE, what));
  const oid = a.oid(a.expect(TAG.OID, what), what);
  const params = a.optional(TAG.NULL, `${what} parameters`);
  if (params !== undefined) a.null(params, `${what} parameters`);
  if (!a.atEnd()) throw new CmsError('ERR_CMS_ALGORITHM_UNSUPPORTED', `${what} ${oidToString(oid)} with parameters`);
  return oid;
}

function readAttributes(r: CmsReader): SignedAttribute[] {
  const out: SignedAttribute[] = [];
  const seen = new Set<string>();
  while (!r.atEnd()) {
    if (out.length === MAX_ATTRIBUTES) throw new CmsError('ERR_CMS_TOO_LARGE', `more than ${MAX_ATTRIBUTES} signed attributes`);
    const a = r.inside(r.expect(TAG.SEQUENCE, 'Attribute'));
    const type = a.oid(a.expect(TAG.OID, 'attrType'), 'attrType');
    const set = a.inside(a.expect(SET, 'attrValues'));
    a.finish('Attribute');
    const values: Uint8Array[] = [];
    while (!set.atEnd()) {
      if (values.length === MAX_ATTRIBUTES) throw new CmsError('ERR_CMS_TOO_LARGE', 'too many attribute values');
      values.push(set.copyTlv(set.next('AttributeValue')));
    }
    // 11.1-11.3 forbid repeating contentType, messageDigest and signingTime; no signer repeats any other.
    const key = toHex(type);
    if (seen.has(key)) throw new CmsError('ERR_CMS_ATTRIBUTE_INVALID', `attribute ${oidToString(type)} appears twice`);
    seen.add(key);
    out.push({ type: oidToString(type), values });
  }
  if (out.length === 0) r.fail('value', 'an empty signedAttrs (SIZE 1..MAX)');
  return out;
}

/** The one value of an attribute (11.1-11.3: "MUST have a single attribute value"), or undefined when absent. */
function single(attributes: readonly SignedAttribute[], oid: Uint8Array, what: string): Uint8Array | undefined {
  const found = attributes.find((a) => a.type === oidToString(oid));
  if (found === undefined) return undefined;
  if (found.values.length !== 1) throw new CmsError('ERR_CMS_ATTRIBUTE_INVALID', `${what} has ${found.values.length} values, not one`);
  return found.values[0]!;
}

/** Reads `der` as one TLV of `tag` and hands its node to `read`; any other shape is ERR_CMS_ATTRIBUTE_INVALID. */
function valueOf<T>(der: Uint8Array, tag: number, what: string, read: (r: CmsReader, node: ReturnType<CmsReader['next']>) => T): T {
  try {
    const r = new CmsReader(der);
    const node = r.expect(tag, what);
    r.finish(what);
    return read(r, node);
  } catch (cause) {
    if (cause instanceof CmsError && cause.code === 'ERR_CMS_ATTRIBUTE_INVALID') throw cause;
    throw new CmsError('ERR_CMS_ATTRIBUTE_INVALID', `the ${what} value is malformed`, { cause });
  }
}

/** 11.3: `SigningTime ::= Time`, `Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }`. */
function signingTimeOf(der: Uint8Array): Date {
  const tag = der[0];
  if (tag !== TAG.UTC_TIME && tag !== TAG.GENERALIZED_TIME) throw new CmsError('ERR_CMS_ATTRIBUTE_INVALID', 'signingTime is not a UTCTime or GeneralizedTime');
  return valueOf(der, tag, 'signingTime', (r, n) => r.time(n, 'signingTime'));
}
