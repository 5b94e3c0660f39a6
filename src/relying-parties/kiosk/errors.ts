import { JpkiMobileError } from '../../errors/index.js';

/** The kiosk's own refusals (the SDK's keep their codes); statuses in `http.ts`, meanings in docs/errors.md. */
export const KIOSK_ERROR_CODES = [
  'ERR_KIOSK_PCSC_UNAVAILABLE',
  'ERR_KIOSK_READER_NOT_FOUND',
  'ERR_KIOSK_READER_BUSY',
  'ERR_KIOSK_NO_CARD',
  'ERR_KIOSK_CARD_LOST',
  'ERR_KIOSK_CARD_ERROR',
  'ERR_KIOSK_NOT_JPKI',
  'ERR_KIOSK_TOKEN_UNKNOWN',
  'ERR_KIOSK_PIN_FORMAT',
  'ERR_KIOSK_PIN_INCORRECT',
  'ERR_KIOSK_PIN_BLOCKED',
  'ERR_KIOSK_SESSION_UNKNOWN',
  'ERR_KIOSK_SESSION_STATE',
  'ERR_KIOSK_ISSUANCE_UNKNOWN',
] as const;

export type KioskErrorCode = (typeof KIOSK_ERROR_CODES)[number];

export class KioskError extends JpkiMobileError<KioskErrorCode> {
  /** ERR_KIOSK_PIN_INCORRECT / ERR_KIOSK_PIN_BLOCKED: the tries the PIN has left (0: blocked). */
  readonly triesLeft: number | undefined;
  /** ERR_KIOSK_CARD_ERROR: the status word the card answered. */
  readonly sw: number | undefined;

  constructor(code: KioskErrorCode, message: string, details: { cause?: unknown; triesLeft?: number; sw?: number } = {}) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.triesLeft = details.triesLeft;
    this.sw = details.sw;
  }
}
