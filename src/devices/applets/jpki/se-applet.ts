import type { KeyObject } from 'node:crypto';
import { SW, throwSw, type CommandApdu } from '../../../apdu/index.js';
import { concat, fromHex } from '../../../bytes/index.js';
import type { SeApplet, SeAppletContext, SeAppletHost } from '../../secure-element/contract.js';
import { parseAppletData, privateKeyFromPkcs8, type JpkiAppletData, type JpkiAppletDraft } from './applet-data.js';
import { EF, KEY_CERTIFICATE, KEY_FIDS, KEY_PIN, PIN_FIDS, TOKEN_LABEL_GP_SE, type BinaryFid, type KeyFid } from './constants.js';
import { JpkiAp } from './jpki-ap.js';
import { executeManagement } from './management.js';
import { INS_STORE_DATA } from './management-format.js';
import { DEFAULT_SCRYPT_COST, type ScryptCost } from './secret.js';
import type { JpkiStorage, KeySlot } from './storage.js';
import { StoreDataSequence } from './store-data.js';
import { tokenInfo } from './token-info.js';

/** GP Card Spec 11.1.1: the states this applet moves itself to (b8 clear, b2b1 = 11: application specific). */
export const LIFE_CYCLE = {
  /** As installed; never personalised. */
  SELECTABLE: 0x07,
  /** At least one key EF is usable: key, its certificate and CA certificate, its PIN set. */
  PERSONALIZED: 0x0f,
  /** Was personalised, holds no usable key now (wiped, revoked, or being issued again). */
  EMPTY: 0x17,
} as const;

export interface JpkiSeAppletOptions {
  /** scrypt cost of the PIN records (default N = 16384, r = 8, p = 1). */
  readonly kdf?: ScryptCost;
}

/**
 * The JPKI applet of the secure element (スマホ用電子証明書): the JPKI-AP user interface over the
 * element's data for the instance, and the management interface the SP-TSM reaches through the
 * applet's security domain (`personalize`, STORE DATA; management-format.ts).
 *
 * - `process` is the card's user interface (`JpkiAp`) with the phone's quirk: EF 000A readable only
 *   after the PIN (jpki-ap.md 3.4). It knows no management command: STORE DATA there is '6D00'.
 * - `personalize` gets the STORE DATA blocks the security domain forwards after INSTALL [for
 *   personalization], already unwrapped by its secure channel. No other path leads to it.
 *
 * Persistence: every change goes through `host.update`; VERIFY's decremented counter is committed
 * (`host.commit`) before the value is compared. EF 0006 (label `JPKIAPGPSETOKEN`) and EF 0008 are derived.
 */
export class JpkiSeApplet implements SeApplet {
  readonly aid: Uint8Array;
  readonly name = 'JPKI applet';
  readonly #host: SeAppletHost<JpkiAppletData>;
  readonly #kdf: ScryptCost;
  readonly #ap: JpkiAp;
  readonly #sequence = new StoreDataSequence();
  /**
   * Parsed keys and certificates by EF, with the hex they were parsed from: a cache entry counts only
   * while the data still holds the same hex (a rolled-back transaction just misses it).
   */
  readonly #keys = new Map<KeyFid, { readonly hex: string; readonly key: KeyObject }>();
  readonly #certificates = new Map<BinaryFid, { readonly hex: string; readonly der: Uint8Array }>();
  /** The keys and PIN values this instance last saw (see `#secretsChanged`). */
  #secrets: readonly (string | undefined)[];

