// The biometric sensor: enrolment with a generation that changes on every change, authentication with
// a timed lockout, and the HMAC-ed auth tokens it hands to the keystore.
export { BiometricError, type BiometricErrorCode } from './errors.js';
export { signAuthToken, verifyAuthToken, type AuthToken } from './auth-token.js';
export {
  BiometricSensor,
  EMPTY_BIOMETRICS,
  type AuthenticationFailure,
  type AuthenticationResult,
  type BiometricSensorOptions,
  type BiometricState,
  type Enrolment,
} from './sensor.js';
