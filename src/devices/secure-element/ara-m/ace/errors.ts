import { JpkiMobileError } from '../../../../errors/index.js';

/**
 * Failures of the phone-side Access Control Enforcer model: what the caller gave it, or what the
 * ARA-M answered while the rules were read (digest 4.4 step 1). None of them grants access: after
 * `ERR_ACE_ARA_*` the enforcer denies everything until a later refresh succeeds.
 */
export type AceErrorCode =
  /** An AID to look up that is not 5..16 bytes (OMAPI refuses it before the enforcer). */
  | 'ERR_ACE_AID_LENGTH'
  /** An application with no signing certificate (AOSP: "Application certificates are invalid or do not exist"). */
  | 'ERR_ACE_NO_CERTIFICATES'
  /** The ARA-M answered a GET DATA with a status word the protocol does not allow there (`sw` in the message). */
  | 'ERR_ACE_ARA_STATUS'
  /** The first block of a GET DATA [All] answer does not hold the whole FF40 tag and length. */
  | 'ERR_ACE_ARA_HEADER'
  /** GET DATA [Next] brought more bytes than FF40 announced, or none at all. */
  | 'ERR_ACE_ARA_LENGTH'
  /** FF40 announces more than the enforcer reads (1 MiB). */
  | 'ERR_ACE_ARA_TOO_LONG'
  /** The rules or the refresh tag do not decode (the `cause` is the `AraError`). */
  | 'ERR_ACE_ARA_RULES';

export class AceError extends JpkiMobileError<AceErrorCode> {}
