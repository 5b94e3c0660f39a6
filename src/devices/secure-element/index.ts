// The GlobalPlatform secure element of the phone: registry, security domains with SCP03, card content
// management, two interfaces (contact, contactless), one tear-safe state document.
export type { AppletModule, AppletPackage, SeApplet, SeAppletContext, SeAppletHost, SecureChannel, SeInterface } from './contract.js';
export { SecureElementError, type SecureElementErrorCode } from './errors.js';
export {
  ISD_AID,
  SSD_PACKAGE_AID,
  SSD_MODULE_AID,
  ARA_M_AID,
  AppLifeCycle,
  CardLifeCycle,
  InterfaceBit,
  ISD_KVN,
  SCP03_I,
  MAX_LOAD_FILE,
  MAX_KEY_SETS,
} from './constants.js';
export { PRIVILEGES, ISD_PRIVILEGES, hasPrivilege, privilegeNames, type PrivilegeName } from './privileges.js';
export { lifeCycleName, isSelectableState } from './life-cycle.js';
export {
  SE_FORMAT,
  parseSeState,
  type SeState,
  type RegistryEntry,
  type ApplicationEntry,
  type LoadFileEntry,
  type DomainData,
  type KeySetRecord,
  type CardData,
} from './state.js';
export { Catalogue, SSD_PACKAGE, DEFAULT_PACKAGES, DEFAULT_PREINSTALLED, type PreinstalledApplication } from './catalogue.js';
export {
  buildLoadFile,
  loadFileDataBlock,
  loadFileDataBlockHash,
  loadBlocks,
  packageDescription,
  parsePackageImage,
  parseLoadFile,
  PACKAGE_DESCRIPTION_FORMAT,
  type PackageImage,
} from './load-file.js';
export { encodeDgiKeySet, keyInformationTemplate, KEY_ID } from './key-sets.js';
export { CPLC_LENGTH, CPLC_FIELDS, decodeCplc } from './cplc.js';
export { cardRecognitionData } from './get-data.js';
export { createElement, type CreateElementOptions, type CreatedElement, type SeProfile } from './create.js';
export { SecureElement, type OpenElementOptions } from './element.js';
export { summariseElement, type ElementSummary, type EntrySummary } from './status.js';
