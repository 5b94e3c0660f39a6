export { Scp03Error, type Scp03ErrorCode } from './errors.js';
export { scp03Derive, DerivationConstant } from './kdf.js';
export {
  scp03KeySet,
  deriveSessionKeys,
  keyCheckValue,
  GP_TEST_KEY,
  type Scp03KeySet,
  type Scp03SessionKeys,
} from './keys.js';
export { cardCryptogram, hostCryptogram, pseudoRandomCardChallenge, MAX_SEQUENCE_COUNTER } from './cryptograms.js';
export {
  LevelBit,
  IParameter,
  SECURITY_LEVELS,
  securityLevel,
  isSecurityLevel,
  levelSupported,
  type SecurityLevel,
} from './security-level.js';
export {
  SCP03_ID,
  parseInitializeUpdateResponse,
  encodeInitializeUpdateResponse,
  type InitializeUpdateResponse,
} from './initialize-update.js';
export {
  SecureMessaging,
  protectCommand,
  verifyCommand,
  protectResponse,
  verifyResponse,
  isProtectedStatus,
  macCla,
  secureMessagingCla,
  MAC_LENGTH,
} from './secure-messaging.js';
export { Scp03HostSession, type HostSessionOptions, type HostSessionState } from './host-session.js';
export { Scp03CardSession, type CardKeyContext, type CardSessionState } from './card-session.js';
export { encryptKeyWithDek, encodeAesKeyData, encodePutKeyData, decodePutKeyData, KEY_TYPE_AES, type DecodedPutKey } from './put-key.js';
