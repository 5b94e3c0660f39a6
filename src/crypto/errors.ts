import { JpkiMobileError } from '../errors/index.js';

export type CryptoErrorCode =
  | 'ERR_AES_KEY_LENGTH'
  | 'ERR_AES_BLOCK_LENGTH'
  | 'ERR_PADDING';

/** A primitive misused: wrong key or block length, or ISO 9797-1 method 2 padding that does not check. */
export class CryptoError extends JpkiMobileError<CryptoErrorCode> {}
