import { JpkiMobileError } from '../../errors/index.js';

/**
 * Why the certification service's directory (the person and certificate records a relying party with a
 * public mandate may read) did not answer what was asked. The relying parties' HTTP edge maps each to
 * a status (`shared/problems.ts`); docs/errors.md explains each.
 */
export type DirectoryErrorCode =
  /** The service could not be reached, timed out or answered 5xx: try again later. */
  | 'ERR_DIRECTORY_UNAVAILABLE'
  /** The service does not know the certificate serial or person id. */
  | 'ERR_DIRECTORY_UNKNOWN'
  /** The service refused this party's token (401/403): a configuration fault of the party. */
  | 'ERR_DIRECTORY_REFUSED'
  /** The answer was not the documented JSON (or too large). */
  | 'ERR_DIRECTORY_RESPONSE';

export class DirectoryError extends JpkiMobileError<DirectoryErrorCode> {}
