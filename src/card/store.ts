import { CardError } from './errors.js';

/**
 * The persistence port of a card: its non-volatile memory as one JSON document. A device loads it once
 * and saves the whole document after each change; `save` resolves only when the document is durable,
 * so a device that awaits it before answering a command (retry counters, jpki-ap.md 2) cannot lose the
 * change to a power cut or a killed process.
 */
export interface CardStore<T = unknown> {
  load(): Promise<T>;
  save(state: T): Promise<void>;
}

/** A store in memory: for tests and for cards that need not outlive the process. Keeps a deep copy. */
export class MemoryCardStore<T = unknown> implements CardStore<T> {
  #text: string | undefined;
  /** How many times `save` ran. */
  saves = 0;

  constructor(initial?: T) {
    if (initial !== undefined) this.#text = JSON.stringify(initial);
  }

  async load(): Promise<T> {
    if (this.#text === undefined) {
      throw new CardError('ERR_CARD_STATE_MISSING', 'the memory store holds no card');
    }
    return JSON.parse(this.#text) as T;
  }

  async save(state: T): Promise<void> {
    this.#text = JSON.stringify(state);
    this.saves++;
  }

  /** The document as last saved (JSON text), for comparisons. */
  get snapshot(): string | undefined {
    return this.#text;
  }
}
