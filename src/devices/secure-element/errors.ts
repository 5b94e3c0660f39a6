import { JpkiMobileError } from '../../errors/index.js';

/**
 * Failures of the secure element outside its card interface (which answers every APDU with a status
 * word): a state document that is not an element, a catalogue that does not fit it, options that
 * cannot make an element, a load file a tool cannot read.
 */
export type SecureElementErrorCode =
  /** The document is not a secure element state (format, registry, key sets, card data). */
  | 'ERR_SE_STATE'
  /** The catalogue of packages is inconsistent, or does not hold a package the registry refers to. */
  | 'ERR_SE_CATALOGUE'
  /** `createElement` was given options it cannot honour (unknown package, bad AID or privileges). */
  | 'ERR_SE_OPTIONS'
  /** A load file (or its data block) that is not in the project's format. */
  | 'ERR_SE_LOAD_FILE'
  /** A key file (`se create --keys-out`) that is not in the project's format. */
  | 'ERR_SE_KEY_FILE';

export class SecureElementError extends JpkiMobileError<SecureElementErrorCode> {}
