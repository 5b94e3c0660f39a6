// The phone's operating-system side (system.md "Smartphone and its OS"): the Open Mobile API with its
// access-control enforcer, NFC card emulation routing, the biometric sensor and keystore, the
// installed apps, the network, factory reset, and the phone's persistent state.
export * from './omapi/index.js';
export * from './access-control/index.js';
export * from './nfc/index.js';
export * from './biometrics/index.js';
export * from './keystore/index.js';
export { PhoneError, type PhoneErrorCode } from './errors.js';
export { PhoneNetwork, type FetchLike } from './network.js';
export { PackageManager, type AppPackage, type InstalledApp } from './package-manager.js';
export {
  PHONE_FORMAT,
  parsePhoneState,
  newPhoneState,
  deviceKeyCheck,
  checkPackageName,
  type PhoneState,
  type PhoneIdentity,
  type InstalledAppState,
  type ResetNotice,
  type PendingResetNotice,
} from './state.js';
export type { FactoryResetContext, FactoryResetHandler, FactoryResetReport } from './factory-reset.js';
export { loadOrCreateDeviceKey } from './device-key.js';
export { Phone } from './phone.js';
export type { PhoneOptions, PhoneEvent, PackageRemovedListener, SecureElementPorts } from './phone-options.js';
