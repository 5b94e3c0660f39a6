import { JpkiMobileError } from '../../../errors/index.js';
import { PUSH_ERROR_CODES, type PushErrorCode } from '../errors.js';

/** The HTTP edge's own codes (src/services/http), which any endpoint may answer with. */
export const HTTP_EDGE_CODES = [
  'ERR_HTTP_NOT_FOUND',
  'ERR_HTTP_METHOD',
  'ERR_HTTP_PATH',
  'ERR_HTTP_BODY_TOO_LARGE',
  'ERR_HTTP_BODY_INCOMPLETE',
  'ERR_HTTP_MEDIA_TYPE',
  'ERR_HTTP_JSON',
  'ERR_REQUEST_FIELD',
  'ERR_INTERNAL',
  'ERR_STORE_BUSY',
] as const;

/** Failures that happen on the client's side of the wire. */
export const CLIENT_CODES = [
  /** The service could not be reached (connection refused, reset, DNS). */
  'ERR_PUSH_CLIENT_NETWORK',
  /** No answer within the request's time limit. */
  'ERR_PUSH_CLIENT_TIMEOUT',
  /** An answer that is not what the API promises (status, content type, shape, an unknown problem code). */
  'ERR_PUSH_CLIENT_PROTOCOL',
  /** The caller aborted the request (`stop()`, or its own AbortSignal). */
  'ERR_PUSH_CLIENT_ABORTED',
  /** A call the client's state does not allow (starting a receive loop that is running). */
  'ERR_PUSH_CLIENT_STATE',
] as const;

export type PushClientErrorCode = PushErrorCode | (typeof HTTP_EDGE_CODES)[number] | (typeof CLIENT_CODES)[number];

const SERVER_CODES: ReadonlySet<string> = new Set([...PUSH_ERROR_CODES, ...HTTP_EDGE_CODES]);

export function isServerCode(code: unknown): code is PushErrorCode | (typeof HTTP_EDGE_CODES)[number] {
  return typeof code === 'string' && SERVER_CODES.has(code);
}

/**
 * A failed call of a push client. `code` is the service's problem code when the service refused
 * (`ERR_PUSH_UNREGISTERED`, …), or a client code; `status` is the HTTP status when there was an answer.
 */
export class PushClientError extends JpkiMobileError<PushClientErrorCode> {
  readonly status: number | undefined;
  /** From `Retry-After`, when the service gave one. */
  readonly retryAfterMs: number | undefined;

  constructor(code: PushClientErrorCode, message: string, options: { status?: number; retryAfterMs?: number; cause?: unknown } = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** Worth retrying later as is: no answer, a timeout, a 5xx, or 429. */
  get retryable(): boolean {
    if (this.code === 'ERR_PUSH_CLIENT_NETWORK' || this.code === 'ERR_PUSH_CLIENT_TIMEOUT') return true;
    return this.status !== undefined && (this.status >= 500 || this.status === 429);
  }
}
