import { JpkiMobileError } from '../../../errors/index.js';

export type BiometricErrorCode =
  /** Too many failed attempts: the sensor refuses until `until` (Android BIOMETRIC_ERROR_LOCKOUT). */
  | 'ERR_BIOMETRIC_LOCKOUT'
  /** Authentication asked with no finger enrolled (BIOMETRIC_ERROR_NONE_ENROLLED). */
  | 'ERR_BIOMETRIC_NONE_ENROLLED'
  /** That finger is enrolled already. */
  | 'ERR_BIOMETRIC_ALREADY_ENROLLED'
  /** No room for another finger (the sensor keeps at most `maxEnrolments`). */
  | 'ERR_BIOMETRIC_ENROLMENT_FULL'
  /** `remove` of an enrolment id the sensor does not have. */
  | 'ERR_BIOMETRIC_ENROLMENT_UNKNOWN'
  /** A finger name that is empty, too long (over 64 characters) or holds control characters. */
  | 'ERR_BIOMETRIC_FINGER_INVALID'
  /** A challenge that is not 16 hex digits. */
  | 'ERR_BIOMETRIC_CHALLENGE_INVALID';

export class BiometricError extends JpkiMobileError<BiometricErrorCode> {
  /** For `ERR_BIOMETRIC_LOCKOUT`: when the sensor accepts attempts again. */
  readonly until: Date | undefined;

  constructor(code: BiometricErrorCode, message: string, options?: { cause?: unknown; until?: Date }) {
    super(code, message, options);
    this.until = options?.until;
  }
}
