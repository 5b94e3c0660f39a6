import { JpkiMobileError } from '../../errors/index.js';

/**
 * The portal's own refusals (the SDK's are passed on with their own codes, `shared/problems.ts`). The
 * HTTP edge maps each to a status (`http.ts`); docs/errors.md explains each.
 */
export const PORTAL_ERROR_CODES = [
  'ERR_PORTAL_UNAUTHENTICATED',
  'ERR_PORTAL_SESSION_EXPIRED',
  'ERR_PORTAL_CHALLENGE_UNKNOWN',
  'ERR_PORTAL_FORM_UNKNOWN',
  'ERR_PORTAL_FORM_FIELD',
  'ERR_PORTAL_DRAFT_UNKNOWN',
  'ERR_PORTAL_DRAFT_EXPIRED',
  'ERR_PORTAL_DRAFT_USED',
  'ERR_PORTAL_SIGNER_MISMATCH',
  'ERR_PORTAL_APPLICATION_UNKNOWN',
  'ERR_PORTAL_NO_DIRECTORY',
] as const;

export type PortalErrorCode = (typeof PORTAL_ERROR_CODES)[number];

export class PortalError extends JpkiMobileError<PortalErrorCode> {}
