// The JPKI applet: the JPKI-AP user interface shared by the Individual Number Card and the secure
// element, the secure element's JPKI applet (user interface + management interface), its load file,
// and the host-side builder of its management commands (for the SP-TSM).
export { JpkiAppletError, type JpkiAppletErrorCode } from './errors.js';
export {
  JPKI_AID,
  EF,
  BINARY_FIDS,
  KEY_FIDS,
  PIN_FIDS,
  CERTIFICATE_FIDS,
  KEY_PIN,
  KEY_CERTIFICATE,
  PIN_RULES,
  TOKEN_LABEL_CARD,
  TOKEN_LABEL_GP_SE,
  TOKEN_LABEL_IOS,
  AVAILABILITY_BOTH,
  MAX_SIGN_INPUT,
  type BinaryFid,
  type CertificateFid,
  type Fid,
  type KeyFid,
  type PinFid,
} from './constants.js';
export { DEFAULT_SCRYPT_COST, hashSecret, secretMatches, type RandomSource, type ScryptCost, type SecretHash } from './secret.js';
export { parsePinRecord, type PinRecord } from './pin-record.js';
export { isLongFormCertificate } from './certificate-file.js';
export { tokenInfo, tokenLabel, TOKEN_INFO_LENGTH, type TokenInfoParams } from './token-info.js';
export type { JpkiStorage, KeySlot } from './storage.js';
export { JpkiAp, type JpkiApOptions } from './jpki-ap.js';
export { JPKI_APPLET_FORMAT, emptyAppletData, parseAppletData, type JpkiAppletData, type KeyEntry } from './applet-data.js';
export { JpkiSeApplet, LIFE_CYCLE, type JpkiSeAppletOptions } from './se-applet.js';
export {
  JPKI_APPLET_ELF_AID,
  JPKI_APPLET_MODULE_AID,
  JPKI_APPLET_INSTANCE_AID,
  JPKI_APPLET_PACKAGE,
  jpkiAppletModule,
  jpkiAppletPackage,
} from './package.js';
export {
  INS_STORE_DATA,
  TAG as MANAGEMENT_TAG,
  DEFAULT_BLOCK_LENGTH,
  MAX_CERTIFICATE_LENGTH,
  MAX_DO_LENGTH,
  MAX_BLOCKS,
} from './management-format.js';
export {
  generateKeyPairCommand,
  getPublicKeyCommand,
  putCertificateCommand,
  setReferenceDataCommand,
  revokeCommand,
  wipeCommand,
  getStateCommand,
  storeDataBlocks,
  storeDataCommand,
  parseManagementResponses,
  type StoreDataBlock,
  type ManagementResult,
  type PublicKeyResult,
  type StateResult,
  type KeyStatus,
} from './management-commands.js';
