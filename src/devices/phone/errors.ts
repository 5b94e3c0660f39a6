import { JpkiMobileError } from '../../errors/index.js';

export type PhoneErrorCode =
  /** The phone is off: no app runs, no network, no secure element, no sensor. */
  | 'ERR_PHONE_POWERED_OFF'
  /** The phone is offline (airplane mode, no coverage): a network call by an app or the OS failed, or was cut when the phone went offline. */
  | 'ERR_PHONE_OFFLINE'
  /** No app with that package name is installed. */
  | 'ERR_PHONE_APP_NOT_INSTALLED'
  /** An update of an installed app signed with other certificates (Android INSTALL_FAILED_UPDATE_INCOMPATIBLE). */
  | 'ERR_PHONE_APP_SIGNATURE_MISMATCH'
  /** A package name or signing certificate that is not valid (Java package syntax; DER X.509). */
  | 'ERR_PHONE_APP_INVALID'
  /** The phone's state document is not a phone state (wrong format, missing or mistyped fields). */
  | 'ERR_PHONE_STATE_INVALID'
  /** The device key is not 32 bytes, or is not the key this phone's state was made with. */
  | 'ERR_PHONE_DEVICE_KEY'
  /** A bad option: identity fields, a factory-reset handler name, the reader name. */
  | 'ERR_PHONE_CONFIG';

export class PhoneError extends JpkiMobileError<PhoneErrorCode> {}
