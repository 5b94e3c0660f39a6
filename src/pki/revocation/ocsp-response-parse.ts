import { bytesEqual } from '../../bytes/index.js';
import type { CertId } from './cert-id.js';
import { DerReader, OCSP_DER } from './der-reader.js';
import { OID, oidToString, TAG } from './der-writer.js';
import { RevocationError } from './errors.js';
import { readExtensions, rejectUnknownCritical } from './extensions.js';
import { readCertId } from './ocsp-request.js';
import { ocspResponseStatusName, type OcspResponseStatus } from './ocsp-status.js';
import { isCrlReasonCode, type CrlReasonCode } from './reasons.js';
import { verifyRsaSignature, type PublicKeyInput } from './signature.js';

/*
 * A reader for OCSPResponse (RFC 6960 4.2.1, ASN.1 in ocsp-response.ts), for tests and relying
 * parties. It decodes and checks the structure; trusting the result takes more: the signature
 * (`verifyOcspResponseSignature`), the responder's authorisation (4.2.2.2), the CertID match, the
 * nonce and the freshness of thisUpdate/nextUpdate against the caller's clock.
 */

export type ParsedCertStatus =
  | { readonly kind: 'good' }
  | { readonly kind: 'revoked'; readonly revocationTime: Date; readonly reason?: CrlReasonCode }
  | { readonly kind: 'unknown' };

export interface ParsedSingleResponse {
  readonly certId: CertId;
  readonly status: ParsedCertStatus;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
}

export type ResponderId = { readonly kind: 'byKey'; readonly keyHash: Uint8Array } | { readonly kind: 'byName'; readonly name: Uint8Array };

export interface ParsedOcspResponse {
  readonly status: OcspResponseStatus;
  /** The fields below are set for a successful response only; lists are empty otherwise. */
  readonly responderId?: ResponderId;
  readonly producedAt?: Date;
  readonly responses: readonly ParsedSingleResponse[];
  /** The nonce extension's extnValue contents, to compare byte for byte with the request's. */
  readonly nonce?: Uint8Array;
  /** DER of each certificate in `certs`. */
  readonly certs: readonly Uint8Array[];
  /** Dotted OID of the signature algorithm. */
  readonly signatureAlgorithm?: string;
  readonly signature?: Uint8Array;
  /** DER of ResponseData: what the signature covers. */
  readonly tbsResponseData?: Uint8Array;
}

/** Decodes the DER of an OCSPResponse; copies what it returns, so the input may be reused. */
export function parseOcspResponse(der: Uint8Array): ParsedOcspResponse {
  const bytes = new Uint8Array(der);
  const top = new DerReader(bytes, OCSP_DER);
  const response = top.inside(top.expect(TAG.SEQUENCE, 'OCSPResponse'));
  top.finish('OCSPResponse');
  const value = response.smallInt(response.expect(TAG.ENUMERATED, 'responseStatus'), 'responseStatus');
  const status = ocspResponseStatusName(value);
  if (status === undefined) throw new RevocationError('ERR_OCSP_RESPONSE_STATUS_INVALID', `responseStatus ${value} is not defined`);
  const responseBytes = response.optional(TAG.CONTEXT_0, 'responseBytes');
  response.finish('OCSPResponse');
  // 4.2.1: "If the value of responseStatus is one of the error conditions, the responseBytes field is not set."
  if ((responseBytes === undefined) !== (status !== 'successful')) {
    throw new RevocationError('ERR_OCSP_RESPONSE_STATUS_INVALID', `responseStatus ${status} with${responseBytes ? '' : 'out'} responseBytes`);
  }
  if (responseBytes === undefined) return { status, responses: [], certs: [] };

  const rb = response.inside(responseBytes);
  const body = rb.inside(rb.expect(TAG.SEQUENCE, 'ResponseBytes'));
  rb.finish('responseBytes');
  const type = body.oid(body.expect(TAG.OID, 'responseType'), 'responseType');
  if (!bytesEqual(type, OID.ocspBasic)) {
    throw new RevocationError('ERR_OCSP_RESPONSE_TYPE_UNSUPPORTED', `responseType ${oidToString(type)} is not id-pkix-ocsp-basic`);
  }
  const octets = body.expect(TAG.OCTET_STRING, 'response');
  body.finish('ResponseBytes');
  const inner = new DerReader(bytes, OCSP_DER, octets.valueStart, octets.end);
  const basic = inner.inside(inner.expect(TAG.SEQUENCE, 'BasicOCSPResponse'));
  inner.finish('response');

  const dataNode = basic.expect(TAG.SEQUENCE, 'tbsResponseData');
  const alg = basic.inside(basic.expect(TAG.SEQUENCE, 'signatureAlgorithm'));
  const signatureAlgorithm = oidToString(alg.oid(alg.expect(TAG.OID, 'signatureAlgorithm'), 'signatureAlgorithm'));
  const signature = basic.bitString(basic.expect(TAG.BIT_STRING, 'signature'), 'signature').slice();
  const certs: Uint8Array[] = [];
  const certsNode = basic.optional(TAG.CONTEXT_0, 'certs');
  if (certsNode !== undefined) {
    const c = basic.inside(certsNode);
    const list = c.inside(c.expect(TAG.SEQUENCE, 'certs'));
    c.finish('certs');
    while (!list.atEnd()) certs.push(list.copyTlv(list.expect(TAG.SEQUENCE, 'Certificate')));
  }
  basic.finish('BasicOCSPResponse');

  const data = basic.inside(dataNode);
  const version = data.optional(TAG.CONTEXT_0, 'version');
  if (version !== undefined) {
    const v = data.inside(version);
    if (v.smallInt(v.expect(TAG.INTEGER, 'version'), 'version') !== 0) throw new RevocationError('ERR_OCSP_VERSION_UNSUPPORTED', 'only OCSP v1 responses exist');
    v.finish('version');
  }
  const responderId = readResponderId(data);
  const producedAt = data.time(data.expect(TAG.GENERALIZED_TIME, 'producedAt'), 'producedAt');
  const list = data.inside(data.expect(TAG.SEQUENCE, 'responses'));
  const responses: ParsedSingleResponse[] = [];
  while (!list.atEnd()) responses.push(readSingleResponse(list));
  let nonce: Uint8Array | undefined;
  const extensionsNode = data.optional(TAG.CONTEXT_1, 'responseExtensions');
  if (extensionsNode !== undefined) {
    const x = data.inside(extensionsNode);
    const extensions = readExtensions(x, x.next('responseExtensions'), 'responseExtensions', 'ERR_OCSP_DUPLICATE_EXTENSION');
    x.finish('responseExtensions');
    rejectUnknownCritical(extensions, [OID.ocspNonce], 'ERR_OCSP_CRITICAL_EXTENSION', 'responseExtensions');
    nonce = extensions.find((e) => bytesEqual(e.oid, OID.ocspNonce))?.value.slice();
  }
  data.finish('ResponseData');

  return {
    status,
    responderId,
    producedAt,
    responses,
    ...(nonce === undefined ? {} : { nonce }),
    certs,
    signatureAlgorithm,
    signature,
    tbsResponseData: bytes.slice(dataNode.start, dataNode.end),
  };
}