  constructor(host: SeAppletHost<JpkiAppletData>, options: JpkiSeAppletOptions = {}) {
    parseAppletData(host.data);
    this.aid = host.aid;
    this.#host = host;
    this.#kdf = options.kdf ?? DEFAULT_SCRYPT_COST;
    const storage: JpkiStorage = {
      binary: (fid) => this.#binary(fid),
      key: (fid) => this.#keySlot(fid),
      pin: (fid) => this.#host.data.pins[fid],
      writePin: async (fid, record) => {
        this.#host.update((d) => {
          (d as JpkiAppletDraft).pins[fid] = record;
        });
        await this.#host.commit();
      },
    };
    this.#ap = new JpkiAp(storage, { authCertificateNeedsPin: true, random: (n) => host.random(n) });
    this.#secrets = this.#secretsNow();
  }

  /**
   * The element gives each interface its own instance over the same data, so a management command
   * or a PIN change made through one interface is not seen by the other's security state. What
   * identifies them is in the data: each key's PKCS#8 (or its revocation) and each PIN record's salt
   * and hash (a new salt with every value set). A verification made against other values is void.
   */
  #secretsNow(): (string | undefined)[] {
    const { keys, pins } = this.#host.data;
    return [
      ...KEY_FIDS.map((fid) => {
        const entry = keys[fid];
        return entry === undefined ? undefined : 'pkcs8' in entry ? entry.pkcs8 : 'revoked';
      }),
      ...PIN_FIDS.flatMap((fid) => [pins[fid]?.salt, pins[fid]?.hash]),
    ];
  }

  /** Forgets every verification when the keys or PINs changed since this instance last ran a command. */
  #followSecrets(): void {
    const now = this.#secretsNow();
    if (now.some((v, i) => v !== this.#secrets[i])) this.#ap.resetSecurity();
    this.#secrets = now;
  }

  select(ctx: SeAppletContext): void {
    this.#ap.select(ctx);
  }

  deselect(ctx: SeAppletContext): void {
    this.#ap.deselect(ctx);
  }

  powerDown(): void {
    this.#ap.powerDown();
    this.#sequence.abort();
  }

  async process(cmd: CommandApdu, ctx: SeAppletContext): Promise<Uint8Array | undefined> {
    this.#followSecrets();
    try {
      return await this.#ap.process(cmd, ctx);
    } finally {
      // Its own changes (CHANGE REFERENCE DATA) do not void the verification that allowed them.
      this.#secrets = this.#secretsNow();
    }
  }

  /**
   * One STORE DATA block from the security domain: its data objects are carried out in order and
   * their responses concatenated. A refusal ends the sequence; the element then discards every change
   * of the block (earlier blocks stay done). Afterwards the life cycle follows what the data holds,
   * and every verification of the user interface is forgotten.
   */
  async personalize(cmd: CommandApdu): Promise<Uint8Array> {
    if (cmd.ins !== INS_STORE_DATA) throwSw(SW.INS_NOT_SUPPORTED);
    const { objects } = this.#sequence.accept(cmd);
    const responses: Uint8Array[] = [];
    try {
      for (const object of objects) {
        const response = await executeManagement(object, { host: this.#host, kdf: this.#kdf, privateKey: (fid) => this.#privateKey(fid) });
        if (response) responses.push(response);
      }
    } catch (err) {
      this.#sequence.abort();
      throw err;
    }
    this.#ap.resetSecurity();
    this.#secrets = this.#secretsNow();
    this.#forgetStale();
    this.#followLifeCycle();
    return concat(...responses);
  }

  /** '0F' with a usable key, else '17' once personalised (SELECTABLE is left for good: GP Card Spec 11.1.1, `SeAppletHost.setLifeCycle`). */
  #followLifeCycle(): void {
    const current = this.#host.lifeCycle;
    if ((current & 0x87) !== 0x07) return; // not application specific (INSTALLED, LOCKED): the element's business
    const data = this.#host.data;
    const usable = KEY_FIDS.some((fid) => {
      const entry = data.keys[fid];
      const files = KEY_CERTIFICATE[fid];
      return entry !== undefined && 'pkcs8' in entry && data.certificates[files.certificate] !== undefined && data.certificates[files.ca] !== undefined && data.pins[KEY_PIN[fid]] !== undefined;
    });
    const target = usable ? LIFE_CYCLE.PERSONALIZED : current === LIFE_CYCLE.SELECTABLE ? LIFE_CYCLE.SELECTABLE : LIFE_CYCLE.EMPTY;
    if (target !== current) this.#host.setLifeCycle(target);
  }

  #privateKey(fid: KeyFid): KeyObject | undefined {
    const entry = this.#host.data.keys[fid];
    if (entry === undefined || !('pkcs8' in entry)) return undefined;
    const cached = this.#keys.get(fid);
    if (cached?.hex === entry.pkcs8) return cached.key;
    const key = privateKeyFromPkcs8(entry.pkcs8);
    this.#keys.set(fid, { hex: entry.pkcs8, key });
    return key;
  }

  /** Drops parsed keys the data no longer holds (revoked, wiped, replaced), so no copy outlives its key EF. */
  #forgetStale(): void {
    for (const [fid, cached] of this.#keys) {
      const entry = this.#host.data.keys[fid];
      if (entry === undefined || !('pkcs8' in entry) || entry.pkcs8 !== cached.hex) this.#keys.delete(fid);
    }
  }

  #keySlot(fid: KeyFid): KeySlot {
    const entry = this.#host.data.keys[fid];
    if (entry === undefined) return { state: 'absent' };
    if ('revoked' in entry) return { state: 'revoked' };
    return { state: 'ready', key: this.#privateKey(fid)! };
  }

  #binary(fid: BinaryFid): Uint8Array | undefined {
    const data = this.#host.data;
    if (fid === EF.TOKEN_INFO) return tokenInfo({ label: TOKEN_LABEL_GP_SE, serialNumber: data.serial ?? '', model: 'emulated GP-SE' });
    if (fid === EF.AVAILABILITY) {
      // jpki-ap.md 1.1: '8F' per usable certificate (signature first), '00' otherwise.
      const usable = (key: KeyFid) => data.certificates[KEY_CERTIFICATE[key].certificate] !== undefined && this.#keySlot(key).state === 'ready';
      return Uint8Array.of(usable(EF.SIGN_KEY) ? 0x8f : 0x00, usable(EF.AUTH_KEY) ? 0x8f : 0x00, 0x00);
    }
    const hex = data.certificates[fid];
    if (hex === undefined) return undefined;
    const cached = this.#certificates.get(fid);
    if (cached?.hex === hex) return cached.der;
    const der = fromHex(hex);
    this.#certificates.set(fid, { hex, der });
    return der;
  }
}
