import { JpkiMobileError } from '../errors/index.js';

/**
 * What the JPKI app tells its user. Each code is one situation the user can do something about; the
 * message says what to do ("The PIN is wrong; 2 tries left."), never a stack of internal detail (that is
 * the `cause`). The flows' state machines raise them; the CLI and a UI show `message`.
 */
export type AppErrorCode =
  /** A flow was asked for a step its state does not allow (style rule 11). */
  | 'ERR_APP_ILLEGAL_TRANSITION'
  /** The phone is offline, or the server could not be reached: connect and try again. */
  | 'ERR_APP_OFFLINE'
  /** The server refused or failed a request (its problem code is in the message). */
  | 'ERR_APP_SERVER'
  /** This phone's secure element cannot be used (not registered with the SEI-TSM, no element, refused). */
  | 'ERR_APP_SE_UNSUPPORTED'
  /** The app cannot reach the JPKI applet through the OMAPI (its signature is not in the access rules). */
  | 'ERR_APP_ACCESS_DENIED'
  /** The step needs the app prepared (flow 2) first. */
  | 'ERR_APP_NOT_PREPARED'
  /** The step needs the certificates issued (flow 3) first. */
  | 'ERR_APP_NOT_ISSUED'
  /** The PIN or password is wrong; `triesLeft` says how many tries remain. */
  | 'ERR_APP_SECRET_WRONG'
  /** The PIN or password is blocked: re-initialise it with the card. */
  | 'ERR_APP_SECRET_BLOCKED'
  /** The new PIN or password does not follow the rules (PIN 4 digits; password 6-16 of A-Z 0-9) or the two entries differ. */
  | 'ERR_APP_SECRET_FORMAT'
  /** The card's signature password is wrong; `triesLeft` says how many tries remain. */
  | 'ERR_APP_CARD_PASSWORD_WRONG'
  /** The card's signature password is blocked: the municipal office resets it. */
  | 'ERR_APP_CARD_PASSWORD_BLOCKED'
  /** The card held to the phone is not the card of the holder of this phone's certificates (flow 5). */
  | 'ERR_APP_CARD_NOT_HOLDER'
  /** The card could not be read (not a JPKI card, removed, no certificate). */
  | 'ERR_APP_CARD_UNREADABLE'
  /** The certification service refused the application (card certificate revoked, one-per-person, …). */
  | 'ERR_APP_ISSUANCE_REFUSED'
  /** A TSM session ended without completing (its failure code is in the message). */
  | 'ERR_APP_SESSION_FAILED'
  /** Fingerprint unlock is not set up, was invalidated by an enrolment change, or the finger did not match. */
  | 'ERR_APP_BIOMETRIC_UNAVAILABLE'
  /** The fingerprint did not match; `triesLeft` says how many attempts before lockout. */
  | 'ERR_APP_BIOMETRIC_FAILED'
  /** The applet refuses to sign: the certificate was revoked or the key is gone. */
  | 'ERR_APP_KEY_UNUSABLE'
  /** The service refused a revocation from the phone (the signature or the certificate did not qualify). */
  | 'ERR_APP_REVOCATION_REFUSED'
  /** A push message this app does not understand. */
  | 'ERR_APP_PUSH_MESSAGE'
  /** The reset notice could not be delivered now; it stays pending on the phone. */
  | 'ERR_APP_RESET_NOT_DELIVERED'
  /** The app's saved data is not valid (or belongs to another installation). */
  | 'ERR_APP_DATA_INVALID';

export class AppError extends JpkiMobileError<AppErrorCode> {
  /** Tries left after a wrong PIN, password or finger. */
  readonly triesLeft: number | undefined;

  constructor(code: AppErrorCode, message: string, options: { cause?: unknown; triesLeft?: number } = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.triesLeft = options.triesLeft;
  }
}
