/**
 * Certificate status for relying parties: whether an OCSP response (RFC 6960 3.2, 4.2.2.2) or a
 * complete CRL (RFC 5280 6.3) can be used, and what it says. Fetching and caching are the caller's
 * (src/sdk); this is I/O-free: bytes, the issuer and the time in, an answer or a StatusError out.
 */
export { StatusError, type StatusErrorCode } from './errors.js';
export { DEFAULT_CLOCK_SKEW_MS, type StatusAnswer } from './answer.js';
export { evaluateOcspResponse, ocspCertId, type OcspEvaluation } from './ocsp.js';
export { evaluateCrl, type VerifiedCrl, type CrlEvaluation } from './crl.js';
export { ocspUrlsOf, crlUrlsOf } from './locations.js';
