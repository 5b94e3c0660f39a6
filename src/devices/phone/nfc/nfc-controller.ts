import { CardError, type CardPort } from '../../../card/index.js';
import { NfcError } from './errors.js';

/**
 * The phone's NFC controller in card emulation, as a reader in front of the phone sees it: a
 * `CardPort` whose power is the reader's RF field (ISO/IEC 14443: field on = the card is powered and
 * activated; field off = it is not). While routing is on, the controller routes the reader's APDUs to
 * the secure element's contactless interface (off-host card emulation: the element answers, the
 * phone's OS never sees the APDUs). Routing is on only while the phone is on and NFC is enabled in the
 * settings.
 *
 * With routing off the phone is, to a reader, no card at all:
 * - `powerOn`/`reset` reject with `ERR_NFC_NO_CARD` (a PC/SC reader reports "no card present");
 * - `transmit` rejects with `ERR_CARD_POWERED_OFF`, as the port contract says for an unpowered card;
 * - turning routing off during a session ends it: the element's contactless interface loses power
 *   and later commands reject as above.
 * `atr` is the element's contactless ATR whatever the state; `present` says whether a reader would
 * find a card.
 */
export class NfcController implements CardPort {
  readonly #element: CardPort;
  #enabled = true;
  #phoneOn = false;
  #powered = false;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(element: CardPort) {
    this.#element = element;
  }

  /** Routing to the element is active: the phone is on and NFC is enabled. */
  get present(): boolean {
    return this.#enabled && this.#phoneOn;
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  get atr(): Uint8Array {
    return this.#element.atr;
  }

  /** A field session is going on (the reader powered the "card" and routing is on). */
  get powered(): boolean {
    return this.#powered;
  }

  /** NFC on or off in the phone's settings. */
  setEnabled(on: boolean): Promise<void> {
    return this.#serial(async () => {
      this.#enabled = on;
      await this.#dropIfAbsent();
    });
  }

  /** The phone was turned on or off (a reset is off then on). */
  setPhonePowered(on: boolean): Promise<void> {
    return this.#serial(async () => {
      this.#phoneOn = on;
      await this.#dropIfAbsent();
    });
  }

  powerOn(): Promise<Uint8Array> {
    return this.#serial(async () => {
      this.#requirePresent();
      const atr = await this.#element.powerOn();
      this.#powered = true;
      return atr;
    });
  }

  reset(): Promise<Uint8Array> {
    return this.#serial(async () => {
      this.#requirePresent();
      const atr = await this.#element.reset();
      this.#powered = true;
      return atr;
    });
  }

  powerOff(): Promise<void> {
    return this.#serial(async () => {
      await this.#end();
    });
  }

  transmit(command: Uint8Array): Promise<Uint8Array> {
    const bytes = Uint8Array.from(command);
    return this.#serial(async () => {
      if (!this.#powered) throw new CardError('ERR_CARD_POWERED_OFF', 'no NFC field session with the phone');
      return this.#element.transmit(bytes);
    });
  }

  #requirePresent(): void {
    if (!this.#phoneOn) throw new NfcError('ERR_NFC_NO_CARD', 'no card in the field: the phone is off');
    if (!this.#enabled) throw new NfcError('ERR_NFC_NO_CARD', 'no card in the field: NFC is off on the phone');
  }

  async #dropIfAbsent(): Promise<void> {
    if (!this.present) await this.#end();
  }

  async #end(): Promise<void> {
    if (!this.#powered) return;
    this.#powered = false;
    if (this.#element.powered) await this.#element.powerOff();
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
