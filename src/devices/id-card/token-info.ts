// EF 0006 is shared with the secure element's JPKI applet (src/devices/applets/jpki/token-info.ts).
export { tokenInfo, tokenLabel, TOKEN_INFO_LENGTH, type TokenInfoParams } from '../applets/jpki/token-info.js';
