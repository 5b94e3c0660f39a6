import type { KeyObject } from 'node:crypto';
import { RelyingParty, type RelyingPartyMode, type StatusOptions } from '../../sdk/index.js';
import { toDbTimestamp, type Database } from '../../store/index.js';
import { JpkiApClient, openPcscSystem, type ApduTransport, type PcscSystem } from '../../transports/index.js';
import { sdkAnchors, type TrustAnchors } from '../shared/anchors.js';
import type { JpkiDirectory } from '../shared/directory.js';
import { defaultRandom, newId, type Random } from '../shared/ids.js';
import { authenticate, cardFault, identify, verifyPin, type Holder } from './card-steps.js';
import { KioskError } from './errors.js';
import { openReader, type KioskCard, type KioskReaderProvider } from './reader.js';
import { issueResidence, listReaderNames, publishedKeys, readIssuance, type Residence } from './records.js';
import { registerKey } from './repository.js';
import { residenceSigner, type ResidenceSigner } from './residence.js';

export type { Residence } from './records.js';

export interface KioskOptions {
  readonly db: Database;
  readonly trustAnchors: TrustAnchors;
  /** Where the residents' data come from: the certification service's person records (role `relying-party`). */
  readonly directory: JpkiDirectory;
  /** The municipality's Ed25519 key that signs certificates of residence (kept in the home's secrets). */
  readonly signingKey: KeyObject;
  /** This terminal (1-64 of a-z 0-9 . _ -), e.g. `kiosk-1`. */
  readonly kioskId: string;
  readonly municipality?: string;
  /** The name in the kiosk's login challenges (default `kiosk:<kioskId>`). */
  readonly rpId?: string;
  readonly mode?: RelyingPartyMode;
  readonly status?: StatusOptions;
  /** The PC/SC system readers are opened in (default: the local pcscd). */
  readonly pcsc?: () => Promise<PcscSystem>;
  /** Readers besides the PC/SC ones (listed after them; their names must not be PC/SC reader names). */
  readonly readerProviders?: readonly KioskReaderProvider[];
  /** A session left alone this long is cancelled and its reader released (default 2 minutes). */
  readonly sessionTtlMs?: number;
  readonly clock?: () => Date;
  readonly random?: Random;
}

/** Where the card is: a PC/SC reader by name, or any transport (a card in process, a test reader). */
export type KioskSource = { readonly reader: string } | { readonly transport: ApduTransport & { close?(): void } };

/** A reader of the kiosk: `kind` is `pcsc`, or the kind of the provider that offers it. */
export interface KioskReader {
  readonly name: string;
  readonly cardPresent: boolean;
  readonly kind: string;
}

/** The kiosk's readers, and whether PC/SC answered (when it did not, the other readers are still listed). */
export interface KioskReaders {
  readonly readers: KioskReader[];
  readonly pcsc: { readonly available: true } | { readonly available: false; readonly code: string; readonly message: string };
}

export type KioskState = 'pin-required' | 'working' | 'done' | 'failed' | 'cancelled';

/** One transaction: a card on a reader, waiting for its PIN, then done or failed. */
export interface KioskSessionView {
  readonly sessionId: string;
  readonly reader: string | null;
  readonly holder: Holder;
  readonly tokenLabel: string;
  readonly state: KioskState;
  readonly triesLeft: number;
  readonly expiresAt: Date;
  readonly result: Residence | null;
  readonly failure: { readonly code: string; readonly message: string } | null;
}

interface Session {
  id: string;
  reader: string | null;
  holder: Holder;
  tokenLabel: string;
  state: KioskState;
  triesLeft: number;
  expiresAt: Date;
  result: Residence | null;
  failure: { code: string; message: string; error: unknown } | null;
  card: KioskCard | undefined;
  client: JpkiApClient;
  timer: NodeJS.Timeout | undefined;
}

/**
 * A convenience-store terminal (flow 4, "a kiosk reading the phone like a card"): a citizen puts an
 * Individual Number Card or a phone on the reader and enters the user-authentication PIN; the kiosk
 * has the card sign its challenge, verifies it with the SDK (card-auth for a card, phone-auth for a
 * phone, path, OCSP), finds the resident in the certification service's records by the certificate,
 * and issues a signed certificate of residence. Sessions live in this process, since the reader does.
 */
export class Kiosk {
  readonly kioskId: string;
  readonly municipality: string;
  readonly rp: RelyingParty;
  readonly signer: ResidenceSigner;
  readonly #o: KioskOptions;
  readonly #sessions = new Map<string, Session>();
  /** Readers being opened right now (so that two transactions never race for one reader). */
  readonly #opening = new Set<string>();
  readonly #clock: () => Date;
  readonly #random: Random;
  readonly #ttlMs: number;

