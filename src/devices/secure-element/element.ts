import { randomBytes } from 'node:crypto';
import { SW, StatusWordError } from '../../apdu/index.js';
import { toHex } from '../../bytes/index.js';
import { CardRuntime, type Applet, type AppletContext, type AppletDirectory, type CardLogger, type CardPort, type CardStore } from '../../card/index.js';
import type { CommandApdu } from '../../apdu/index.js';
import type { Scp03KeySet } from '../../crypto/index.js';
import { ElementAppletHost } from './applet-host.js';
import { Catalogue } from './catalogue.js';
import { CardLifeCycle, HISTORICAL_BYTES, InterfaceBit } from './constants.js';
import type { AppletPackage, SeApplet, SeInterface } from './contract.js';
import type { ElementCore } from './core.js';
import { SecureElementError } from './errors.js';
import { scp03KeysOf } from './key-sets.js';
import { isSelectableState } from './life-cycle.js';
import { cardLifeCycle, ISD_HEX } from './registry.js';
import { SecurityDomain } from './security-domain.js';
import { parseSeState, type ApplicationEntry, type Hex, type KeySetRecord, type SeState } from './state.js';
import { StateTransaction } from './transaction.js';
import { contactlessAtr } from './atr.js';

export interface OpenElementOptions {
  /** The packages the element can run (default: DEFAULT_PACKAGES; the security domain package is always there). */
  readonly packages?: readonly AppletPackage[];
  /** Randomness for applications (default node:crypto). */
  readonly random?: (length: number) => Uint8Array;
  readonly logger?: CardLogger;
}

/** An application instance on one interface: it sees that interface in its context. */
class BoundApplet implements Applet {
  readonly aid: Uint8Array;
  readonly name: string;
  constructor(
    readonly inner: SeApplet,
    aid: Uint8Array,
    readonly iface: SeInterface,
  ) {
    this.aid = aid;
    this.name = inner.name;
  }
  select(ctx: AppletContext) {
    return this.inner.select({ ...ctx, iface: this.iface });
  }
  process(command: CommandApdu, ctx: AppletContext) {
    return this.inner.process(command, { ...ctx, iface: this.iface });
  }
  deselect(ctx: AppletContext) {
    return this.inner.deselect({ ...ctx, iface: this.iface });
  }
}

const LOCKED_OR_TERMINATED = (card: number) => card === CardLifeCycle.CARD_LOCKED || card === CardLifeCycle.TERMINATED;

/**
 * The GlobalPlatform secure element of the phone: one state document (registry, key sets, every
 * application's data) behind two interfaces, each a `CardPort` with its own power, channels 0..19 and
 * selections:
 *
 * - `contact`: what the phone's OS reaches (OMAPI): every selectable application, the ISD implicitly
 *   selected on the basic channel and for a SELECT without data.
 * - `contactless`: what an NFC reader reaches: only applications installed with contactless access
 *   (GP Amendment C 5.2); no implicit selection, so the ISD, every domain and the ARA-M answer '6A82'.
 *
 * Every APDU, whichever interface, is one transaction (transaction.ts), one at a time.
 */
