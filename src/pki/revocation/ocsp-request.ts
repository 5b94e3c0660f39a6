import { bytesEqual } from '../../bytes/index.js';
import { HASH_LENGTH, type CertId, type OcspHashAlgorithm } from './cert-id.js';
import { DerReader, OCSP_DER } from './der-reader.js';
import { OID, oidToString, TAG } from './der-writer.js';
import { RevocationError } from './errors.js';
import { readExtensions, rejectUnknownCritical } from './extensions.js';

/*
 * RFC 6960 4.1.1:
 *
 *   OCSPRequest     ::=     SEQUENCE {
 *       tbsRequest                  TBSRequest,
 *       optionalSignature   [0]     EXPLICIT Signature OPTIONAL }
 *
 *   TBSRequest      ::=     SEQUENCE {
 *       version             [0]     EXPLICIT Version DEFAULT v1,
 *       requestorName       [1]     EXPLICIT GeneralName OPTIONAL,
 *       requestList                 SEQUENCE OF Request,
 *       requestExtensions   [2]     EXPLICIT Extensions OPTIONAL }
 *
 *   Request         ::=     SEQUENCE {
 *       reqCert                     CertID,
 *       singleRequestExtensions     [0] EXPLICIT Extensions OPTIONAL }
 *
 * Every rejection is an `ERR_OCSP_*` code; a responder answers all of them with malformedRequest
 * (4.2.1). The signature of a signed request is not checked: JPKI's responder does not demand one.
 */

/** Most CertIDs accepted in one request; a larger list is a denial-of-service lever, not a use case. */
export const MAX_REQUESTS = 16;
/** Longest nonce accepted: RFC 9654 (obsoleting RFC 8954 and its 32) allows 1 to 128 octets. */
export const MAX_NONCE_LENGTH = 128;

export interface ParsedOcspRequest {
  readonly requests: readonly CertId[];
  /** The nonce extension's extnValue contents byte for byte: what the response echoes. */
  readonly nonce?: Uint8Array;
  /** The nonce itself: inside the OCTET STRING (RFC 9654), or the whole extnValue from older clients. */
  readonly nonceValue?: Uint8Array;
  /** True when the request carries optionalSignature (not verified here). */
  readonly signed: boolean;
}

const ACCEPTABLE_RESPONSES = Uint8Array.of(0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x04); // 4.4.3
const PREFERRED_SIGNATURE_ALGORITHMS = Uint8Array.of(0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x08); // 4.4.7
const SERVICE_LOCATOR = Uint8Array.of(0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x07); // 4.4.6
const KNOWN_REQUEST_EXTENSIONS = [OID.ocspNonce, ACCEPTABLE_RESPONSES, PREFERRED_SIGNATURE_ALGORITHMS];

/** Decodes the DER of an OCSPRequest from a client. */
export function parseOcspRequest(der: Uint8Array): ParsedOcspRequest {
  const top = new DerReader(der, OCSP_DER);
  const request = top.inside(top.expect(TAG.SEQUENCE, 'OCSPRequest'));
  top.finish('OCSPRequest');
  const tbs = request.inside(request.expect(TAG.SEQUENCE, 'tbsRequest'));
  const signature = request.optional(TAG.CONTEXT_0, 'optionalSignature');
  if (signature !== undefined) {
    const s = request.inside(signature);
    s.expect(TAG.SEQUENCE, 'Signature');
    s.finish('optionalSignature');
  }
  request.finish('OCSPRequest');

  const version = tbs.optional(TAG.CONTEXT_0, 'version');
  if (version !== undefined) {
    // DEFAULT v1 should be omitted (X.690 11.5); some clients write it anyway.
    const v = tbs.inside(version);
    if (v.smallInt(v.expect(TAG.INTEGER, 'version'), 'version') !== 0) {
      throw new RevocationError('ERR_OCSP_VERSION_UNSUPPORTED', 'only OCSP v1 requests exist');
    }
    v.finish('version');
  }
  tbs.optional(TAG.CONTEXT_1, 'requestorName');
  const list = tbs.inside(tbs.expect(TAG.SEQUENCE, 'requestList'));
  const requests: CertId[] = [];
  while (!list.atEnd()) {
    if (requests.length === MAX_REQUESTS) {
      throw new RevocationError('ERR_OCSP_TOO_MANY_REQUESTS', `more than ${MAX_REQUESTS} requests in one OCSPRequest`);
    }
    requests.push(readRequest(list));
  }
  if (requests.length === 0) throw new RevocationError('ERR_OCSP_NO_REQUESTS', 'requestList is empty');

  let nonce: { nonce: Uint8Array; nonceValue: Uint8Array } | undefined;
  const extensionsNode = tbs.optional(TAG.CONTEXT_2, 'requestExtensions');
  if (extensionsNode !== undefined) {
    const x = tbs.inside(extensionsNode);
    const extensions = readExtensions(x, x.next('requestExtensions'), 'requestExtensions', 'ERR_OCSP_DUPLICATE_EXTENSION');
    x.finish('requestExtensions');
    rejectUnknownCritical(extensions, KNOWN_REQUEST_EXTENSIONS, 'ERR_OCSP_CRITICAL_EXTENSION', 'requestExtensions');
    const n = extensions.find((e) => bytesEqual(e.oid, OID.ocspNonce));
    if (n !== undefined) nonce = readNonce(n.value);
  }
  tbs.finish('tbsRequest');
  return { requests, ...nonce, signed: signature !== undefined };
}

