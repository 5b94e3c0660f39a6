import { PcscError, PcscCard, type ApduTransport, type PcscSystem } from '../../transports/index.js';
import { KioskError } from './errors.js';

/** A card (or a phone in card emulation) the kiosk talks to, and how to let it go. */
export interface KioskCard extends ApduTransport {
  /** Resets the card (no PIN verification outlives the transaction) and releases the reader. */
  close(): void;
}

/**
 * Readers the kiosk has besides the PC/SC ones, offered by whoever assembles the system (the web
 * interface's counter readers, backed by the card and phone shelves). The kiosk treats them as it treats
 * a PC/SC reader: listed by name, one transaction at a time, the card held exclusively until `close`.
 */
export interface KioskReaderProvider {
  /** What kind of reader these are, as the readers listing says (e.g. `counter`). */
  readonly kind: string;
  /** The readers, and whether a card or phone is on each. */
  list(): Promise<{ name: string; cardPresent: boolean }[]>;
  /** True when `name` is one of this provider's readers. */
  owns(name: string): boolean;
  /**
   * The card (or phone) on the reader, held for this transaction alone until `close`. Refusals are the
   * kiosk's: `ERR_KIOSK_NO_CARD` (nothing on it, or a phone whose NFC is off), `ERR_KIOSK_READER_BUSY`.
   */
  open(name: string): Promise<KioskCard>;
}

/**
 * The card in a PC/SC reader, connected exclusively for the transaction (nobody else talks to the
 * card between the PIN and the signature). The reader must exist and hold a card.
 */
export async function openReader(name: string, openSystem: () => Promise<PcscSystem>): Promise<KioskCard> {
  let system: PcscSystem;
  try {
    system = await openSystem();
  } catch (err) {
    throw new KioskError('ERR_KIOSK_PCSC_UNAVAILABLE', 'the PC/SC service (pcscd) is not available', { cause: err });
  }
  try {
    const readers = await system.listReaders();
    const reader = readers.find((r) => r.name === name);
    if (!reader) throw new KioskError('ERR_KIOSK_READER_NOT_FOUND', `no reader named '${name}'`);
    if (!reader.cardPresent) throw new KioskError('ERR_KIOSK_NO_CARD', `no card or phone on '${name}'`);
    const card = await PcscCard.connect({ reader: name, share: 'exclusive', system });
    return {
      transmit: (command) => card.transmit(command),
      close() {
        try {
          card.close('reset');
        } finally {
          system.close();
        }
      },
    };
  } catch (err) {
    system.close();
    if (err instanceof KioskError) throw err;
    if (err instanceof PcscError) {
      if (err.code === 'ERR_PCSC_CONNECT') throw new KioskError('ERR_KIOSK_NO_CARD', `cannot connect to the card on '${name}'`, { cause: err });
      if (err.code === 'ERR_PCSC_READER_NOT_FOUND' || err.code === 'ERR_PCSC_NO_READER') throw new KioskError('ERR_KIOSK_READER_NOT_FOUND', `no reader named '${name}'`, { cause: err });
      throw new KioskError('ERR_KIOSK_PCSC_UNAVAILABLE', 'the PC/SC service failed', { cause: err });
    }
    throw err;
  }
}
