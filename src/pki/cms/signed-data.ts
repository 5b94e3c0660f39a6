import { parseCertificate } from '../x509/index.js';
import { oidToString, TAG } from '../revocation/der-writer.js';
import type { DerNode } from '../revocation/der-reader.js';
import { bytesEqual } from '../../bytes/index.js';
import { CmsReader, SET } from './der.js';
import { CmsError } from './errors.js';
import { CMS_OID } from './oids.js';
import { readSignerInfo, type ParsedSignerInfo } from './signer-info.js';

/*
 * RFC 5652 3 and 5.1:
 *
 *   ContentInfo ::= SEQUENCE {
 *     contentType ContentType,
 *     content [0] EXPLICIT ANY DEFINED BY contentType }
 *
 *   SignedData ::= SEQUENCE {
 *     version CMSVersion,
 *     digestAlgorithms DigestAlgorithmIdentifiers,
 *     encapContentInfo EncapsulatedContentInfo,
 *     certificates [0] IMPLICIT CertificateSet OPTIONAL,
 *     crls [1] IMPLICIT RevocationInfoChoices OPTIONAL,
 *     signerInfos SignerInfos }
 *
 *   EncapsulatedContentInfo ::= SEQUENCE {
 *     eContentType ContentType,
 *     eContent [0] EXPLICIT OCTET STRING OPTIONAL }
 *
 * 5.2: "In the degenerate case where there are no signers, the EncapsulatedContentInfo value being
 * 'signed' is irrelevant." A JPKI signed document is the other case: one signer, detached content
 * (eContent absent, 5.2: "the content ... is supplied by other means"), id-data.
 */

/** A signed document is a few kilobytes: content is detached, two or three certificates ride along. */
export const MAX_CMS_BYTES = 1024 * 1024;
export const MAX_CERTIFICATES = 16;

export interface ParsedSignedData {
  /** CMSVersion: 1 (issuerAndSerialNumber) or 3 (subjectKeyIdentifier). */
  readonly version: 1 | 3;
  /** Dotted OIDs of digestAlgorithms (informational: the SignerInfo's own algorithm is what counts). */
  readonly digestAlgorithms: readonly string[];
  /** eContentType content octets (id-data). */
  readonly contentType: Uint8Array;
  /** DER of each certificate in `certificates`, in the order sent. */
  readonly certificates: readonly Uint8Array[];
  /** The one SignerInfo. */
  readonly signer: ParsedSignerInfo;
}

/**
 * Decodes the DER of a ContentInfo holding a detached SignedData with exactly one signer, strictly:
 * every malformed shape is an `ERR_CMS_*` code, never anything else. Checks structure, algorithms and
 * the signed attributes' shape; `verifySignedData` checks the digest and the signature.
 */
export function parseSignedData(der: Uint8Array): ParsedSignedData {
  if (!(der instanceof Uint8Array)) throw new CmsError('ERR_CMS_PARAMS', 'a SignedData must be bytes');
  if (der.length > MAX_CMS_BYTES) throw new CmsError('ERR_CMS_TOO_LARGE', `a SignedData of ${der.length} bytes (at most ${MAX_CMS_BYTES})`);
  const bytes = new Uint8Array(der);
  const top = new CmsReader(bytes);
  const info = top.inside(top.expect(TAG.SEQUENCE, 'ContentInfo'));
  top.finish('ContentInfo');
  const contentType = info.oid(info.expect(TAG.OID, 'contentType'), 'contentType');
  if (!bytesEqual(contentType, CMS_OID.signedData)) {
    throw new CmsError('ERR_CMS_CONTENT_TYPE_UNSUPPORTED', `ContentInfo holds ${oidToString(contentType)}, not id-signedData`);
  }
  const explicit = info.inside(info.expect(TAG.CONTEXT_0, 'content'));
  info.finish('ContentInfo');
  const sd = explicit.inside(explicit.expect(TAG.SEQUENCE, 'SignedData'));
  explicit.finish('content');

  const version = sd.smallInt(sd.expect(TAG.INTEGER, 'version'), 'version');
  // 5.1: 1 when every SignerInfo is version 1 and the content is id-data; 3 with a subjectKeyIdentifier
  // signer; 4 and 5 need attribute or other certificates, which a JPKI signature never carries.
  if (version !== 1 && version !== 3) throw new CmsError('ERR_CMS_VERSION_UNSUPPORTED', `SignedData version ${version}`);
  const digestAlgorithms = readDigestAlgorithms(sd);
  const eContentType = readEncapsulatedContentInfo(sd);
  const certificates = sd.peekTag() === TAG.CONTEXT_0 ? readCertificates(sd, sd.next('certificates')) : [];
  // crls [1] IMPLICIT RevocationInfoChoices: status comes from OCSP and the CRL distribution point instead.
  sd.optional(TAG.CONTEXT_1, 'crls');
  const signerInfos = sd.inside(sd.expect(SET, 'signerInfos'));
  sd.finish('SignedData');
  const signers: ParsedSignerInfo[] = [];
  while (!signerInfos.atEnd()) {
    if (signers.length === 1) throw new CmsError('ERR_CMS_SIGNER_COUNT', 'more than one SignerInfo');
    signers.push(readSignerInfo(signerInfos));
  }
  const signer = signers[0];
  if (signer === undefined) throw new CmsError('ERR_CMS_SIGNER_COUNT', 'no SignerInfo (a degenerate SignedData signs nothing)');
  if (signer.version === 3 && version !== 3) {
    throw new CmsError('ERR_CMS_VERSION_UNSUPPORTED', 'a version 3 SignerInfo in a version 1 SignedData (RFC 5652 5.1)');
  }
  if (!bytesEqual(signer.contentType, eContentType)) {
    throw new CmsError('ERR_CMS_CONTENT_TYPE_MISMATCH', 'the contentType attribute differs from eContentType (RFC 5652 11.1)');
  }
  return { version, digestAlgorithms, contentType: eContentType.slice(), certificates, signer };
}

