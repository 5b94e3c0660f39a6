import { JpkiMobileError } from '../../../../errors/index.js';

/**
 * Failures of the enforcer's rule model and ARA reader: what the caller gave it, or what the ARA-M
 * answered while the rules were read (digest 4.4 step 1). None of them grants access: the phone's
 * enforcer turns an `ERR_ACE_ARA_*` into `ERR_OMAPI_ACCESS_RULES_BROKEN` (this error as its `cause`)
 * and denies everything until the phone restarts.
 */
export type AceErrorCode =
  /** An AID to look up that is not 5..16 bytes (OMAPI refuses it before the enforcer). */
  | 'ERR_ACE_AID_LENGTH'
  /** A decision asked for an application with no certificate hash (AOSP: "Application certificates are invalid or do not exist"). */
  | 'ERR_ACE_NO_CERTIFICATES'
  /** The ARA-M answered a GET DATA with a status word the protocol does not allow there (`sw` in the message). */
  | 'ERR_ACE_ARA_STATUS'
  /** The first block of a GET DATA [All] answer does not hold the whole FF40 tag and length. */
  | 'ERR_ACE_ARA_HEADER'
  /** GET DATA [Next] brought more bytes than FF40 announced, or none at all. */
  | 'ERR_ACE_ARA_LENGTH'
  /** FF40 announces more than the reader accepts (the caller's cap, 1 MiB by default; the phone sets 64 KiB). */
  | 'ERR_ACE_ARA_TOO_LONG'
  /** The rules or the refresh tag do not decode (the `cause` is the `AraError`). */
  | 'ERR_ACE_ARA_RULES';

export class AceError extends JpkiMobileError<AceErrorCode> {}
