import type { KeyObject } from 'node:crypto';
import type { CommandApdu } from '../../apdu/index.js';
import { fromHex } from '../../bytes/index.js';
import type { Applet, AppletContext, CardStore } from '../../card/index.js';
import { JpkiAp, type JpkiApOptions } from '../applets/jpki/jpki-ap.js';
import type { KeySlot } from '../applets/jpki/storage.js';
import { BINARY_FIDS, EF, JPKI_AID, type BinaryFid, type KeyFid } from '../applets/jpki/constants.js';
import { privateKeyOf, type IdCardState } from './state.js';

export type JpkiAppletOptions = Pick<JpkiApOptions, 'authCertificateNeedsPin'>;

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

/**
 * The JPKI-AP of the Individual Number Card (jpki-ap.md 1, 2, 7): the shared JPKI-AP user interface
 * (`JpkiAp`, src/devices/applets/jpki) over the card document. Every EF is personalised by the office,
 * so the card always has all ten; only PIN records change, each change applied to a copy of the
 * document, saved (durably), and only then made current.
 */
export class JpkiApplet implements Applet {
  readonly aid = JPKI_AID;
  readonly name = 'JPKI-AP';
  #state: IdCardState;
  readonly #store: CardStore<IdCardState>;
  readonly #ap: JpkiAp;
  readonly #keys: Readonly<Record<KeyFid, KeySlot>>;
  readonly #binary = new Map<BinaryFid, Uint8Array>();

  constructor(state: IdCardState, store: CardStore<IdCardState>, options: JpkiAppletOptions = {}) {
    this.#state = state;
    this.#store = store;
    const files = state.jpki.files;
    const ready = (key: KeyObject): KeySlot => ({ state: 'ready', key });
    this.#keys = { [EF.AUTH_KEY]: ready(privateKeyOf(files[EF.AUTH_KEY])), [EF.SIGN_KEY]: ready(privateKeyOf(files[EF.SIGN_KEY])) };
    for (const fid of BINARY_FIDS) this.#binary.set(fid, fromHex(files[fid]));
    this.#ap = new JpkiAp(
      {
        binary: (fid) => this.#binary.get(fid),
        key: (fid) => this.#keys[fid],
        pin: (fid) => this.#state.jpki.files[fid],
        writePin: (fid, record) => this.#commit((s) => (s.jpki.files[fid] = record)),
      },
      options.authCertificateNeedsPin === undefined ? {} : { authCertificateNeedsPin: options.authCertificateNeedsPin },
    );
  }

  /** The state as last saved. */
  get state(): IdCardState {
    return this.#state;
  }

  select(ctx: AppletContext): void {
    this.#ap.select(ctx);
  }

  deselect(ctx: AppletContext): void {
    this.#ap.deselect(ctx);
  }

  powerDown(): void {
    this.#ap.powerDown();
  }

  process(cmd: CommandApdu, ctx: AppletContext): Promise<Uint8Array | undefined> {
    return this.#ap.process(cmd, ctx);
  }

  /** Applies a change to a copy of the state, saves it (durably), and only then makes it current. */
  async #commit(change: (s: Mutable<IdCardState>) => void): Promise<void> {
    const next = structuredClone(this.#state) as Mutable<IdCardState>;
    change(next);
    await this.#store.save(next);
    this.#state = next;
  }
}