/** `DigestAlgorithmIdentifiers ::= SET OF DigestAlgorithmIdentifier`. */
function readDigestAlgorithms(sd: CmsReader): string[] {
  const set = sd.inside(sd.expect(SET, 'digestAlgorithms'));
  const out: string[] = [];
  while (!set.atEnd()) {
    if (out.length === MAX_CERTIFICATES) throw new CmsError('ERR_CMS_TOO_LARGE', 'too many digestAlgorithms');
    const alg = set.inside(set.expect(TAG.SEQUENCE, 'DigestAlgorithmIdentifier'));
    out.push(oidToString(alg.oid(alg.expect(TAG.OID, 'digest algorithm'), 'digest algorithm')));
    alg.optional(TAG.NULL, 'parameters');
    if (!alg.atEnd()) alg.next('parameters');
    alg.finish('DigestAlgorithmIdentifier');
  }
  return out;
}

function readEncapsulatedContentInfo(sd: CmsReader): Uint8Array {
  const e = sd.inside(sd.expect(TAG.SEQUENCE, 'encapContentInfo'));
  const type = e.oid(e.expect(TAG.OID, 'eContentType'), 'eContentType');
  if (e.optional(TAG.CONTEXT_0, 'eContent') !== undefined) {
    throw new CmsError('ERR_CMS_NOT_DETACHED', 'the content is encapsulated; a detached signature is expected');
  }
  e.finish('encapContentInfo');
  if (!bytesEqual(type, CMS_OID.data)) {
    throw new CmsError('ERR_CMS_CONTENT_TYPE_UNSUPPORTED', `eContentType ${oidToString(type)} is not id-data`);
  }
  return type;
}

/**
 * 10.2.2: `CertificateChoices ::= CHOICE { certificate Certificate, extendedCertificate [0],
 * v1AttrCert [1], v2AttrCert [2], other [3] }`; only the first is taken, and each must parse as X.509.
 */
function readCertificates(sd: CmsReader, node: DerNode): Uint8Array[] {
  const set = sd.inside(node);
  const out: Uint8Array[] = [];
  while (!set.atEnd()) {
    if (out.length === MAX_CERTIFICATES) throw new CmsError('ERR_CMS_TOO_LARGE', `more than ${MAX_CERTIFICATES} certificates`);
    const tag = set.peekTag();
    if (tag !== TAG.SEQUENCE) {
      set.next('CertificateChoices');
      throw new CmsError('ERR_CMS_CERTIFICATE_INVALID', `a CertificateChoices with tag ${tag.toString(16)} (only X.509 certificates are taken)`);
    }
    const der = set.copyTlv(set.next('Certificate'));
    try {
      parseCertificate(der);
    } catch (cause) {
      throw new CmsError('ERR_CMS_CERTIFICATE_INVALID', 'a certificate in the SignedData does not parse', { cause });
    }
    out.push(der);
  }
  return out;
}
