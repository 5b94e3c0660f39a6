// The JPKI smartphone app (system.md "JPKI smartphone app"): flows 2, 3, 4, 5 (local and online), the
// status with the old phone's deletion (6), revocation from the phone (7), the push-triggered TSM sessions
// and the online loop (6, 8, 9, 12), the OS's SE agent with its factory-reset notice (10), and the shop
// counter check (11). See docs/app.md.
export { AppError, type AppErrorCode } from './errors.js';
export { FlowMachine, type TransitionTable } from './state-machine.js';
export { JpkiApp, JPKI_APP_PACKAGE, CREDENTIAL_KEY, PIN_UNLOCK_KEY, type JpkiAppOptions } from './jpki-app.js';
export { newAppData, parseAppData, type AppData, type FlowName } from './app-data.js';
export { PREPARATION, type PreparationState, type PreparationEvent } from './preparation.js';
export { ISSUANCE, checkNewSecrets, type IssuanceState, type IssuanceEvent, type IssuanceInput, type IssuanceResult, type NewSecrets } from './issuance.js';
export { USE, type UseState, type UseEvent, type LoginInput, type LoginResult, type SignInput } from './use.js';
export { SECRET_CHANGE, type SecretChange, type SecretChangeState, type SecretChangeEvent } from './secret-change.js';
export { SECRET_RESET, checkResetEntries, type SecretResetState, type SecretResetEvent, type SecretResetInput, type SecretResetResult, type SecretsToReset, type ResetEntries } from './secret-reset.js';
export { parsePushMessage, type TsmSessionMessage } from './push-session.js';
export { PushAgent, type PushAgentState, type DeliveryReport } from './push-agent.js';
export { REVOCATION, type RevocationState, type RevocationEvent, type RevocationInput, type RevocationResult } from './revocation.js';
export { appStatus, type AppStatus, type CertificateState, type CertificateStatusView, type DeletionOrderSeen } from './status.js';
export { runOnline, runSync, type OnlineEvent, type OnlineOptions, type OnlineReport, type SyncResult } from './online.js';
export { omapiChannels } from './omapi-channels.js';
export { withApplet } from './applet-channel.js';
export { elementCplc, seAgentResetHandler, withSeAgent } from './se-agent.js';
export { shopCheck, type ShopReport, type ShopVerdict } from './shop-check.js';
export { createAppSigningIdentity, certificateHash, signingKeyOf, type AppSigningIdentity } from './signing-certificate.js';
export { toUserError } from './user-errors.js';
export { PHONE_FILES, PhoneDirError, makePhoneDir, openApp, openElement, openPhoneDir, publisherIdentity, type MadePhone, type MakePhoneOptions, type OpenedPhone } from './phone-dir.js';
