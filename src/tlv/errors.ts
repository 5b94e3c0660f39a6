import { JpkiMobileError } from '../errors/index.js';

/**
 * Every way a BER-TLV operation fails. Decoding codes name the first rule of ISO/IEC 7816-4 5.2 or
 * X.690 8.1 the input broke, so a caller can tell a truncated response from a malformed one.
 */
export type TlvErrorCode =
  | 'ERR_TLV_EMPTY'
  | 'ERR_TLV_TAG_TRUNCATED'
  | 'ERR_TLV_TAG_TOO_LONG'
  | 'ERR_TLV_TAG_NON_MINIMAL'
  | 'ERR_TLV_TAG_RESERVED'
  | 'ERR_TLV_TAG_INVALID'
  | 'ERR_TLV_LENGTH_TRUNCATED'
  | 'ERR_TLV_LENGTH_INDEFINITE'
  | 'ERR_TLV_LENGTH_TOO_LONG'
  | 'ERR_TLV_VALUE_OVERRUN'
  | 'ERR_TLV_TRAILING_BYTES'
  | 'ERR_TLV_DEPTH_EXCEEDED'
  | 'ERR_TLV_CONSTRUCTED_MISMATCH'
  | 'ERR_TLV_NOT_FOUND'
  | 'ERR_TLV_OPTIONS_INVALID';

/** Malformed BER-TLV input, an unencodable node, or a missing data object. */
export class TlvError extends JpkiMobileError<TlvErrorCode> {}
