import { JpkiMobileError } from '../errors/index.js';

/** Refusals of the web interface's own endpoints (`/web/v1`); the parties' codes pass through unchanged. */
export type WebErrorCode =
  /** No card of that id on the server's card shelf (`<home>/cards/<id>.json`). */
  | 'ERR_WEB_CARD_UNKNOWN'
  /** No phone of that id on the server's phone shelf (`<home>/phones/<id>/`). */
  | 'ERR_WEB_PHONE_UNKNOWN'
  /** The phone shelf holds as many phones as it may (`MAX_PHONES`). */
  | 'ERR_WEB_PHONE_SHELF_FULL'
  /** The phone shelf is closing (the system stops). */
  | 'ERR_WEB_PHONE_SHELF_CLOSED'
  /** A new phone could not be made: the maker's endpoints refused, or no admin token (nothing is kept). */
  | 'ERR_WEB_PHONE_MAKER'
  /** The JPKI app is not installed on that phone. */
  | 'ERR_WEB_PHONE_NO_APP'
  /** A factory reset asked without `{"confirm": true}`: nothing is wiped. */
  | 'ERR_WEB_RESET_NOT_CONFIRMED'
  /** The shop terminal cannot get the CA certificates it trusts from the system (nothing is read from the phone). */
  | 'ERR_WEB_SHOP_TERMINAL'
  /** The app store has no app of that package name. */
  | 'ERR_WEB_APP_UNKNOWN'
  /** No counter reader of that name at the kiosk (`counter-1`, `counter-2`). */
  | 'ERR_WEB_COUNTER_READER_UNKNOWN'
  /** Something lies on that counter reader already: take it away first. */
  | 'ERR_WEB_COUNTER_READER_OCCUPIED'
  /** That card or phone lies on another counter reader. */
  | 'ERR_WEB_COUNTER_ITEM_ELSEWHERE'
  /** The static files of the web interface (`src/web/static`) are not where the package puts them. */
  | 'ERR_WEB_STATIC_MISSING';

export class WebError extends JpkiMobileError<WebErrorCode> {}
