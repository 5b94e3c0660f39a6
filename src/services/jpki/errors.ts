import { JpkiMobileError } from '../../errors/index.js';

export type JpkiServiceErrorCode =
  | 'ERR_JPKI_NOT_INITIALISED'
  | 'ERR_JPKI_PASSPHRASE'
  | 'ERR_JPKI_UNKNOWN_SERIAL'
  | 'ERR_JPKI_UNKNOWN_GENERATION'
  | 'ERR_JPKI_UNKNOWN_PERSON'
  | 'ERR_JPKI_REASON_NOT_ALLOWED'
  | 'ERR_JPKI_ALREADY_REVOKED'
  | 'ERR_JPKI_ALREADY_HELD'
  | 'ERR_JPKI_NOT_HELD'
  | 'ERR_JPKI_RELEASE_SIGNATURE'
  | 'ERR_JPKI_CARD_CERTIFICATE'
  | 'ERR_JPKI_CARD_SIGNATURE'
  | 'ERR_JPKI_APPLICATION'
  | 'ERR_JPKI_APPLICATION_STALE'
  | 'ERR_JPKI_APPLICATION_REPLAYED'
  | 'ERR_JPKI_HOLDER_SIGNATURE'
  | 'ERR_JPKI_CARD_EXPIRED'
  | 'ERR_JPKI_UNAUTHENTICATED'
  | 'ERR_JPKI_FORBIDDEN'
  | 'ERR_JPKI_REQUEST';

/** A refusal of the JPKI certification service; the HTTP edge maps each code to a status (http.ts). */
export class JpkiServiceError extends JpkiMobileError<JpkiServiceErrorCode> {}
