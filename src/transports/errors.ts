import { JpkiMobileError } from '../errors/index.js';

/** Failures of the vsmartcard vpcd bridge (`src/transports/vpcd`). */
export type VpcdErrorCode =
  /** A frame announced length 0, which the protocol does not allow. */
  | 'ERR_VPCD_FRAME_EMPTY'
  /** A one-byte payload that is none of the control codes 00, 01, 02, 04. */
  | 'ERR_VPCD_CONTROL_UNKNOWN'
  /** A payload to send does not fit a 2-byte length (or is empty). */
  | 'ERR_VPCD_FRAME_SIZE'
  /** `--vpcd` is not HOST:PORT with a port 1..65535. */
  | 'ERR_VPCD_ADDRESS';

export class VpcdError extends JpkiMobileError<VpcdErrorCode> {}

/** Failures of the PC/SC client (`src/transports/pcsc`). */
export type PcscErrorCode =
  /** The Node PC/SC binding (npm `smartcard`) is not installed or does not load. */
  | 'ERR_PCSC_UNAVAILABLE'
  /** pcscd could not be reached (SCardEstablishContext failed): the daemon is not running. */
  | 'ERR_PCSC_NO_SERVICE'
  /** pcscd knows no reader at all. */
  | 'ERR_PCSC_NO_READER'
  /** No reader with the name asked for. */
  | 'ERR_PCSC_READER_NOT_FOUND'
  /** Connecting to the card failed (no card in the reader, card mute, sharing violation). */
  | 'ERR_PCSC_CONNECT'
  /** SCardTransmit failed (card removed, reader gone). */
  | 'ERR_PCSC_TRANSMIT'
  /** The connection was closed before the call. */
  | 'ERR_PCSC_CLOSED'
  /** The card kept asking for GET RESPONSE / re-issue beyond the bound (64 KiB of data or 256 rounds). */
  | 'ERR_PCSC_RESPONSE_LOOP';

export class PcscError extends JpkiMobileError<PcscErrorCode> {}
