// The phone's operating-system side: the Open Mobile API with its access-control enforcer, NFC card
// emulation routing, the biometric sensor and keystore, the installed apps, the network, factory
// reset, and the phone's persistent state.
export * from './omapi/index.js';
export * from './access-control/index.js';
