import { hex } from '../../bytes/index.js';

// The JPKI-AP's identifiers, files and rules are shared with the secure element's JPKI applet.
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
} from '../applets/jpki/constants.js';

/**
 * The real card's ATR as listed in OpenSC's `jpki_atrs` table (jpki-ap.md 1.1): with it,
 * `opensc-tool -n` names the card `jpki` without sending a JPKI APDU.
 */
export const ID_CARD_ATR = hex('3BE000FF8131FE4514');
