import { JpkiMobileError } from '../../../errors/index.js';

/**
 * Failures of the JPKI applet outside its card interfaces (which answer status words): a persistent
 * document that is not the applet's, token information that cannot be encoded, and the host-side
 * builder of management commands given values the applet would refuse or answers it cannot read.
 */
export type JpkiAppletErrorCode =
  /** The applet's persistent data is not a JPKI applet document (format, keys, certificates, PIN records). */
  | 'ERR_JPKI_APPLET_DATA'
  /** A token information field that is not printable ASCII of the field's size. */
  | 'ERR_JPKI_TOKEN_INFO'
  /** A management command builder was given a value the applet refuses (FID, PIN format, certificate form, block size). */
  | 'ERR_JPKI_MANAGEMENT_PARAMS'
  /** Response data of a management command that is not the documented BER-TLV (truncated, unknown tag, bad key). */
  | 'ERR_JPKI_MANAGEMENT_RESPONSE';

export class JpkiAppletError extends JpkiMobileError<JpkiAppletErrorCode> {}
