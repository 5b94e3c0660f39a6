/**
 * The only way to a card (style rule 9): bytes in, bytes out, plus the power events a reader
 * produces. A virtual-reader bridge (vpcd), an in-process test and a PC/SC client all see a card
 * through this port, so an emulated card cannot be told from a real one above it.
 *
 * - `powerOn` (cold reset) and `reset` (warm reset) return the ATR and clear every session state:
 *   selections, verified PINs, open logical channels. Persistent state (retry counters, keys) stays.
 * - `transmit` takes one command APDU as sent on the wire (ISO/IEC 7816-3 12.1) and resolves with the
 *   response APDU (data, then SW1 SW2). Whatever the bytes, the answer is a status word; it rejects
 *   only when the card is not powered (`ERR_CARD_POWERED_OFF`).
 * - Commands and power events are taken one at a time, in the order they are called.
 */
export interface CardPort {
  /** The answer to reset the card sends after power-on or reset. */
  readonly atr: Uint8Array;
  readonly powered: boolean;
  powerOn(): Promise<Uint8Array>;
  powerOff(): Promise<void>;
  reset(): Promise<Uint8Array>;
  transmit(command: Uint8Array): Promise<Uint8Array>;
}

/**
 * Where a card reports what it does. Library code never prints (eslint `no-console`); the CLI or a test
 * passes a logger. Every APDU reaching a logger is redacted first (`redactCommand`).
 */
export interface CardLogger {
  /** One exchange, as redacted uppercase hex. */
  apdu?(command: string, response: string): void;
  /** A failure inside the card answered with '6F00' (or a logged, ignored `deselect` failure). */
  error(message: string, err: unknown): void;
}
