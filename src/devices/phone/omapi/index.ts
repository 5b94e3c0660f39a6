// The Open Mobile API of the phone (GlobalPlatform OMAPI 3.3, android.se.omapi): SEService → Reader
// → Session → Channel, over a Terminal that opens channels on the secure element's contact port.
export { OmapiError, type OmapiErrorCode, type OmapiErrorKind } from './errors.js';
export { validateCommand, checkInterindustry } from './command-validator.js';
export { Terminal, type TerminalOptions, type OpenedChannel, type ChannelCloser } from './terminal.js';
export { Channel } from './channel.js';
export { Session } from './session.js';
export { Reader } from './reader.js';
export { SEService, OMAPI_VERSION } from './se-service.js';
