// The web interface served by the system: static pages, and the endpoints a browser needs for what it
// cannot hold itself (a card on a reader, the office's card issuance).
export { webRoutes, webStatusOf, type WebOptions } from './http.js';
export { CardShelf, CARD_ID, type ShelvedCard } from './card-shelf.js';
export { PhoneShelf, PHONE_ID, MAX_PHONES, type PhoneInHand, type PhoneShelfOptions } from './phone-shelf.js';
export { phoneRoutes, FINGERS } from './phone-routes.js';
export { searchStore, type StoreApp } from './app-store.js';
export type { ShelvedPhone, ShelvedApp, PhoneCertificate } from './phone-actions.js';
export { CounterReaders, type CounterItem, type CounterReaderView, type CounterReadersOptions } from './counter-readers.js';
export { counterRoutes } from './counter-routes.js';
export { signOnCard, type CardSignature } from './card-terminal.js';
export { issueAtOffice, type OfficeIssueRequest } from './office.js';
export { assetRoutes, staticFolder } from './assets.js';
export { WebError, type WebErrorCode } from './errors.js';
