import { JpkiMobileError } from '../../../errors/index.js';

/**
 * The Java exception OMAPI throws for each failure (android.se.omapi, GlobalPlatform Open Mobile API
 * 3.3): callers that port Android code map `kind` back; tests assert `code`.
 */
export type OmapiErrorKind =
  | 'IllegalArgument'
  | 'IllegalState'
  | 'Security'
  | 'NoSuchElement'
  | 'IO'
  | 'UnsupportedOperation'
  | 'MissingResource';

export type OmapiErrorCode =
  /** The service was shut down, or the session or channel is closed (IllegalState). */
  | 'ERR_OMAPI_CLOSED'
  /** The phone is off or the element did not answer its power-on (IO: "Secure Element is not present"). */
  | 'ERR_OMAPI_SE_NOT_PRESENT'
  /** The element's answer is unusable: a bad MANAGE CHANNEL answer, an unexpected status word, a response too long (IO). */
  | 'ERR_OMAPI_IO'
  /** An AID that is not 5 to 16 bytes (IllegalArgument). */
  | 'ERR_OMAPI_AID_INVALID'
  /** SELECT P2 other than 00, 04, 08, 0C (UnsupportedOperation). */
  | 'ERR_OMAPI_P2_UNSUPPORTED'
  /** selectNext on a channel opened without an AID; the element answered 6881/6A86/6D00/6E00 to an opening (UnsupportedOperation). */
  | 'ERR_OMAPI_UNSUPPORTED'
  /** The AID is not on the element, or not selectable: SELECT answered 6A82 or 6999 (NoSuchElement). */
  | 'ERR_OMAPI_NO_SUCH_ELEMENT'
  /** The basic channel is in use or no default application is selected on it, or no logical channel is free (MissingResource; Android returns null). */
  | 'ERR_OMAPI_CHANNEL_UNAVAILABLE'
  /** transmit: fewer than 4 bytes, or Lc/Le fields that do not frame the body (IllegalArgument). */
  | 'ERR_OMAPI_APDU_MALFORMED'
  /** transmit: CLA 'FF' (or the RFU '2x'/'3x', which have no coding) (IllegalArgument). */
  | 'ERR_OMAPI_CLA_INVALID'
  /** transmit: INS '6x' or '9x', which are status bytes under T=0 (IllegalArgument). */
  | 'ERR_OMAPI_INS_INVALID'
  /** transmit: MANAGE CHANNEL with an interindustry class (Security). */
  | 'ERR_OMAPI_MANAGE_CHANNEL_FORBIDDEN'
  /** transmit: SELECT by DF name with an interindustry class by an app without the privileged permission (Security). */
  | 'ERR_OMAPI_SELECT_FORBIDDEN'
  /** The access rules give the calling app no access to the AID (or there is no rule for it) (Security). */
  | 'ERR_OMAPI_ACCESS_DENIED'
  /** transmit: the channel's APDU filters do not let this command header through (Security). */
  | 'ERR_OMAPI_APDU_DENIED'
  /** The element has no ARA-M (SELECT answered 6A82): every non-privileged channel is refused; tried again next time (Security). */
  | 'ERR_OMAPI_ACCESS_RULES_UNAVAILABLE'
  /** The ARA-M is there but its answers are unusable: every non-privileged channel is refused until the phone restarts (Security). */
  | 'ERR_OMAPI_ACCESS_RULES_BROKEN';

const KINDS: Readonly<Record<OmapiErrorCode, OmapiErrorKind>> = {
  ERR_OMAPI_CLOSED: 'IllegalState',
  ERR_OMAPI_SE_NOT_PRESENT: 'IO',
  ERR_OMAPI_IO: 'IO',
  ERR_OMAPI_AID_INVALID: 'IllegalArgument',
  ERR_OMAPI_P2_UNSUPPORTED: 'UnsupportedOperation',
  ERR_OMAPI_UNSUPPORTED: 'UnsupportedOperation',
  ERR_OMAPI_NO_SUCH_ELEMENT: 'NoSuchElement',
  ERR_OMAPI_CHANNEL_UNAVAILABLE: 'MissingResource',
  ERR_OMAPI_APDU_MALFORMED: 'IllegalArgument',
  ERR_OMAPI_CLA_INVALID: 'IllegalArgument',
  ERR_OMAPI_INS_INVALID: 'IllegalArgument',
  ERR_OMAPI_MANAGE_CHANNEL_FORBIDDEN: 'Security',
  ERR_OMAPI_SELECT_FORBIDDEN: 'Security',
  ERR_OMAPI_ACCESS_DENIED: 'Security',
  ERR_OMAPI_APDU_DENIED: 'Security',
  ERR_OMAPI_ACCESS_RULES_UNAVAILABLE: 'Security',
  ERR_OMAPI_ACCESS_RULES_BROKEN: 'Security',
};

/** A refusal or failure of the Open Mobile API. `sw` is the element's status word when one caused it. */
export class OmapiError extends JpkiMobileError<OmapiErrorCode> {
  readonly kind: OmapiErrorKind;
  readonly sw: number | undefined;

  constructor(code: OmapiErrorCode, message: string, options?: { cause?: unknown; sw?: number }) {
    super(code, message, options);
    this.kind = KINDS[code];
    this.sw = options?.sw;
  }
}
