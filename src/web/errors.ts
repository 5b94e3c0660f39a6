import { JpkiMobileError } from '../errors/index.js';

/** Refusals of the web interface's own endpoints (`/web/v1`); the parties' codes pass through unchanged. */
export type WebErrorCode =
  /** No card of that id on the server's card shelf (`<home>/cards/<id>.json`). */
  | 'ERR_WEB_CARD_UNKNOWN'
  /** The static files of the web interface (`src/web/static`) are not where the package puts them. */
  | 'ERR_WEB_STATIC_MISSING';

export class WebError extends JpkiMobileError<WebErrorCode> {}
