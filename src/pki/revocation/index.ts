/**
 * Revocation status of the JPKI certification authority: the CRLReason set with its JPKI meanings,
 * a streaming CRL v2 writer and reader (RFC 5280 5), and the OCSP codecs of the responder (RFC 6960):
 * CertID computation, request parsing (POST body or GET path), response building and pre-signing,
 * error responses, and a response reader for relying parties. I/O-free: bytes in, bytes out.
 */
export { RevocationError, type RevocationErrorCode } from './errors.js';
export {
  CRL_REASONS,
  crlReason,
  isCrlReasonCode,
  reasonByName,
  reasonName,
  type CrlReason,
  type CrlReasonCode,
  type CrlReasonName,
} from './reasons.js';

export type { CrlEntry } from './crl-entry.js';
export { CHUNK_SIZE, type CrlSink } from './chunk-writer.js';
export { writeCrl, encodeCrlToBytes, type CrlParams, type CrlWriteResult } from './crl.js';
export { parseCrl, verifyCrlSignature, type ParsedCrl, type ParsedCrlEntry } from './crl-parse.js';

export {
  certIdFor,
  certIdKey,
  issuerHashes,
  issuerParts,
  responderKeyHash,
  subjectPublicKeyOf,
  type CertId,
  type IssuerParts,
  type OcspHashAlgorithm,
} from './cert-id.js';
export { parseOcspRequest, MAX_NONCE_LENGTH, MAX_REQUESTS, type ParsedOcspRequest } from './ocsp-request.js';
export { encodeOcspRequest, type EncodedOcspRequest, type OcspRequestOptions } from './ocsp-request-build.js';
export { simpleOcspRequestKey } from './ocsp-request-key.js';
export { decodeOcspGetPath } from './ocsp-get.js';
export {
  ocspErrorResponse,
  ocspResponseStatusName,
  OCSP_RESPONSE_STATUS,
  type OcspErrorStatus,
  type OcspResponseStatus,
} from './ocsp-status.js';
export {
  buildOcspResponse,
  encodeCertId,
  encodeSingleResponse,
  presignOcspResponse,
  type EncodedSingleResponse,
  type OcspCertStatus,
  type OcspResponseParams,
  type OcspSingleResponse,
  type PresignedOcspResponse,
} from './ocsp-response.js';
export {
  parseOcspResponse,
  verifyOcspResponseSignature,
  type ParsedCertStatus,
  type ParsedOcspResponse,
  type ParsedSingleResponse,
  type ResponderId,
} from './ocsp-response-parse.js';
export type { PublicKeyInput } from './signature.js';
