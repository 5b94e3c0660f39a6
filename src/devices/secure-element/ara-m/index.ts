// The ARA-M of the secure element (GP SE Access Control; digest gp-scp03.md 4): its load file and
// applet, the data-object codec shared with the phone, and (re-exported from ./ace) the pure part of
// the Access Control Enforcer: the rule model, `AraRuleEngine` and the ARA reader, which the phone's
// enforcer runs. The phone imports ./ace/index.js alone.
export { AraError, type AraErrorCode } from './errors.js';
export { TAG } from './tags.js';
export {
  CARRIER_PRIVILEGE_AID,
  HASH_LENGTHS,
  MAX_PACKAGE_NAME,
  isCarrierPrivilegeRef,
  decodeAidRef,
  encodeAidRef,
  decodeRefDo,
  encodeRefDo,
  refDoKey,
  aidRefKey,
  type AidRef,
  type RefDo,
} from './ref-do.js';
export { decodeApduRule, encodeApduRule, decodeArDo, encodeArDo, type ApduFilter, type ApduRule, type NfcRule, type ArDo } from './ar-do.js';
export {
  decodeRefArDo,
  encodeRefArDo,
  decodeAllRulesResponse,
  encodeAllRulesResponse,
  decodeSpecificResponse,
  encodeSpecificResponse,
  decodeRefreshTag,
  encodeRefreshTag,
  REFRESH_TAG_LENGTH,
  type RefArDo,
  type AllRules,
} from './ref-ar-do.js';
export { decodeStoreCommand, encodeStoreCommand, type StoreCommand, type DeleteTarget, type DecodedStoreCommand } from './store-command.js';
export { type DecodeReport } from './template.js';
export { ARA_M_FORMAT, INITIAL_REFRESH_TAG, MAX_RULES_BYTES, initialAraMData, parseAraMData, type AraMData, type AraMContents } from './state.js';
export { ARA_SW } from './rule-store.js';
export { MAX_STORE_DATA } from './store-data.js';
export { responseCapacity } from './get-data.js';
export { AraMApplet } from './applet.js';
export { ARA_M_PACKAGE_AID, ARA_M_MODULE_AID, ARA_M_MODULE, ARA_M_PACKAGE } from './package.js';
export * from './ace/index.js';
