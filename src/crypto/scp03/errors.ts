import { JpkiMobileError } from '../../errors/index.js';

export type Scp03ErrorCode =
  | 'ERR_SCP03_KEY_LENGTH'
  | 'ERR_SCP03_KDF_PARAMS'
  | 'ERR_SCP03_STATE'
  | 'ERR_SCP03_WRONG_LENGTH'
  | 'ERR_SCP03_SECURITY_LEVEL'
  | 'ERR_SCP03_INIT_UPDATE_RESPONSE'
  | 'ERR_SCP03_CARD_CRYPTOGRAM'
  | 'ERR_SCP03_HOST_CRYPTOGRAM'
  | 'ERR_SCP03_SEQUENCE_COUNTER'
  | 'ERR_SCP03_C_MAC'
  | 'ERR_SCP03_INSUFFICIENT_PROTECTION'
  | 'ERR_SCP03_PADDING'
  | 'ERR_SCP03_ABORTED'
  | 'ERR_SCP03_R_MAC'
  | 'ERR_SCP03_RESPONSE_FORMAT'
  | 'ERR_SCP03_KEY_DATA';

/**
 * An SCP03 failure. On the card side `sw` is the status word the security domain answers with
 * (e.g. `6982` security status not satisfied, `6300` host cryptogram wrong); on the host side it is
 * absent, or the card's status word when one caused the failure.
 */
export class Scp03Error extends JpkiMobileError<Scp03ErrorCode> {
  readonly sw: number | undefined;

  constructor(code: Scp03ErrorCode, message: string, options?: { sw?: number; cause?: unknown }) {
    super(code, message, options);
    this.sw = options?.sw;
  }
}
