import { JpkiMobileError } from '../../errors/index.js';

/**
 * Refusals and failures of the trusted service managers and their relay. Codes of requests (the HTTP
 * edge maps them, relay/http.ts), of ended sessions (a session's `failure.code`), and of the relay
 * client. Listed in docs/errors.md.
 */
export type TsmErrorCode =
  // configuration and secrets
  | 'ERR_TSM_CONFIG'
  | 'ERR_TSM_SEALED'
  | 'ERR_TSM_STATE'
  | 'ERR_TSM_REQUEST'
  // the SEI-TSM's registry of secure elements
  | 'ERR_TSM_CPLC'
  | 'ERR_TSM_ISD_KEYS'
  | 'ERR_TSM_ELEMENT_EXISTS'
  | 'ERR_TSM_UNKNOWN_ELEMENT'
  | 'ERR_TSM_DEVELOPMENT_ELEMENT'
  | 'ERR_TSM_ALREADY_PREPARED'
  | 'ERR_TSM_NOT_PREPARED'
  // orders, revocation from the phone, factory reset
  | 'ERR_TSM_NO_CERTIFICATES'
  | 'ERR_TSM_HOLDER_SIGNATURE'
  | 'ERR_TSM_ELEMENT_RESET'
  | 'ERR_TSM_NOT_RESET'
  // PIN/password re-initialisation with the card (flow 5)
  | 'ERR_TSM_CARD_HOLDER_MISMATCH'
  // the factory-reset notice (flow 10)
  | 'ERR_TSM_NOTICE_UNAUTHENTICATED'
  | 'ERR_TSM_NOTICE_CONFLICT'
  // the SP-TSM's app instances
  | 'ERR_TSM_APP_NOT_ALLOWED'
  | 'ERR_TSM_UNAUTHENTICATED'
  | 'ERR_TSM_FORBIDDEN'
  // relay sessions (requests)
  | 'ERR_TSM_UNKNOWN_SESSION'
  | 'ERR_TSM_SESSION_ENDED'
  | 'ERR_TSM_SESSION_EXPIRED'
  | 'ERR_TSM_SESSION_BUSY'
  | 'ERR_TSM_BATCH_SEQUENCE'
  | 'ERR_TSM_BATCH_CONFLICT'
  | 'ERR_TSM_BATCH_RESPONSES'
  | 'ERR_TSM_NOT_AWAITING_SIGNATURE'
  | 'ERR_TSM_NOT_AWAITING_REPLACEMENT'
  | 'ERR_TSM_CA_REFUSED'
  | 'ERR_TSM_CA_UNAVAILABLE'
  // why a session ended (failure.code)
  | 'ERR_TSM_UNEXPECTED_SW'
  | 'ERR_TSM_SECURE_CHANNEL'
  | 'ERR_TSM_AGENT'
  | 'ERR_TSM_RESPONSE_INVALID'
  | 'ERR_TSM_RESPONSE_REPLAYED'
  | 'ERR_TSM_ABORTED'
  // the relay client
  | 'ERR_TSM_RELAY_NETWORK'
  | 'ERR_TSM_RELAY_PROTOCOL'
  | 'ERR_TSM_RELAY_CHANNEL'
  | 'ERR_TSM_RELAY_SIGNER'
  | 'ERR_TSM_RELAY_REPLACER';

export class TsmError extends JpkiMobileError<TsmErrorCode> {}
