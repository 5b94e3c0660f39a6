// NFC card emulation: the phone's contactless side, routed to the secure element's contactless port.
export { NfcError, type NfcErrorCode } from './errors.js';
export { NfcController } from './nfc-controller.js';