export class SecureElement implements ElementCore {
  readonly tx: StateTransaction;
  readonly catalogue: Catalogue;
  readonly contact: CardPort;
  readonly contactless: CardPort;
  readonly #random: (length: number) => Uint8Array;
  readonly #keys = new Map<string, Scp03KeySet>();
  readonly #instances: Record<SeInterface, Map<string, Applet>> = { contact: new Map(), contactless: new Map() };
  readonly #runtimes: Record<SeInterface, CardRuntime>;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(store: CardStore<SeState>, state: SeState, options: OpenElementOptions) {
    this.catalogue = new Catalogue(options.packages);
    checkCatalogue(state, this.catalogue);
    this.tx = new StateTransaction(store, state);
    this.#random = options.random ?? ((n) => new Uint8Array(randomBytes(n)));
    const atr = Buffer.from(state.atr, 'hex');
    const runtime = (iface: SeInterface, atrBytes: Uint8Array) =>
      new CardRuntime({
        atr: atrBytes,
        directory: this.#directory(iface),
        logicalChannels: 20,
        ...(options.logger ? { logger: options.logger } : {}),
      });
    this.#runtimes = { contact: runtime('contact', new Uint8Array(atr)), contactless: runtime('contactless', contactlessAtr(HISTORICAL_BYTES)) };
    this.contact = this.#port('contact');
    this.contactless = this.#port('contactless');
  }

  /** Loads and checks an element from its store (`ERR_SE_STATE`, `ERR_SE_CATALOGUE`). */
  static async open(store: CardStore<SeState>, options: OpenElementOptions = {}): Promise<SecureElement> {
    return new SecureElement(store, parseSeState(await store.load()), options);
  }

  port(iface: SeInterface): CardPort {
    return iface === 'contact' ? this.contact : this.contactless;
  }

  /** The element's state as last saved. */
  get state(): SeState {
    return this.tx.committed;
  }

  random(length: number): Uint8Array {
    return this.#random(length);
  }

  keys(record: KeySetRecord): Scp03KeySet {
    const key = `${record.kvn}/${record.enc}/${record.mac}/${record.dek}`;
    let keys = this.#keys.get(key);
    if (!keys) {
      keys = scp03KeysOf(record);
      if (this.#keys.size > 64) this.#keys.clear();
      this.#keys.set(key, keys);
    }
    return keys;
  }

  selectedElsewhere(aid: Hex, except: { readonly iface: SeInterface; readonly channel: number }): boolean {
    for (const iface of ['contact', 'contactless'] as const) {
      const rt = this.#runtimes[iface];
      if (!rt.powered) continue;
      for (const ch of rt.openChannels) {
        if (iface === except.iface && ch === except.channel) continue;
        const a = rt.selectedOn(ch);
        if (a && toHex(a.aid) === aid) return true;
      }
    }
    return false;
  }

  instance(aid: Hex, iface: SeInterface): SeApplet | undefined {
    const entry = this.tx.state.registry.find((e): e is ApplicationEntry => e.kind === 'application' && e.aid === aid);
    if (!entry || entry.domain) return undefined;
    const a = this.#instance(entry, iface);
    return a instanceof BoundApplet ? a.inner : undefined;
  }

  /** The running instance of a registry entry on an interface, made on first use. */
  #instance(entry: ApplicationEntry, iface: SeInterface): Applet {
    const key = `${entry.aid}/${entry.serial}`;
    const cache = this.#instances[iface];
    let applet = cache.get(key);
    if (applet) return applet;
    if (entry.domain) {
      applet = new SecurityDomain(this, entry.aid, iface);
    } else {
      const module = this.catalogue.module(entry.loadFile!, entry.module!);
      if (!module) throw new SecureElementError('ERR_SE_CATALOGUE', `module ${entry.module} of ${entry.aid} is not in the catalogue`);
      applet = new BoundApplet(module.create(new ElementAppletHost(this, entry.aid)) as SeApplet, Buffer.from(entry.aid, 'hex'), iface);
    }
    cache.set(key, applet);
    return applet;
  }

  /** Forgets instances whose registry entry is gone (deleted, or never committed). */
  #prune(iface: SeInterface): void {
    const live = new Set(this.tx.state.registry.flatMap((e) => (e.kind === 'application' ? [`${e.aid}/${e.serial}`] : [])));
    for (const key of this.#instances[iface].keys()) if (!live.has(key)) this.#instances[iface].delete(key);
  }

  /**
   * What a SELECT by name may reach on an interface (GP Card Spec 6.4.2.1.2, Amendment C 5): entries
   * in registry order that are selectable (ISD always; others SELECTABLE or later, not LOCKED) and
   * available on the interface. In CARD_LOCKED and TERMINATED only the ISD (Final Application) on the
   * contact basic channel (9.6.3, 9.6.4), and neither MANAGE CHANNEL [open] nor a SELECT of another
   * application ('6A81', Table 11-63 and 11-84).
   */
  #directory(iface: SeInterface): AppletDirectory {
    const bit = iface === 'contact' ? InterfaceBit.CONTACT : InterfaceBit.CONTACTLESS;
    const isd = () => this.#instance(this.tx.state.registry[0] as ApplicationEntry, 'contact');
    return {
      candidates: (channel: number) => {
        const state = this.tx.state;
        this.#prune(iface);
        if (LOCKED_OR_TERMINATED(cardLifeCycle(state))) return iface === 'contact' && channel === 0 ? [isd()] : [];
        return state.registry
          .filter((e): e is ApplicationEntry => e.kind === 'application' && (e.interfaces & bit) !== 0 && (e.aid === ISD_HEX || isSelectableState(e.lifeCycle)))
          .map((e) => this.#instance(e, iface));
      },
      implicit: () => (iface === 'contact' ? isd() : undefined),
      guard: (command: CommandApdu, channel: number) => {
        if (!LOCKED_OR_TERMINATED(cardLifeCycle(this.tx.state))) return;
        const refuse = () => {
          throw new StatusWordError(SW.FUNCTION_NOT_SUPPORTED, 'CARD_LOCKED or TERMINATED');
        };
        if (command.ins === 0x70 && command.p1 === 0x00) refuse();
        if (command.ins === 0xa4) {
          if (channel !== 0) refuse();
          const name = toHex(command.data);
          if (name !== '' && !(ISD_HEX.startsWith(name) && command.data.length >= 5)) refuse();
        }
      },
    };
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Ends a command's transaction by its status word: '9000', '61xx', '62xx', '63xx' commit, others roll back. */
  async #settle(response: Uint8Array): Promise<Uint8Array> {
    const sw1 = response[response.length - 2]!;
    const sw = (sw1 << 8) | response[response.length - 1]!;
    const success = sw === SW.SUCCESS || sw1 === 0x61 || sw1 === 0x62 || sw1 === 0x63;
    if (!success) {
      this.tx.rollback();
      return response;
    }
    try {
      await this.tx.commit();
      return response;
    } catch {
      return Uint8Array.of(SW.MEMORY_FAILURE >>> 8, SW.MEMORY_FAILURE & 0xff);
    }
  }

  /** Before anything else after a failed save: the document is read back from the store. */
  async #recover(): Promise<boolean> {
    if (!this.tx.broken) return true;
    try {
      await this.tx.reload();
      for (const iface of ['contact', 'contactless'] as const) this.#prune(iface);
      return true;
    } catch {
      return false;
    }
  }

  #port(iface: SeInterface): CardPort {
    const rt = this.#runtimes[iface];
    const instances = () => [...this.#instances[iface].values()];
    const down = async () => {
      for (const a of instances()) await a.powerDown?.();
    };
    const up = async () => {
      await this.#recover();
      for (const a of instances()) await a.powerUp?.();
    };
    return {
      get atr() {
        return rt.atr;
      },
      get powered() {
        return rt.powered;
      },
      powerOn: () =>
        this.#serial(async () => {
          await down();
          const atr = await rt.powerOn();
          await up();
          await this.#settle(Uint8Array.of(0x90, 0x00));
          return atr;
        }),
      reset: () =>
        this.#serial(async () => {
          await down();
          const atr = await rt.reset();
          await up();
          await this.#settle(Uint8Array.of(0x90, 0x00));
          return atr;
        }),
      powerOff: () =>
        this.#serial(async () => {
          await down();
          await rt.powerOff();
          this.tx.rollback();
        }),
      transmit: (command: Uint8Array) =>
        this.#serial(async () => {
          if (rt.powered && !(await this.#recover())) return Uint8Array.of(SW.MEMORY_FAILURE >>> 8, SW.MEMORY_FAILURE & 0xff);
          const response = await rt.transmit(command);
          return this.#settle(response);
        }),
    };
  }
}

/**
 * Every load file in the registry must be a catalogue package with the same image, and every
 * application's module must be in it: the element runs what it loaded, not something else under
 * the same AID.
 */
function checkCatalogue(state: SeState, catalogue: Catalogue): void {
  for (const e of state.registry) {
    if (e.kind !== 'load-file') continue;
    const pkg = catalogue.find(e.aid);
    if (!pkg) throw new SecureElementError('ERR_SE_CATALOGUE', `load file ${e.aid} is not in the catalogue`);
    if (catalogue.imageHash(e.aid) !== e.hash) throw new SecureElementError('ERR_SE_CATALOGUE', `package ${e.aid} in the catalogue is not the one loaded (its image hash differs)`);
  }
}