  private constructor(options: KioskOptions) {
    if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(options.kioskId)) throw new TypeError('kioskId is 1-64 of a-z 0-9 . _ -');
    this.#o = options;
    this.kioskId = options.kioskId;
    this.municipality = options.municipality ?? 'jpki-mobile City (emulation)';
    this.#clock = options.clock ?? (() => new Date());
    this.#random = options.random ?? defaultRandom;
    this.#ttlMs = options.sessionTtlMs ?? 120_000;
    this.signer = residenceSigner(options.signingKey);
    this.rp = new RelyingParty({
      trustAnchors: sdkAnchors(options.trustAnchors),
      rpId: options.rpId ?? `kiosk:${options.kioskId}`,
      ...(options.mode ? { mode: options.mode } : {}),
      login: { accept: ['card-auth', 'phone-auth'], challengeTtlMs: 60_000 },
      ...(options.status ? { status: options.status } : {}),
      clock: this.#clock,
      random: this.#random,
    });
  }

  /** A kiosk whose signing key is published (kiosk_keys) for verifiers of its certificates. */
  static async open(options: KioskOptions): Promise<Kiosk> {
    const kiosk = new Kiosk(options);
    await registerKey(options.db, { kid: kiosk.signer.kid, kiosk_id: kiosk.kioskId, public_jwk: JSON.stringify(kiosk.signer.jwk), created_at: toDbTimestamp(kiosk.#clock()) });
    return kiosk;
  }

  /**
   * Starts a transaction with the card or phone at `source`: selects the JPKI-AP, tells a card from a
   * phone by the token label, reads the PIN's tries left. The reader stays held until the transaction
   * ends (done, failed, cancelled, or `sessionTtlMs` of silence).
   */
  async begin(source: KioskSource): Promise<KioskSessionView> {
    const reader = 'reader' in source ? source.reader : null;
    if (reader !== null && (this.#opening.has(reader) || [...this.#sessions.values()].some((s) => s.reader === reader && s.card !== undefined))) {
      throw new KioskError('ERR_KIOSK_READER_BUSY', `'${reader}' is in use by another transaction`);
    }
    let card: KioskCard;
    if (reader === null) {
      const transport = (source as { transport: ApduTransport & { close?(): void } }).transport;
      card = { transmit: (c) => transport.transmit(c), close: () => transport.close?.() };
    } else {
      this.#opening.add(reader);
      const provider = this.#o.readerProviders?.find((p) => p.owns(reader));
      try {
        card = provider ? await provider.open(reader) : await openReader(reader, this.#o.pcsc ?? openPcscSystem);
      } catch (err) {
        this.#opening.delete(reader);
        throw err;
      }
    }
    try {
      const client = new JpkiApClient(card);
      const id = await identify(client);
      const session: Session = { id: newId(this.#random), reader, ...id, state: 'pin-required', expiresAt: new Date(0), result: null, failure: null, card, client, timer: undefined };
      this.#sessions.set(session.id, session);
      this.#touch(session);
      return this.#view(session);
    } catch (err) {
      card.close();
      throw err;
    } finally {
      if (reader !== null) this.#opening.delete(reader);
    }
  }

  /**
   * Every reader and whether a card or phone is on each (for the terminal's screen): the PC/SC ones,
   * then the providers'. PC/SC being unavailable is said in `pcsc`, not thrown: the other readers work.
   */
  async readers(): Promise<KioskReaders> {
    const readers: KioskReader[] = [];
    let pcsc: KioskReaders['pcsc'];
    try {
      for (const r of await listReaderNames(this.#o.pcsc ?? openPcscSystem)) readers.push({ ...r, kind: 'pcsc' });
      pcsc = { available: true };
    } catch (err) {
      if (!(err instanceof KioskError) || err.code !== 'ERR_KIOSK_PCSC_UNAVAILABLE') throw err;
      pcsc = { available: false, code: err.code, message: err.message };
    }
    for (const provider of this.#o.readerProviders ?? []) {
      for (const r of await provider.list()) readers.push({ name: r.name, cardPresent: r.cardPresent, kind: provider.kind });
    }
    return { readers, pcsc };
  }

  /** A certificate of residence issued earlier (`ERR_KIOSK_ISSUANCE_UNKNOWN`), with its verified document. */
  issuance(id: string): Promise<Residence & { readonly holder: Holder }> {
    return readIssuance(this.#o.db, id);
  }

  /** The JWK set of every kiosk's signing key (RFC 7517 5), to verify certificates of residence. */
  keys() {
    return publishedKeys(this.#o.db);
  }

  /** The session's state (`ERR_KIOSK_SESSION_UNKNOWN` once it is gone). */
  view(sessionId: string): KioskSessionView {
    return this.#view(this.#get(sessionId));
  }

  /**
   * The PIN entered on the kiosk. A wrong PIN leaves the session waiting (`ERR_KIOSK_PIN_INCORRECT`
   * with `triesLeft`); a blocked one ends it. On success the card signs the kiosk's challenge, the
   * card is released, the certificate is verified and the certificate of residence issued.
   */
  async enterPin(sessionId: string, pin: string): Promise<Residence> {
    const s = this.#get(sessionId);
    if (s.state !== 'pin-required') throw new KioskError('ERR_KIOSK_SESSION_STATE', `the session is ${s.state}`);
    s.state = 'working';
    this.#touch(s);
    try {
      try {
        await verifyPin(s.client, pin);
      } catch (err) {
        // A wrong or malformed PIN leaves the transaction waiting for another (a blocked one ends it).
        if (err instanceof KioskError && (err.code === 'ERR_KIOSK_PIN_INCORRECT' || err.code === 'ERR_KIOSK_PIN_FORMAT')) {
          if (err.triesLeft !== undefined) s.triesLeft = err.triesLeft;
          s.state = 'pin-required';
        }
        throw err;
      }
      s.triesLeft = 3;
      const challenge = await this.rp.generateLoginChallenge();
      const answer = await authenticate(s.client, challenge);
      this.#release(s);
      const login = await this.rp.verifyLoginResponse({ challenge, ...answer, accept: [s.holder === 'card' ? 'card-auth' : 'phone-auth'] });
      s.result = await issueResidence({ db: this.#o.db, directory: this.#o.directory, signer: this.signer, kioskId: this.kioskId, municipality: this.municipality, clock: this.#clock, random: this.#random }, s.holder, login);
      s.state = 'done';
      this.#touch(s);
      return s.result;
    } catch (err) {
      // Card faults become kiosk codes; SDK and directory refusals keep theirs. Anything but a PIN to
      // enter again ends the transaction.
      const fault = cardFault(err);
      if (s.state === 'working') this.#fail(s, fault);
      throw fault;
    }
  }

  /** The error that ended a failed session (what its result is), `ERR_KIOSK_SESSION_STATE` otherwise. */
  failureOf(sessionId: string): unknown {
    const s = this.#get(sessionId);
    if (s.state !== 'failed' || s.failure === null) return new KioskError('ERR_KIOSK_SESSION_STATE', `the session is ${s.state}`);
    return s.failure.error;
  }

  /** Ends a transaction early and releases the reader; the session is forgotten. */
  cancel(sessionId: string): void {
    const s = this.#get(sessionId);
    this.#release(s);
    if (s.state === 'pin-required' || s.state === 'working') s.state = 'cancelled';
    this.#forget(s);
  }

  /** Cancels every transaction (at shutdown). */
  close(): void {
    for (const s of [...this.#sessions.values()]) {
      this.#release(s);
      this.#forget(s);
    }
  }

  #get(sessionId: string): Session {
    const s = this.#sessions.get(sessionId);
    if (!s) throw new KioskError('ERR_KIOSK_SESSION_UNKNOWN', 'no such kiosk session (it may have timed out)');
    return s;
  }

  #fail(s: Session, err: unknown): void {
    this.#release(s);
    s.state = 'failed';
    s.failure = { code: (err as { code?: string }).code ?? 'ERR_INTERNAL', message: err instanceof Error ? err.message : String(err), error: err };
    this.#touch(s);
  }

  #release(s: Session): void {
    const card = s.card;
    s.card = undefined;
    try {
      card?.close();
    } catch {
      // The card is gone already: nothing holds the reader.
    }
  }

  #forget(s: Session): void {
    if (s.timer) clearTimeout(s.timer);
    this.#sessions.delete(s.id);
  }

  /** Pushes the session's expiry `sessionTtlMs` ahead; at expiry the reader is released and the session forgotten. */
  #touch(s: Session): void {
    if (s.timer) clearTimeout(s.timer);
    s.expiresAt = new Date(this.#clock().getTime() + this.#ttlMs);
    s.timer = setTimeout(() => {
      this.#release(s);
      this.#forget(s);
    }, this.#ttlMs);
    s.timer.unref();
  }

  #view(s: Session): KioskSessionView {
    return {
      sessionId: s.id,
      reader: s.reader,
      holder: s.holder,
      tokenLabel: s.tokenLabel,
      state: s.state,
      triesLeft: s.triesLeft,
      expiresAt: s.expiresAt,
      result: s.result,
      failure: s.failure ? { code: s.failure.code, message: s.failure.message } : null,
    };
  }
}