function readRequest(list: DerReader): CertId {
  const request = list.inside(list.expect(TAG.SEQUENCE, 'Request'));
  const certId = readCertId(request);
  const extensionsNode = request.optional(TAG.CONTEXT_0, 'singleRequestExtensions');
  if (extensionsNode !== undefined) {
    const x = request.inside(extensionsNode);
    const extensions = readExtensions(x, x.next('singleRequestExtensions'), 'singleRequestExtensions', 'ERR_OCSP_DUPLICATE_EXTENSION');
    x.finish('singleRequestExtensions');
    rejectUnknownCritical(extensions, [SERVICE_LOCATOR], 'ERR_OCSP_CRITICAL_EXTENSION', 'singleRequestExtensions');
  }
  request.finish('Request');
  return certId;
}

/** Reads a CertID (RFC 6960 4.1.1, ASN.1 in cert-id.ts); shared with the response reader. */
export function readCertId(r: DerReader): CertId {
  const id = r.inside(r.expect(TAG.SEQUENCE, 'CertID'));
  const alg = id.inside(id.expect(TAG.SEQUENCE, 'hashAlgorithm'));
  const oid = alg.oid(alg.expect(TAG.OID, 'hashAlgorithm'), 'hashAlgorithm');
  const hashAlgorithm: OcspHashAlgorithm | undefined = bytesEqual(oid, OID.sha1) ? 'sha1' : bytesEqual(oid, OID.sha256) ? 'sha256' : undefined;
  if (hashAlgorithm === undefined) throw new RevocationError('ERR_OCSP_HASH_UNSUPPORTED', `hash algorithm ${oidToString(oid)} is not SHA-1 or SHA-256`);
  // RFC 5754 2 / RFC 3370 2.1: the parameters are absent or NULL; both are met in practice.
  let hashParameters: 'null' | 'absent' = 'absent';
  if (!alg.atEnd()) {
    const params = alg.next('hashAlgorithm parameters');
    if (params.tag !== TAG.NULL || params.end !== params.valueStart) {
      throw new RevocationError('ERR_OCSP_HASH_UNSUPPORTED', 'hash algorithm parameters other than NULL');
    }
    hashParameters = 'null';
  }
  alg.finish('hashAlgorithm');
  const issuerNameHash = id.value(id.expect(TAG.OCTET_STRING, 'issuerNameHash')).slice();
  const issuerKeyHash = id.value(id.expect(TAG.OCTET_STRING, 'issuerKeyHash')).slice();
  const length = HASH_LENGTH[hashAlgorithm];
  if (issuerNameHash.length !== length || issuerKeyHash.length !== length) {
    throw new RevocationError('ERR_OCSP_HASH_LENGTH', `issuer hashes are not ${length}-byte ${hashAlgorithm} values`);
  }
  const serialNumber = id.integer(id.expect(TAG.INTEGER, 'serialNumber'), 'serialNumber').slice();
  id.finish('CertID');
  return hashParameters === 'null'
    ? { hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber }
    : { hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber, hashParameters };
}

/*
 * RFC 8954 2.1 (replacing RFC 6960 4.4.1): "the nonce will be identified by the object identifier
 * id-pkix-ocsp-nonce, while the extnValue is the value of the nonce", the value being the DER of
 * `Nonce ::= OCTET STRING`, so extnValue holds an OCTET STRING inside its own. RFC 9654, which
 * obsoletes RFC 8954, keeps this form and raises the maximum from 32 to 128 octets. Clients written to
 * RFC 2560's looser text put the bare nonce in extnValue; both forms are accepted. The extnValue is
 * kept whole, because clients (OpenSSL's OCSP_check_nonce among them) compare it byte for byte.
 */
function readNonce(extnValue: Uint8Array): { nonce: Uint8Array; nonceValue: Uint8Array } {
  let nonceValue = extnValue;
  if (extnValue[0] === TAG.OCTET_STRING) {
    try {
      const r = new DerReader(extnValue, OCSP_DER);
      const inner = r.next('nonce');
      r.finish('nonce');
      nonceValue = r.value(inner);
    } catch {
      nonceValue = extnValue; // not an OCTET STRING after all: a bare nonce starting with 04
    }
  }
  if (nonceValue.length === 0) throw new RevocationError('ERR_OCSP_NONCE_EMPTY', 'a nonce of 0 octets');
  if (nonceValue.length > MAX_NONCE_LENGTH) {
    throw new RevocationError('ERR_OCSP_NONCE_TOO_LONG', `a nonce of ${nonceValue.length} octets (at most ${MAX_NONCE_LENGTH})`);
  }
  return { nonce: extnValue.slice(), nonceValue: nonceValue.slice() };
}

