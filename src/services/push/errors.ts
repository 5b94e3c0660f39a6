import { JpkiMobileError } from '../../errors/index.js';

/**
 * Every refusal of the push service, as a closed list (the client narrows on it too). The HTTP edge
 * maps each to a status in `http.ts`; docs/errors.md explains each.
 */
export const PUSH_ERROR_CODES = [
  'ERR_PUSH_SENDER_UNAUTHENTICATED',
  'ERR_PUSH_DEVICE_UNAUTHENTICATED',
  'ERR_PUSH_DEVICE_RESET',
  'ERR_PUSH_UNKNOWN_TOKEN',
  'ERR_PUSH_UNREGISTERED',
  'ERR_PUSH_NOT_REGISTERED',
  'ERR_PUSH_UNKNOWN_MESSAGE',
  'ERR_PUSH_DATA_TOO_LARGE',
  'ERR_PUSH_QUOTA',
  'ERR_PUSH_OVERLOADED',
  'ERR_PUSH_CLOSED',
  'ERR_PUSH_REQUEST',
] as const;

export type PushErrorCode = (typeof PUSH_ERROR_CODES)[number];

/** A refusal of the push service. */
export class PushError extends JpkiMobileError<PushErrorCode> {}
