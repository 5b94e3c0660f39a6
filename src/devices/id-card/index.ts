// The Individual Number Card (マイナンバーカード): its JPKI-AP behind the card port, its state document,
// and its life at the municipal office (issue, renew, re-initialise PIN and password, revocation).
export { IdCardError, type IdCardErrorCode } from './errors.js';
export { ID_CARD_ATR } from './constants.js';
// The JPKI-AP's identifiers, files and rules, shared with the secure element's JPKI applet.
export {
  JPKI_AID,
  EF,
  PIN_RULES,
  KEY_PIN,
  TOKEN_LABEL_CARD,
  TOKEN_LABEL_GP_SE,
  TOKEN_LABEL_IOS,
  AVAILABILITY_BOTH,
  MAX_SIGN_INPUT,
  type Fid,
  type BinaryFid,
  type KeyFid,
  type PinFid,
} from '../applets/jpki/constants.js';
export { tokenInfo, tokenLabel, TOKEN_INFO_LENGTH, type TokenInfoParams } from './token-info.js';
export { DEFAULT_SCRYPT_COST, type ScryptCost, type SecretHash } from './secret.js';
export { ID_CARD_FORMAT, parseIdCardState, type IdCardState, type CardHolder, type PinRecord, type JpkiFiles } from './state.js';
export { JpkiApplet, type JpkiAppletOptions } from './jpki-applet.js';
export { IdCard, type IdCardOptions } from './card.js';
export {
  issueCard,
  renew,
  reinitialisePin,
  reinitialisePassword,
  revocationTargets,
  summariseCard,
  defaultCardExpiry,
  checkPinFormat,
  type CardCertificateRequest,
  type CardCertificates,
  type IssueCertificates,
  type IssueCardParams,
  type OfficeOptions,
  type CardSummary,
  type CertificateSummary,
  type PinSummary,
} from './office.js';
