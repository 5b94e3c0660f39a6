import { JpkiMobileError } from '../../../errors/index.js';

export type NfcErrorCode =
  /** A reader's field found no card: NFC is off in the settings, or the phone is off. */
  'ERR_NFC_NO_CARD';

export class NfcError extends JpkiMobileError<NfcErrorCode> {}
