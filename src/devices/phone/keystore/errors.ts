import { JpkiMobileError } from '../../../errors/index.js';

export type KeystoreErrorCode =
  /** No key under that alias for that app. */
  | 'ERR_KEYSTORE_KEY_NOT_FOUND'
  /** The app already has a key under that alias. */
  | 'ERR_KEYSTORE_KEY_EXISTS'
  /** The key was bound to a biometric enrolment that changed: it can never be used again (Android KeyPermanentlyInvalidatedException). */
  | 'ERR_KEYSTORE_KEY_PERMANENTLY_INVALIDATED'
  /** The key needs a user authentication that has not happened, was for another operation, or is too old (UserNotAuthenticatedException). */
  | 'ERR_KEYSTORE_USER_NOT_AUTHENTICATED'
  /** A key bound to biometrics cannot be created while no finger is enrolled. */
  | 'ERR_KEYSTORE_NO_BIOMETRIC_ENROLLED'
  /** A key specification that is not valid (alias, validity period, flags). */
  | 'ERR_KEYSTORE_SPEC_INVALID'
  /** Ciphertext that is too short, or whose GCM tag does not verify (wrong key, altered data or AAD). */
  | 'ERR_KEYSTORE_DECRYPT_FAILED'
  /** An auth token whose HMAC does not verify: not from this phone's sensor, or from before a restart. */
  | 'ERR_KEYSTORE_AUTH_TOKEN_INVALID'
  /** `finish` on an operation that already finished. */
  | 'ERR_KEYSTORE_OPERATION_FINISHED'
  /** A stored key blob that does not decrypt under the device key (the state file was altered or belongs to another device). */
  | 'ERR_KEYSTORE_KEY_CORRUPT';

export class KeystoreError extends JpkiMobileError<KeystoreErrorCode> {}
