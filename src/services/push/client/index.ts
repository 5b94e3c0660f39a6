/** Clients of the push service over HTTP: for senders (TSMs) and for devices (the phone's push component). */
export { PushSender } from './sender.js';
export { PushDeviceClient } from './device.js';
export type { ReceiveOptions } from './receiver.js';
export type { PushClientOptions } from './transport.js';
export { PushClientError, CLIENT_CODES, HTTP_EDGE_CODES, type PushClientErrorCode } from './errors.js';
