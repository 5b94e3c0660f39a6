import { JpkiMobileError } from '../errors/index.js';

/**
 * Failure modes of the APDU codec. Each malformed encoding has its own code so a transport or a card
 * runtime can tell a truncated frame from a mis-built one without reading messages.
 */
export type ApduErrorCode =
  /** Command shorter than the 4-byte header CLA INS P1 P2. */
  | 'ERR_APDU_COMMAND_TOO_SHORT'
  /** Lc announces more data bytes than the body holds. */
  | 'ERR_APDU_LC_TRUNCATED'
  /** Bytes remain after the data field and Le field that Lc implies. */
  | 'ERR_APDU_TRAILING_BYTES'
  /** Body starts with 00 (extended lengths) but stops after one more byte. */
  | 'ERR_APDU_EXTENDED_LENGTH_TRUNCATED'
  /** Extended Lc of 0000 followed by more bytes: Nc = 0 is never encoded. */
  | 'ERR_APDU_EXTENDED_LC_ZERO'
  /** Extended case 4 ends one byte into its two-byte Le field. */
  | 'ERR_APDU_EXTENDED_LE_TRUNCATED'
  /** CLA, INS, P1 or P2 is not an integer 0..255. */
  | 'ERR_APDU_HEADER_RANGE'
  /** Command data longer than 65535 bytes (Nc does not fit an extended Lc). */
  | 'ERR_APDU_DATA_TOO_LONG'
  /** Ne is not an integer 1..65536. */
  | 'ERR_APDU_NE_RANGE'
  /** Response shorter than the two status bytes. */
  | 'ERR_APDU_RESPONSE_TOO_SHORT'
  /** Not a 16-bit status word with SW1 in 61..6F or 90..9F. */
  | 'ERR_APDU_SW_INVALID'
  /** A re-issue helper got a status word of the wrong family (e.g. 6Cxx expected). */
  | 'ERR_APDU_SW_UNEXPECTED'
  /** Class byte FF, RFU (001x xxxx) or not a byte, where its coding must be read. */
  | 'ERR_APDU_CLA_INVALID'
  /** Logical channel number not an integer 0..19. */
  | 'ERR_APDU_CHANNEL_RANGE';

/** A malformed or out-of-range command, response, status word or class byte. */
export class ApduError extends JpkiMobileError<ApduErrorCode> {}
