import { JpkiMobileError } from '../../errors/index.js';

/**
 * Why an OCSP response or a CRL cannot be used to decide a certificate's status. A relying party
 * treats every one of them the same way, as a source that did not answer (and falls back to the next);
 * the code says why, for its logs.
 */
export type StatusErrorCode =
  /** The parameters are not what the evaluation takes. */
  | 'ERR_STATUS_PARAMS'
  /** The OCSP response does not decode (the RevocationError is the cause). */
  | 'ERR_STATUS_OCSP_MALFORMED'
  /** responseStatus is not successful (malformedRequest, internalError, tryLater, sigRequired, unauthorized). */
  | 'ERR_STATUS_OCSP_RESPONSE_STATUS'
  /** Neither the CA nor an authorised responder certificate in the response matches the ResponderID (RFC 6960 4.2.2.2). */
  | 'ERR_STATUS_OCSP_RESPONDER_UNAUTHORIZED'
  /** The response's signature does not verify with the responder's key. */
  | 'ERR_STATUS_OCSP_SIGNATURE'
  /** No SingleResponse is about the certificate asked about. */
  | 'ERR_STATUS_OCSP_CERT_ID_MISMATCH'
  /** thisUpdate in the future, nextUpdate in the past, or no nextUpdate and a thisUpdate older than the max age. */
  | 'ERR_STATUS_OCSP_STALE'
  /** A nonce was sent and the response does not echo it. */
  | 'ERR_STATUS_OCSP_NONCE_MISMATCH'
  /** The CRL does not decode (the RevocationError is the cause). */
  | 'ERR_STATUS_CRL_MALFORMED'
  /** The CRL was not issued by the certificate's CA (name, key identifier, or a CA without cRLSign). */
  | 'ERR_STATUS_CRL_ISSUER_MISMATCH'
  /** The CRL's signature does not verify with the CA's key. */
  | 'ERR_STATUS_CRL_SIGNATURE'
  /** thisUpdate in the future, no nextUpdate, or nextUpdate in the past. */
  | 'ERR_STATUS_CRL_STALE';

export class StatusError extends JpkiMobileError<StatusErrorCode> {}
