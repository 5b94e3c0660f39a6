import { JpkiMobileError } from '../../errors/index.js';

/**
 * Every way a revocation-status codec fails. The DER codes come in two families with the same five
 * shapes (truncated, length, tag, value, trailing), so a caller can tell a broken CRL from a broken
 * OCSP message; an OCSP responder answers every `ERR_OCSP_*` raised while parsing a request with the
 * `malformedRequest` status (RFC 6960 4.2.1), and anything else with `internalError`.
 */
export type RevocationErrorCode =
  // CRLReason (RFC 5280 5.3.1)
  | 'ERR_CRL_REASON_UNKNOWN'
  | 'ERR_CRL_REASON_DELTA_ONLY'
  // CRL writer (RFC 5280 5.1)
  | 'ERR_CRL_ISSUER_INVALID'
  | 'ERR_CRL_NUMBER_RANGE'
  | 'ERR_CRL_KEY_ID_INVALID'
  | 'ERR_CRL_TIME_RANGE'
  | 'ERR_CRL_UPDATE_ORDER'
  | 'ERR_CRL_SERIAL_INVALID'
  | 'ERR_CRL_ENTRIES_CHANGED'
  | 'ERR_CRL_SIGNER_KEY'
  | 'ERR_CRL_SIGNATURE_LENGTH'
  // CRL reader
  | 'ERR_CRL_DER_TRUNCATED'
  | 'ERR_CRL_DER_LENGTH'
  | 'ERR_CRL_DER_TAG'
  | 'ERR_CRL_DER_VALUE'
  | 'ERR_CRL_DER_TRAILING'
  | 'ERR_CRL_VERSION_UNSUPPORTED'
  | 'ERR_CRL_ALGORITHM_MISMATCH'
  | 'ERR_CRL_CRITICAL_EXTENSION'
  | 'ERR_CRL_DUPLICATE_EXTENSION'
  | 'ERR_CRL_SIGNATURE_ALGORITHM_UNSUPPORTED'
  // OCSP messages (RFC 6960 4.1, 4.2)
  | 'ERR_OCSP_DER_TRUNCATED'
  | 'ERR_OCSP_DER_LENGTH'
  | 'ERR_OCSP_DER_TAG'
  | 'ERR_OCSP_DER_VALUE'
  | 'ERR_OCSP_DER_TRAILING'
  | 'ERR_OCSP_VERSION_UNSUPPORTED'
  | 'ERR_OCSP_HASH_UNSUPPORTED'
  | 'ERR_OCSP_HASH_LENGTH'
  | 'ERR_OCSP_NO_REQUESTS'
  | 'ERR_OCSP_TOO_MANY_REQUESTS'
  | 'ERR_OCSP_NONCE_EMPTY'
  | 'ERR_OCSP_NONCE_TOO_LONG'
  | 'ERR_OCSP_CRITICAL_EXTENSION'
  | 'ERR_OCSP_DUPLICATE_EXTENSION'
  | 'ERR_OCSP_GET_PATH_INVALID'
  | 'ERR_OCSP_CERTIFICATE_INVALID'
  | 'ERR_OCSP_KEY_HASH_LENGTH'
  | 'ERR_OCSP_NO_RESPONSES'
  | 'ERR_OCSP_CERT_ID_INVALID'
  | 'ERR_OCSP_CERT_STATUS_INVALID'
  | 'ERR_OCSP_TIME_RANGE'
  | 'ERR_OCSP_REASON_INVALID'
  | 'ERR_OCSP_RESPONSE_STATUS_INVALID'
  | 'ERR_OCSP_RESPONSE_TYPE_UNSUPPORTED'
  | 'ERR_OCSP_SIGNATURE_ALGORITHM_UNSUPPORTED';

/** A CRL or OCSP message that cannot be built from the values given, or bytes that do not decode. */
export class RevocationError extends JpkiMobileError<RevocationErrorCode> {}
