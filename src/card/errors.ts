import { JpkiMobileError } from '../errors/index.js';

/**
 * Failures of the card runtime and its persistence port. None of them is an answer to an APDU: a
 * command always gets a status word; these are mistakes of whoever builds, powers or stores the card.
 */
export type CardErrorCode =
  /** Two applets with the same AID, an AID outside 5..16 bytes, a channel count outside 1..20, a bad ATR. */
  | 'ERR_CARD_CONFIG'
  /** `transmit` on a card that is not powered (no power-on, or after power-off). */
  | 'ERR_CARD_POWERED_OFF'
  /** The card's state file does not exist. */
  | 'ERR_CARD_STATE_MISSING'
  /** The card's state file is not a JSON document. */
  | 'ERR_CARD_STATE_INVALID'
  /** `create` found a state file already there (a card is never overwritten by a new one). */
  | 'ERR_CARD_STATE_EXISTS';

export class CardError extends JpkiMobileError<CardErrorCode> {}
