import { AppError, type AppErrorCode } from '../app/index.js';
import { HttpProblem } from '../services/http/index.js';

/** The app's codes as HTTP statuses: what the phone's screen tells its user, sent as a problem. */
const APP_STATUS: Readonly<Record<AppErrorCode, number>> = {
  ERR_APP_ILLEGAL_TRANSITION: 409,
  ERR_APP_OFFLINE: 503,
  ERR_APP_SERVER: 502,
  ERR_APP_SE_UNSUPPORTED: 422,
  ERR_APP_ACCESS_DENIED: 403,
  ERR_APP_NOT_PREPARED: 409,
  ERR_APP_NOT_ISSUED: 409,
  ERR_APP_SECRET_WRONG: 403,
  ERR_APP_SECRET_BLOCKED: 403,
  ERR_APP_SECRET_FORMAT: 400,
  ERR_APP_CARD_PASSWORD_WRONG: 403,
  ERR_APP_CARD_PASSWORD_BLOCKED: 403,
  ERR_APP_CARD_NOT_HOLDER: 403,
  ERR_APP_CARD_UNREADABLE: 422,
  ERR_APP_ISSUANCE_REFUSED: 422,
  ERR_APP_REVOCATION_REFUSED: 422,
  ERR_APP_SESSION_FAILED: 502,
  ERR_APP_BIOMETRIC_UNAVAILABLE: 409,
  ERR_APP_BIOMETRIC_FAILED: 403,
  ERR_APP_KEY_UNUSABLE: 403,
  ERR_APP_PUSH_MESSAGE: 422,
  ERR_APP_RESET_NOT_DELIVERED: 503,
  ERR_APP_DATA_INVALID: 409,
};

/**
 * An `AppError` becomes a problem with the app's own code and message (the message says what to do)
 * and `triesLeft` when there is one; anything else passes through to the edge's mapping.
 */
export function appProblem(err: unknown): unknown {
  if (err instanceof AppError) {
    return new HttpProblem(APP_STATUS[err.code] ?? 500, err.code, err.message, { cause: err, ...(err.triesLeft !== undefined ? { extensions: { triesLeft: err.triesLeft } } : {}) });
  }
  return err;
}

/** Runs `work`, turning an `AppError` into its problem. */
export async function asApp<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw appProblem(err);
  }
}
