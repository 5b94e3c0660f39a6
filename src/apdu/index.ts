// The APDU codec (ISO/IEC 7816-3 12.1, ISO/IEC 7816-4 5.1 and 5.4.1): pure functions over bytes.
export { ApduError, type ApduErrorCode } from './errors.js';
export {
  command,
  commandCase,
  encodeCommand,
  parseCommand,
  withData,
  withNe,
  type CommandApdu,
  type CommandCase,
  type CommandCaseInfo,
} from './command.js';
export { retryWithExactLength, getResponseFor } from './reissue.js';
export {
  response,
  parseResponse,
  encodeResponse,
  isValidSw,
  requireSw,
  sw1,
  sw2,
  isSuccess,
  isWarning,
  triesLeft,
  type ResponseApdu,
} from './response.js';
export { SW, describeSw, type SwName, type SwDescription } from './status-words.js';
export { StatusWordError, throwSw, expectSuccess } from './status-error.js';
export { channelOf, withChannel, isProprietary, hasSecureMessaging, withSecureMessaging, isValidCla } from './cla.js';
