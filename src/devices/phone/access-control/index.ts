// The access-control seam of the phone's OMAPI (GP SEAC): the caller's identity and certificate
// hashes, the `AccessControl` the OMAPI consults, the `RuleEngine` the ARA-M module implements, and
// the enforcer that reads the ARA-M's rules from the element when its refresh tag changes.
export { certificateHash, certificateHashes, credentialsOf, type AppIdentity, type CallerCredentials } from './app-identity.js';
export { headerMatches, type ApduAccess, type ApduFilter, type Decision, type RuleEngine } from './rule-engine.js';
export { decisionAccess, privilegedAccess, type AccessControl, type ChannelAccess } from './access-control.js';
export { ARA_M_AID, readAllRules, readRefreshTag, type ElementAccess, type ElementChannel } from './ara-reader.js';
export { AccessControlEnforcer, type AccessControlEnforcerOptions, type EnforcerState } from './enforcer.js';
