import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { BasicFour } from '../../../../src/pki/x509/index.js';
import {
  DEFAULT_PERSON,
  issuedCard,
  issuedPhone,
  phoneApplicationBody,
  spki,
  type IssuedCard,
  type IssuedPhone,
  type JpkiHarness,
  type PhoneApplication,
} from '../../../helpers/jpki.js';

export { pemToDer, spki as spkiDer } from '../../../helpers/jpki.js';

const generate = promisify(generateKeyPair);

/**
 * RSA-2048 keys "generated in the card or the SE". Generating two keys per card and two per phone
 * would dominate the run time, so a small pool is generated once per process (in the thread pool)
 * and handed out in turn: within one person every key differs, and nothing in the service may depend
 * on keys being unique across persons.
 */
let pool: Promise<KeyObject[]> | undefined;
export function keyPool(): Promise<KeyObject[]> {
  pool ??= Promise.all(Array.from({ length: 6 }, () => generate('rsa', { modulusLength: 2048, publicExponent: 65537 }).then((k) => k.privateKey)));
  return pool;
}

export function b64(bytes: Uint8Array | Buffer): string {
  return Buffer.from(bytes).toString('base64');
}

/** A card issuance body as the office sends it (tests change one field at a time). */
export function cardBody(signKey: KeyObject | Uint8Array, authKey: KeyObject | Uint8Array, person: Partial<BasicFour> = {}, extra: Record<string, unknown> = {}) {
  const der = (k: KeyObject | Uint8Array) => b64(k instanceof Uint8Array ? k : spki(k));
  return { person: { ...DEFAULT_PERSON, ...person }, cardExpiry: '2035-12-31', signPublicKey: der(signKey), authPublicKey: der(authKey), ...extra };
}

export interface ApplicationOptions {
  readonly time?: Date;
  readonly nonce?: string;
  /** The key that signs the application (default: the card's signature key). */
  readonly signWith?: KeyObject;
  /** Public keys the "SE generated" (default: the next keys of the pool). */
  readonly signPublicKey?: Uint8Array;
  readonly authPublicKey?: Uint8Array;
  /** The card certificate sent with the application (default: the card's signature certificate). */
  readonly cardCertificate?: Uint8Array;
}

/** Issues cards and phones through the HTTP API, as the office and the SP-TSM do, with pooled keys. */
export class World {
  readonly h: JpkiHarness;
  readonly keys: readonly KeyObject[];
  #next = 0;

  private constructor(h: JpkiHarness, keys: readonly KeyObject[]) {
    this.h = h;
    this.keys = keys;
  }

  static async of(h: JpkiHarness): Promise<World> {
    return new World(h, await keyPool());
  }

  key(): KeyObject {
    return this.keys[this.#next++ % this.keys.length]!;
  }

  /** A key other than `k` (a phone or card that is not the one expected). */
  otherKey(k: KeyObject): KeyObject {
    return this.keys.find((x) => x !== k)!;
  }

  async card(person: Partial<BasicFour> = {}, options: { personId?: string; cardExpiry?: string } = {}): Promise<IssuedCard> {
    const signKey = this.key();
    const authKey = this.key();
    const body = cardBody(signKey, authKey, person, { ...(options.personId ? { personId: options.personId } : {}), ...(options.cardExpiry ? { cardExpiry: options.cardExpiry } : {}) });
    return issuedCard(await this.h.api('POST', '/api/v1/card-certificates', body, this.h.tokens.office), signKey, authKey);
  }

  application(card: IssuedCard, seId: string, options: ApplicationOptions = {}): PhoneApplication {
    const signKey = this.key();
    const authKey = this.key();
    const keys = { sign: options.signPublicKey ?? spki(signKey), auth: options.authPublicKey ?? spki(authKey) };
    return { seId, signKey, authKey, body: phoneApplicationBody(card, seId, keys, options) };
  }

  async phone(card: IssuedCard, seId: string): Promise<IssuedPhone> {
    const app = this.application(card, seId);
    return issuedPhone(await this.h.api('POST', '/api/v1/phone-certificates', app.body, this.h.tokens.spTsm), app);
  }
}

/** Counts the signatures the CA keys of a service make from now on (a refusal must make none). */
export function watchSigners(h: JpkiHarness): { count: () => number } {
  let n = 0;
  for (const g of h.service.ctx.authority.all()) {
    const signer = g.signer as { sign: (data: Uint8Array) => Uint8Array };
    const original = signer.sign;
    signer.sign = (data) => {
      n++;
      return original(data);
    };
  }
  return { count: () => n };
}
