// Transports: ports to cards (host side) and from cards to readers (card side), and their decorators.
export type { ApduTransport, CardPort } from './port.js';
export { PcscError, VpcdError, type PcscErrorCode, type VpcdErrorCode } from './errors.js';
export { traced, type TraceLine } from './trace.js';
export { withResponseCompletion } from './completion.js';
export * from './vpcd/index.js';
export * from './pcsc/index.js';
export * from './jpki-ap/index.js';
