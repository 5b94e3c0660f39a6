// The pure part of the Access Control Enforcer (GP SEAC as Android runs it; digest gp-scp03.md 4.4):
// the rule cache with merge, the A/B/C/D search, resolution, the per-APDU check, application identity
// by certificate hashes, the rule engine the phone's enforcer feeds, and the reading of the rules
// from the ARA-M over a sender the caller supplies. No I/O of its own: the phone's enforcer
// (src/devices/phone/access-control) opens the channel, keeps the state and answers the OMAPI.
// Importing this folder does not pull in the ARA-M applet.
export { AceError, type AceErrorCode } from './errors.js';
export { channelAccessOf, mergeChannelAccess, resolveMissing, DENY_ALL, type Access, type ChannelAccess } from './channel-access.js';
export { aidRefFor, RuleIndex, type SearchStep, type SearchResult } from './search.js';
export { decisionOf, filterMatches, type AccessDecision, type DecisionBasis } from './decision.js';
export type { ApduFilter, ApduRule } from '../ar-do.js';
export { AccessRuleCache } from './rule-cache.js';
export { AraRuleEngine, type RuleEngine } from './rule-engine.js';
export { ARA_M_AID } from '../aid.js';
export { appCertificateHashes } from './app-identity.js';
export {
  readRefreshTag,
  readAllRules,
  AllRulesAssembler,
  GET_ALL,
  GET_NEXT,
  GET_REFRESH_TAG,
  MAX_ALL_RULES,
  type ApduSender,
} from './ara-reader.js';
