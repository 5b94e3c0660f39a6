import type { CardPort } from '../card/index.js';
import { KioskError, type KioskCard, type KioskReaderProvider } from '../relying-parties/index.js';
import type { CardShelf } from './card-shelf.js';
import { WebError } from './errors.js';
import type { PhoneShelf } from './phone-shelf.js';

/** What lies on a counter reader: a card of the card shelf, or a phone of the phone shelf. */
export type CounterItem = { readonly kind: 'card'; readonly id: string } | { readonly kind: 'phone'; readonly id: string };

/** A counter reader as the browser sees it (who holds what to it; never a secret). */
export interface CounterReaderView {
  readonly name: string;
  readonly item: ({ readonly kind: 'card'; readonly id: string; readonly name: string } | { readonly kind: 'phone'; readonly id: string; readonly model: string }) | null;
  /** A kiosk transaction holds the item right now (taken from its shelf's queue). */
  readonly inUse: boolean;
}

interface Hold {
  readonly item: CounterItem;
  /** Taken away from the reader in the middle of the transaction. */
  lost: boolean;
  release(): void;
}

interface Slot {
  readonly name: string;
  item: CounterItem | undefined;
  hold: Hold | undefined;
}

export interface CounterReadersOptions {
  readonly cards: CardShelf;
  readonly phones?: PhoneShelf;
  /** How many readers the counter has (default 2: `counter-1`, `counter-2`). */
  readonly count?: number;
  /** How long a transaction waits for a card or phone busy elsewhere (default 15 s), then `ERR_KIOSK_READER_BUSY`. */
  readonly waitMs?: number;
}

/**
 * The kiosk's counter readers (docs/web.md "The kiosk's counter readers"): contactless readers on the
 * kiosk's counter that a browser's holder can hold a shelved card or phone to. They are offered to the
 * kiosk as a reader provider when the system is assembled; the kiosk uses them as it uses PC/SC readers.
 *
 * A card is read through its own APDU interface, as the card shelf's reader does; a phone through its
 * NFC controller in card emulation (`phone.nfc`), which routes the field's APDUs to the secure element's
 * contactless interface, as `jpki-mobile phone nfc` does. For the length of a transaction the card or
 * phone is taken from its shelf's queue (one hand, one reader): nothing else uses it until the kiosk
 * lets it go. Taking it away from the reader in the middle ends the field: the kiosk sees the card lost.
 */
export class CounterReaders implements KioskReaderProvider {
  readonly kind = 'counter';
  readonly #cards: CardShelf;
  readonly #phones: PhoneShelf | undefined;
  readonly #slots: Slot[];
  readonly #waitMs: number;
  #closed = false;

  constructor(options: CounterReadersOptions) {
    this.#cards = options.cards;
    this.#phones = options.phones;
    this.#waitMs = options.waitMs ?? 15_000;
    const count = options.count ?? 2;
    if (!Number.isInteger(count) || count < 1 || count > 9) throw new TypeError('a counter has 1-9 readers');
    this.#slots = Array.from({ length: count }, (_, i) => ({ name: `counter-${i + 1}`, item: undefined, hold: undefined }));
  }

  owns(name: string): boolean {
    return this.#slots.some((s) => s.name === name);
  }