function readResponderId(r: DerReader): ResponderId {
  const node = r.next('responderID');
  const v = r.inside(node);
  let id: ResponderId;
  if (node.tag === TAG.CONTEXT_1) id = { kind: 'byName', name: v.copyTlv(v.expect(TAG.SEQUENCE, 'byName')) };
  else if (node.tag === TAG.CONTEXT_2) id = { kind: 'byKey', keyHash: v.value(v.expect(TAG.OCTET_STRING, 'byKey')).slice() };
  else return r.fail('tag', 'responderID is neither byName [1] nor byKey [2]');
  v.finish('responderID');
  return id;
}

function readSingleResponse(list: DerReader): ParsedSingleResponse {
  const s = list.inside(list.expect(TAG.SEQUENCE, 'SingleResponse'));
  const certId = readCertId(s);
  const statusNode = s.next('certStatus');
  let status: ParsedCertStatus;
  if (statusNode.tag === TAG.CONTEXT_PRIMITIVE_0 || statusNode.tag === TAG.CONTEXT_PRIMITIVE_2) {
    s.null(statusNode, 'certStatus');
    status = { kind: statusNode.tag === TAG.CONTEXT_PRIMITIVE_0 ? 'good' : 'unknown' };
  } else if (statusNode.tag === TAG.CONTEXT_1) {
    const info = s.inside(statusNode);
    const revocationTime = info.time(info.expect(TAG.GENERALIZED_TIME, 'revocationTime'), 'revocationTime');
    const reasonNode = info.optional(TAG.CONTEXT_0, 'revocationReason');
    info.finish('RevokedInfo');
    if (reasonNode === undefined) status = { kind: 'revoked', revocationTime };
    else {
      const e = info.inside(reasonNode);
      const reason = e.smallInt(e.expect(TAG.ENUMERATED, 'revocationReason'), 'revocationReason');
      e.finish('revocationReason');
      if (!isCrlReasonCode(reason)) throw new RevocationError('ERR_OCSP_REASON_INVALID', `revocationReason ${reason} is not a CRLReason`);
      status = { kind: 'revoked', revocationTime, reason };
    }
  } else {
    return s.fail('tag', 'certStatus is not good [0], revoked [1] or unknown [2]');
  }
  const thisUpdate = s.time(s.expect(TAG.GENERALIZED_TIME, 'thisUpdate'), 'thisUpdate');
  let nextUpdate: Date | undefined;
  const next = s.optional(TAG.CONTEXT_0, 'nextUpdate');
  if (next !== undefined) {
    const n = s.inside(next);
    nextUpdate = n.time(n.expect(TAG.GENERALIZED_TIME, 'nextUpdate'), 'nextUpdate');
    n.finish('nextUpdate');
  }
  const extensionsNode = s.optional(TAG.CONTEXT_1, 'singleExtensions');
  if (extensionsNode !== undefined) {
    const x = s.inside(extensionsNode);
    rejectUnknownCritical(readExtensions(x, x.next('singleExtensions'), 'singleExtensions', 'ERR_OCSP_DUPLICATE_EXTENSION'), [], 'ERR_OCSP_CRITICAL_EXTENSION', 'singleExtensions');
    x.finish('singleExtensions');
  }
  s.finish('SingleResponse');
  return nextUpdate === undefined ? { certId, status, thisUpdate } : { certId, status, thisUpdate, nextUpdate };
}


/**
 * True when the BasicOCSPResponse signature verifies with `publicKey` (the responder certificate's
 * key, from `certs` or configured); false for an error response or a wrong key.
 */
export function verifyOcspResponseSignature(response: ParsedOcspResponse, publicKey: PublicKeyInput): boolean {
  const { signatureAlgorithm, tbsResponseData, signature } = response;
  if (signatureAlgorithm === undefined || tbsResponseData === undefined || signature === undefined) return false;
  return verifyRsaSignature(signatureAlgorithm, tbsResponseData, signature, publicKey, 'ERR_OCSP_SIGNATURE_ALGORITHM_UNSUPPORTED');
}
