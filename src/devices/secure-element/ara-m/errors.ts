import { JpkiMobileError } from '../../../errors/index.js';

/**
 * Every way an ARA-M data object or command fails to decode or encode (GP SEAC v1.1 via [pySim-ARA],
 * [AOSP-SE] `gpac/*`; digest gp-scp03.md 4.2). One code per bad shape, so a test or a TSM can tell a
 * hash of the wrong length from a missing one. On the card every one of them is answered '6A80'
 * (incorrect data), except `ERR_ARA_COMMAND_UNSUPPORTED` ('6981') and `ERR_ARA_STATE` (never an
 * answer: the stored document is not an ARA-M's).
 */
export type AraErrorCode =
  /** The bytes are not BER-TLV (the `cause` is the `TlvError`). */
  | 'ERR_ARA_TLV'
  /** A data object with another tag where the structure names one (FF40, DF20, FF50, E1, E2 …). */
  | 'ERR_ARA_UNEXPECTED_TAG'
  /** The same data object twice in one template (two C1, or both 4F and C0 in a REF-DO). */
  | 'ERR_ARA_DUPLICATE_DO'
  /** AID-REF-DO '4F' that is neither empty nor 5..16 bytes. */
  | 'ERR_ARA_AID_LENGTH'
  /** AID-REF-DO 'C0' (default selected application) with content. */
  | 'ERR_ARA_DEFAULT_AID_NOT_EMPTY'
  /** Hash-REF-DO 'C1' that is not 0, 20 (SHA-1) or 32 (SHA-256) bytes. */
  | 'ERR_ARA_HASH_LENGTH'
  /** A REF-DO without its Hash-REF-DO 'C1' (AOSP rejects it). */
  | 'ERR_ARA_HASH_MISSING'
  /** PKG-REF-DO 'CA' that is empty or longer than 127 bytes. */
  | 'ERR_ARA_PKG_LENGTH'
  /** PKG-REF-DO 'CA' with a byte outside printable ASCII ('21'..'7E'). */
  | 'ERR_ARA_PKG_CHARSET'
  /** PKG-REF-DO together with a non-carrier AID-REF-DO and a hash (AOSP: unexpected combination). */
  | 'ERR_ARA_PKG_WITH_AID'
  /** A data object the REF-DO does not define (dropping it could widen the rule, so it is refused). */
  | 'ERR_ARA_REF_DO_UNKNOWN_DO'
  /** A REF-AR-DO 'E2' without its REF-DO 'E1'. */
  | 'ERR_ARA_REF_DO_MISSING'
  /** A REF-AR-DO without its AR-DO 'E3' (allowed only for a carrier-privilege REF-DO). */
  | 'ERR_ARA_AR_DO_MISSING'
  /** An AR-DO 'E3' with none of D0, D1, DB. */
  | 'ERR_ARA_AR_DO_EMPTY'
  /** APDU-AR-DO 'D0' that is neither 1 byte nor a non-zero multiple of 8 bytes. */
  | 'ERR_ARA_APDU_AR_LENGTH'
  /** A 1-byte APDU-AR-DO other than '00' (NEVER) or '01' (ALWAYS). */
  | 'ERR_ARA_APDU_AR_VALUE'
  /** NFC-AR-DO 'D1' that is not 1 byte. */
  | 'ERR_ARA_NFC_AR_LENGTH'
  /** NFC-AR-DO other than '00' (NEVER) or '01' (ALWAYS). */
  | 'ERR_ARA_NFC_AR_VALUE'
  /** PERM-AR-DO 'DB' that is not 8 bytes. */
  | 'ERR_ARA_PERM_AR_LENGTH'
  /** An APDU filter whose header or mask is not 4 bytes (encoder input). */
  | 'ERR_ARA_APDU_FILTER'
  /** Refresh tag 'DF20' that is not 8 bytes. */
  | 'ERR_ARA_REFRESH_TAG_LENGTH'
  /** STORE DATA data that is not exactly one command data object. */
  | 'ERR_ARA_COMMAND_COUNT'
  /** A STORE DATA command data object the ARA-M does not know. */
  | 'ERR_ARA_COMMAND_UNKNOWN'
  /** A command data object SEAC defines but this ARA-M does not implement (F3-F8, E7): '6981'. */
  | 'ERR_ARA_COMMAND_UNSUPPORTED'
  /** Command-Store-REF-AR-DO 'F0' with no REF-AR-DO. */
  | 'ERR_ARA_STORE_EMPTY'
  /** Command-Delete 'F1' with more than one target, or a target that is not 4F, C0, E1 or E2. */
  | 'ERR_ARA_DELETE_TARGET'
  /** Command-Update-Refresh-Tag 'F2' with content. */
  | 'ERR_ARA_UPDATE_REFRESH_TAG_CONTENT'
  /** The ARA-M's persistent document is not one (format, hex, a stored rule that does not decode). */
  | 'ERR_ARA_STATE';

export class AraError extends JpkiMobileError<AraErrorCode> {}
