/**
 * The push service (FCM's role in the seed): registration tokens per app instance, messages from the
 * TSMs to an app, delivery by long-poll with acknowledgement, and the real failure modes. See
 * docs/services/push.md.
 */
export { PushService, type PushServiceOptions, type PushDevice } from './service.js';
export { pushRoutes, pushStatusOf, PUSH_PREFIX } from './http.js';
export { PushError, PUSH_ERROR_CODES, type PushErrorCode } from './errors.js';
export { DEFAULT_LIMITS, type PushLimits } from './limits.js';
export type { Sender } from './senders.js';
export type { DeviceCredential, ResetOutcome } from './devices.js';
export type { Registration, Unregistration, RegisteredApp } from './registrations.js';
export type { SendRequest, SendResult, MessageStatus } from './messages.js';
export type { MessageState, Priority } from './message-store.js';
export type { DeadReason } from './repository.js';
export type { PushMessage, AckResult } from './delivery.js';
export type { SweepResult } from './sweep.js';
export { PushSender, PushDeviceClient, PushClientError, type PushClientErrorCode, type PushClientOptions, type ReceiveOptions } from './client/index.js';
