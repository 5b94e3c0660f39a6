// The convenience-store kiosk: a card or a phone on a PC/SC reader, the PIN, a certificate of residence.
export { Kiosk, type KioskOptions, type KioskSource, type KioskState, type KioskSessionView, type KioskReader, type KioskReaders, type Residence } from './kiosk.js';
export { KioskError, KIOSK_ERROR_CODES, type KioskErrorCode } from './errors.js';
export { TOKEN_LABELS, type Holder } from './card-steps.js';
export { RESIDENCE_TYPE, residenceDocument, residenceSigner, signResidence, verifyResidence, type ResidenceSigner } from './residence.js';
export { jwkThumbprint, publicJwk, signCompact, verifyCompact, type Ed25519Jwk } from './jws.js';
export { openReader, type KioskCard, type KioskReaderProvider } from './reader.js';
export { kioskRoutes, kioskStatusOf, KIOSK_PREFIX } from './http.js';