  #slot(name: string): Slot {
    const slot = this.#slots.find((s) => s.name === name);
    if (!slot) throw new WebError('ERR_WEB_COUNTER_READER_UNKNOWN', `no counter reader '${name.slice(0, 64)}'`);
    return slot;
  }

  /** Whether a reader's field would find the item: a card always; a phone while it is on with NFC enabled. */
  async #present(item: CounterItem): Promise<boolean> {
    if (item.kind === 'card') return true;
    try {
      return (await this.#phones!.peek(item.id)).opened.phone.nfc.present;
    } catch {
      return false;
    }
  }

  async list(): Promise<{ name: string; cardPresent: boolean }[]> {
    const out = [];
    for (const s of this.#slots) out.push({ name: s.name, cardPresent: s.item !== undefined && (await this.#present(s.item)) });
    return out;
  }

  async #view(s: Slot): Promise<CounterReaderView> {
    const inUse = s.hold !== undefined;
    if (!s.item) return { name: s.name, item: null, inUse };
    if (s.item.kind === 'card') return { name: s.name, item: { kind: 'card', id: s.item.id, name: (await this.#cards.describe(s.item.id)).name }, inUse };
    return { name: s.name, item: { kind: 'phone', id: s.item.id, model: (await this.#phones!.peek(s.item.id)).opened.phone.model }, inUse };
  }

  async views(): Promise<CounterReaderView[]> {
    const out = [];
    for (const s of this.#slots) out.push(await this.#view(s));
    return out;
  }

  view(name: string): Promise<CounterReaderView> {
    return this.#view(this.#slot(name));
  }

  /**
   * Holds a shelved card or phone to the reader. Refused: an unknown reader, card or phone; a reader
   * something else lies on (`ERR_WEB_COUNTER_READER_OCCUPIED`); an item already on another reader
   * (`ERR_WEB_COUNTER_ITEM_ELSEWHERE`). Holding the same item to the same reader again changes nothing.
   */
  async put(name: string, item: CounterItem): Promise<CounterReaderView> {
    const slot = this.#slot(name);
    if (item.kind === 'card') await this.#cards.describe(item.id);
    else if (!this.#phones) throw new WebError('ERR_WEB_PHONE_UNKNOWN', `no phone '${item.id}'`);
    else await this.#phones.peek(item.id);
    const same = (a: CounterItem | undefined) => a !== undefined && a.kind === item.kind && a.id === item.id;
    if (same(slot.item)) return this.#view(slot);
    if (slot.item) throw new WebError('ERR_WEB_COUNTER_READER_OCCUPIED', `something lies on '${name}' already: take it away first`);
    const elsewhere = this.#slots.find((s) => same(s.item));
    if (elsewhere) throw new WebError('ERR_WEB_COUNTER_ITEM_ELSEWHERE', `that ${item.kind} lies on '${elsewhere.name}'`);
    slot.item = item;
    return this.#view(slot);
  }

  /** Takes the item away (nothing on it: nothing changes). A transaction using it loses its card. */
  take(name: string): Promise<CounterReaderView> {
    const slot = this.#slot(name);
    slot.item = undefined;
    this.#drop(slot);
    return this.#view(slot);
  }

  #drop(slot: Slot): void {
    const hold = slot.hold;
    if (!hold) return;
    hold.lost = true;
    slot.hold = undefined;
    hold.release();
  }

  /** Lets every held card and phone go back to its shelf (the system stops). */
  close(): void {
    this.#closed = true;
    for (const s of this.#slots) this.#drop(s);
  }

  /** For the kiosk: the card or phone on the reader, taken from its shelf's queue until `close`. */
  open(name: string): Promise<KioskCard> {
    const slot = this.#slots.find((s) => s.name === name);
    if (!slot) return Promise.reject(new KioskError('ERR_KIOSK_READER_NOT_FOUND', `no reader named '${name}'`));
    const item = slot.item;
    if (!item) return Promise.reject(new KioskError('ERR_KIOSK_NO_CARD', `no card or phone on '${name}'`));
    if (slot.hold || this.#closed) return Promise.reject(new KioskError('ERR_KIOSK_READER_BUSY', `'${name}' is in use by another transaction`));
    return new Promise<KioskCard>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(new KioskError('ERR_KIOSK_READER_BUSY', `the ${item.kind} on '${name}' is busy elsewhere: try again`));
      }, this.#waitMs);
      const fail = (err: unknown) => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        reject(err);
      };
      // Runs inside the shelf's queue with the card's port powered: lends it to the kiosk until released.
      const lend = async (port: CardPort): Promise<void> => {
        clearTimeout(timer);
        // Gave up waiting, or the item was taken away (or swapped) while the queue was busy.
        if (settled || this.#closed || slot.item !== item || slot.hold) return fail(new KioskError('ERR_KIOSK_NO_CARD', `no card or phone on '${name}'`));
        let release!: () => void;
        const released = new Promise<void>((r) => (release = r));
        const hold: Hold = { item, lost: false, release };
        slot.hold = hold;
        settled = true;
        resolve({
          transmit: async (command) => {
            if (hold.lost) throw new KioskError('ERR_KIOSK_CARD_LOST', `the ${item.kind} was taken away from '${name}'`);
            return port.transmit(command);
          },
          close: () => {
            if (slot.hold === hold) slot.hold = undefined;
            release();
          },
        });
        await released;
      };
      const queued = item.kind === 'card' ? this.#cards.onReader(item.id, lend) : this.#onField(item.id, name, lend);
      queued.catch((err: unknown) => fail(kioskFault(err, name)));
    });
  }

  /** A phone in the reader's field: its NFC controller powered (routing to the element) while `lend` runs. */
  #onField(id: string, name: string, lend: (port: CardPort) => Promise<void>): Promise<void> {
    return this.#phones!.use(id, async (p) => {
      const nfc = p.opened.phone.nfc;
      if (!nfc.present) throw new KioskError('ERR_KIOSK_NO_CARD', `the reader '${name}' finds no card: is NFC on on the phone?`);
      await nfc.powerOn();
      try {
        await lend(nfc);
      } finally {
        await nfc.powerOff();
      }
    });
  }
}

/** A shelf's refusal as the kiosk reports it (the card or phone is gone from its shelf: no card). */
function kioskFault(err: unknown, name: string): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ERR_WEB_CARD_UNKNOWN' || code === 'ERR_WEB_PHONE_UNKNOWN' || code === 'ERR_NFC_NO_CARD') return new KioskError('ERR_KIOSK_NO_CARD', `no card or phone on '${name}'`, { cause: err });
  if (code === 'ERR_WEB_PHONE_SHELF_CLOSED') return new KioskError('ERR_KIOSK_READER_BUSY', 'the system is stopping', { cause: err });
  return err;
}
