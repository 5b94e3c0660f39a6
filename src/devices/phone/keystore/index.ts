// The phone's keystore: app-scoped AES-256-GCM keys that never leave it, bound to biometric
// authentication and invalidated by enrolment changes, sealed at rest under the device key.
export { KeystoreError, type KeystoreErrorCode } from './errors.js';
export {
  Keystore,
  KeystoreOperation,
  EMPTY_KEYSTORE,
  type KeyInfo,
  type KeySpec,
  type KeystoreOptions,
  type KeystoreState,
  type StoredKey,
} from './keystore.js';
