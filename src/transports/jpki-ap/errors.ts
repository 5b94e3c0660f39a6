import { JpkiMobileError } from '../../errors/index.js';

/** Refusals of the JPKI-AP client (`src/transports/jpki-ap`); other card refusals are `StatusWordError`. */
export type JpkiApErrorCode =
  /** VERIFY answered `63CX`: wrong PIN or password; `triesLeft` is X (0: it is now blocked). */
  | 'ERR_JPKI_AP_PIN_INCORRECT'
  /** VERIFY answered `6984` (or `6983`): the PIN or password is blocked; only the office can reset it. */
  | 'ERR_JPKI_AP_PIN_BLOCKED'
  /** Not a valid value, so it was not sent: the PIN is 4 digits, the password 6-16 of A-Z and 0-9. */
  | 'ERR_JPKI_AP_PIN_FORMAT'
  /** A certificate EF does not start with `30 82 LL LL` (a DER SEQUENCE of 256..65535 bytes). */
  | 'ERR_JPKI_AP_CERTIFICATE_FORMAT'
  /** The data to sign is not 1..245 bytes (what PKCS#1 v1.5 padding leaves in a 2048-bit block). */
  | 'ERR_JPKI_AP_SIGN_INPUT';

export class JpkiApError extends JpkiMobileError<JpkiApErrorCode> {
  /** The status word the card answered, when it answered one. */
  readonly sw: number | undefined;
  /** Tries left after a wrong value (`ERR_JPKI_AP_PIN_INCORRECT`), 0 when blocked. */
  readonly triesLeft: number | undefined;

  constructor(code: JpkiApErrorCode, message: string, details: { sw?: number; triesLeft?: number; cause?: unknown } = {}) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.sw = details.sw;
    this.triesLeft = details.triesLeft;
  }
}
