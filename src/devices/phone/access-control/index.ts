// The access-control side of the phone's OMAPI (GP SEAC): the caller's identity, the `AccessControl`
// seam the OMAPI consults, and the enforcer that reads the ARA-M's rules from the element when its
// refresh tag changes. The rule model and the ARA reader are the ARA-M module's (`ara-m/ace`), and are
// re-exported here under the names the phone has always given them.
export { certificateHashes, credentialsOf, type AppIdentity, type CallerCredentials } from './app-identity.js';
export { decisionAccess, privilegedAccess, type AccessControl, type ChannelAccess } from './access-control.js';
export { channelSender, type ElementAccess, type ElementChannel } from './element-access.js';
export { AccessControlEnforcer, type AccessControlEnforcerOptions, type EnforcerState } from './enforcer.js';
export {
  ARA_M_AID,
  AraRuleEngine,
  readAllRules,
  readRefreshTag,
  filterMatches as headerMatches,
  type AccessDecision as Decision,
  type ApduFilter,
  type ApduRule as ApduAccess,
  type RuleEngine,
} from '../../secure-element/ara-m/ace/index.js';
