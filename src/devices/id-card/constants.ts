import { hex } from '../../bytes/index.js';

// The JPKI-AP's identifiers, files and rules live with the applet shared with the secure element
// (src/devices/applets/jpki/constants.ts); only what belongs to the card itself is here.

/**
 * The real card's ATR as listed in OpenSC's `jpki_atrs` table (jpki-ap.md 1.1): with it,
 * `opensc-tool -n` names the card `jpki` without sending a JPKI APDU.
 */
export const ID_CARD_ATR = hex('3BE000FF8131FE4514');
