import { JpkiMobileError } from '../../errors/index.js';

/**
 * Failures of the Individual Number Card outside the card interface (which answers status words):
 * a card file that is not a card, and office operations given values the card refuses.
 */
export type IdCardErrorCode =
  /** The card document is not a valid Individual Number Card state (format, EF contents, keys, counters). */
  | 'ERR_ID_CARD_STATE'
  /** A user-authentication PIN that is not exactly 4 digits. */
  | 'ERR_ID_CARD_PIN_FORMAT'
  /** A signature password that is not 6 to 16 characters of A-Z and 0-9. */
  | 'ERR_ID_CARD_PASSWORD_FORMAT'
  /** The certification service returned certificates that do not fit the card (wrong key, not `30 82 LL LL` DER). */
  | 'ERR_ID_CARD_CERTIFICATES';

export class IdCardError extends JpkiMobileError<IdCardErrorCode> {}
