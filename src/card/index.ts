// The card runtime shared by the devices: power, logical channels, SELECT by DF name, dispatch to
// applets, status-word translation, APDU log redaction, and the persistence port.
export { CardError, type CardErrorCode } from './errors.js';
export type { Applet, AppletContext, AppletResult } from './applet.js';
export type { CardPort, CardLogger } from './port.js';
export { CardRuntime, type CardRuntimeOptions, type AppletDirectory } from './runtime.js';
export { redactCommand, SECRET_INSTRUCTIONS } from './redact.js';
export { MemoryCardStore, type CardStore } from './store.js';
export { FileCardStore, type FileCardStoreOptions, type FileStoreStep } from './file-store.js';
