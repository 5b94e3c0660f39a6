import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FileCardStore } from '../card/index.js';
import { IdCard, parseIdCardState, summariseCard, type CardSummary, type IdCardState } from '../devices/id-card/index.js';
import { WebError } from './errors.js';
import { KeyedQueue } from './keyed-queue.js';

/** A card's id on the shelf: the certification service's card id (a UUID), which names its file. */
export const CARD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What the browser may know of a card lying on the shelf: who holds it, its certificates, its counters; never a secret. */
export interface ShelvedCard {
  readonly id: string;
  readonly personId: string;
  readonly name: string;
  readonly cardExpiry: string;
  readonly sign: { readonly serial: string; readonly notAfter: string };
  readonly auth: { readonly serial: string; readonly notAfter: string };
  readonly pin: { readonly triesLeft: number; readonly maxTries: number; readonly blocked: boolean };
  readonly password: { readonly triesLeft: number; readonly maxTries: number; readonly blocked: boolean };
}

export function shelvedCard(s: CardSummary): ShelvedCard {
  return {
    id: s.holder.cardId,
    personId: s.holder.personId,
    name: s.holder.person.name,
    cardExpiry: s.holder.cardExpiry,
    sign: { serial: s.sign.serial, notAfter: s.sign.notAfter.toISOString() },
    auth: { serial: s.auth.serial, notAfter: s.auth.notAfter.toISOString() },
    pin: { ...s.pin },
    password: { ...s.password },
  };
}

/**
 * The cards the browser's holders own, kept by the server (a browser cannot hold a card): emulated
 * Individual Number Cards, one file each under `<home>/cards/`, the same format `jpki-mobile card issue`
 * writes. A card is used by one request at a time (a reader holds one card exclusively): requests on
 * the same card queue behind each other, so two PIN tries never interleave their APDUs.
 */
export class CardShelf {
  readonly dir: string;
  readonly #queue = new KeyedQueue();

  constructor(home: string) {
    this.dir = join(home, 'cards');
  }

  #file(id: string): string {
    if (!CARD_ID.test(id)) throw new WebError('ERR_WEB_CARD_UNKNOWN', `no card '${id}'`);
    return join(this.dir, `${id}.json`);
  }

  #ids(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names.filter((n) => n.endsWith('.json') && CARD_ID.test(n.slice(0, -5))).map((n) => n.slice(0, -5));
  }

  /** Puts a newly issued card on the shelf (refuses to overwrite one). */
  async add(state: IdCardState): Promise<ShelvedCard> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    await new FileCardStore<IdCardState>(this.#file(state.holder.cardId)).create(state);
    return shelvedCard(summariseCard(state));
  }

  /** Every card on the shelf, by holder name. A file that is not a card is left out, not fatal. */
  async list(): Promise<ShelvedCard[]> {
    const out: ShelvedCard[] = [];
    for (const id of this.#ids()) {
      try {
        out.push(await this.describe(id));
      } catch {
        // A half-written or foreign file: not a card the browser can use.
      }
    }
    return out.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  async describe(id: string): Promise<ShelvedCard> {
    return shelvedCard(summariseCard(parseIdCardState(await this.#load(id).load())));
  }

  #load(id: string): FileCardStore<IdCardState> {
    const file = this.#file(id);
    if (!this.#ids().includes(id)) throw new WebError('ERR_WEB_CARD_UNKNOWN', `no card '${id}'`);
    return new FileCardStore<IdCardState>(file);
  }

  /** Puts the card on a reader (powered, nothing selected), runs `fn`, and takes it off again. */
  async onReader<T>(id: string, fn: (card: IdCard) => Promise<T>): Promise<T> {
    const store = this.#load(id);
    return this.#queue.run(id, async () => {
      const card = await IdCard.open(store);
      await card.powerOn();
      try {
        return await fn(card);
      } finally {
        await card.powerOff();
      }
    });
  }
}
