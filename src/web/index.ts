// The web interface served by the system: static pages, and the endpoints a browser needs for what it
// cannot hold itself (a card on a reader, the office's card issuance).
export { webRoutes, webStatusOf, type WebOptions } from './http.js';
export { CardShelf, CARD_ID, type ShelvedCard } from './card-shelf.js';
export { signOnCard, type CardSignature } from './card-terminal.js';
export { issueAtOffice, type OfficeIssueRequest } from './office.js';
export { assetRoutes, staticFolder } from './assets.js';
export { WebError, type WebErrorCode } from './errors.js';
