// The trusted service managers of the phone's secure element: the SEI-TSM (registry of elements, ISD
// keys, preparation: APSD, JPKI applet, ARA-M rule), the SP-TSM (app instances, APSD keys it rotates,
// issuance), the relay protocol between them and the phone, and the relay client the phone runs.
export { TsmError, type TsmErrorCode } from './errors.js';
export { AID } from './aids.js';
export { phoneElementOptions } from './element-options.js';
export { identityFromCplc, isSeId, type SeIdentity } from './se-identity.js';
export { Sealer, parseComponentSecret, subKey } from './sealing.js';
export { deriveIsdKeys, developmentIsdKeys, ISD_DERIVATION_CONTEXT } from './sei/isd-keys.js';
export { SeiTsm, type SeiTsmOptions, type ElementRegistration, type ElementView, type Handover } from './sei/sei-tsm.js';
export { araRule } from './sei/prepare.js';
export { SpTsm, type SpTsmOptions, type AppInstance } from './sp/sp-tsm.js';
export { HttpPhoneCertifier, type PhoneCertifier, type PhoneCertificationRequest, type CertifiedPhone, type CertifiedKey } from './sp/ca-client.js';
export { temporarySecrets, type TemporarySecrets } from './sp/temporary-secrets.js';
export type { OrderRow } from './sp/repository.js';
export { OrderDesk, type PushPort, type TsmSessionTrigger, type DispatchResult } from './sp/order-desk.js';
export { orderView, type DeletionOrderRow, type DeletionOrderView, type DeletionKind, type PushState } from './sp/deletion-orders.js';
export type { RevokedMark } from './sp/maintenance.js';
export type { CertificateStatus } from './sp/ca-client.js';
export { RelayService, type RelayServiceOptions } from './relay/relay-service.js';
export { sessionSummaries, traceDocument, type SessionSummary, type TraceDocument } from './relay/views.js';
export { tsmRoutes, tsmStatusOf } from './relay/http.js';
export { parseBatchResults, type BatchDocument, type BatchResults, type FailureDocument, type SessionDocument } from './relay/protocol.js';
export type { Purpose, SessionState } from './relay/sessions.js';
export type { WireStep } from './script.js';
export { RelayClient, RelayRefusal, BatchRunner, registerAppInstance, readCplc, type RelayClientOptions, type RelayHooks, type RelayOutcome, type CardSignature } from './relay/client.js';
export { cardPortChannels, type SeChannel, type SeChannels } from './relay/channels.js';
export { replaceTemporarySecrets } from './relay/user-secrets.js';
export { deliverResetNotice, type DeliveredNotice, type ResetNoticeRecord } from './relay/reset-notice-client.js';
export { resetNoticeChallenge, type ResetNoticeAnswer, type ResetNoticeFields } from './reset-notice.js';
export type { SecretResetAuthorisation } from './sp/ca-client.js';
export type { AgentCaller, Caller } from './relay/relay-service.js';
