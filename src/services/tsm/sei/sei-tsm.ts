import { randomBytes } from 'node:crypto';
import type { ResponseApdu } from '../../../apdu/index.js';
import { bytesEqual, toHex } from '../../../bytes/index.js';
import { GP_TEST_KEY, type Scp03KeySet } from '../../../crypto/index.js';
import type { Database, Queryable } from '../../../store/index.js';
import { TsmError } from '../errors.js';
import { keySetToJson } from '../key-set-json.js';
import { Sealer, subKey } from '../sealing.js';
import { cleanupBegin, cleanupDelete, cleanupFinish, markReset } from './reset-cleanup.js';
import { checkResetProof, countDelivery, getResetNotice, insertResetNotice, type ResetNoticeRow } from './reset-notices.js';
import { identityFromCplc } from '../se-identity.js';
import { isdKeysAad, type SeiContext } from './context.js';
import { getElement, insertElement, listElements, type ElementRow, type KeyMode } from './elements.js';
import { nextKvn } from './isd-keys.js';
import { prepareBegin, prepareContent, prepareExtradite, prepareFinish, type Handover, type SeiRound } from './prepare.js';

export interface SeiTsmOptions {
  readonly db: Database;
  /** The SEI's master secret (32 bytes): ISD key derivation and sealing, each through its own HKDF label. */
  readonly masterSecret: Uint8Array;
  /**
   * Accept development elements (ISD keyed with the GlobalPlatform test key). Off by default: a
   * development element's keys are public, so anyone can manage it.
   */
  readonly acceptDevelopmentElements?: boolean;
  readonly random?: (length: number) => Uint8Array;
  readonly clock?: () => Date;
}

/** What the maker hands over with an element (GlobalPlatform: the SE issuer receives the ISD keys). */
export interface ElementRegistration {
  /** CPLC data, 42 bytes (GET DATA '9F7F'). */
  readonly cplc: Uint8Array;
  readonly profile: 'development' | 'production';
  /** The ISD key set the element was made with (production); none for a development element. */
  readonly isdKeys?: Scp03KeySet;
  /**
   * `derive` (default): the maker's keys are transport keys, replaced at the first session by keys
   * derived from the SEI's master secret; `keep`: the SEI keeps the maker's keys (sealed).
   */
  readonly keyPolicy?: 'derive' | 'keep';
  readonly model?: string;
  /** Who hands it over (a maker, an operator). */
  readonly maker: string;
}

export interface ElementView {
  readonly seId: string;
  readonly model: string;
  readonly profile: 'development' | 'production';
  readonly keyMode: KeyMode;
  readonly isdKvn: number;
  readonly state: ElementRow['state'];
  readonly apsdAid: string | null;
  readonly appCertificateHash: string | null;
  readonly registeredBy: string;
  readonly registeredAt: string;
}

function view(e: ElementRow): ElementView {
  return {
    seId: e.se_id,
    model: e.model,
    profile: e.profile,
    keyMode: e.key_mode,
    isdKvn: e.isd_kvn,
    state: e.state,
    apsdAid: e.apsd_aid,
    appCertificateHash: e.app_certificate_hash,
    registeredBy: e.registered_by,
    registeredAt: e.registered_at,
  };
}

/**
 * The secure-element issuer's TSM: the registry of secure elements and their ISD keys, and the ISD's
 * part of the preparation (flow 2). It holds no key of the SP-TSM: after preparation it hands the
 * APSD's initial keys over (`Handover`) and keeps no copy; the SP replaces them at once.
 */
export class SeiTsm {
  readonly #db: Database;
  readonly #ctx: SeiContext;
  readonly #development: boolean;

  constructor(options: SeiTsmOptions) {
    if (options.masterSecret.length !== 32) throw new TsmError('ERR_TSM_CONFIG', 'the SEI master secret is 32 bytes');
    const random = options.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
    this.#db = options.db;
    this.#development = options.acceptDevelopmentElements ?? false;
    this.#ctx = {
      sealer: new Sealer(options.masterSecret, 'sei', random),
      derivationKey: subKey(options.masterSecret, 'sei/isd-derivation'),
      random,
      clock: options.clock ?? (() => new Date()),
    };
  }

  get acceptsDevelopmentElements(): boolean {
    return this.#development;
  }

  /**
   * The maker → SEI hand-over of a new element: its identity (CPLC) and, for a production element, the
   * ISD keys it was made with. Refused: a CPLC already registered (`ERR_TSM_ELEMENT_EXISTS`), a
   * development element when not accepted (`ERR_TSM_DEVELOPMENT_ELEMENT`), keys missing or given for a
   * development element, or the GlobalPlatform test key passed off as production keys (`ERR_TSM_ISD_KEYS`).
   */
  async registerElement(r: ElementRegistration): Promise<ElementView> {
    const id = identityFromCplc(r.cplc);
    const now = this.#ctx.clock().toISOString();
    if (!/^[\x20-\x7e]{1,64}$/.test(r.maker)) throw new TsmError('ERR_TSM_REQUEST', 'the maker is 1..64 printable ASCII characters');
    const model = r.model ?? 'jpki-mobile emulated GP-SE';
    if (!/^[\x20-\x7e]{1,64}$/.test(model)) throw new TsmError('ERR_TSM_REQUEST', 'the model is 1..64 printable ASCII characters');
    let row: ElementRow;
    const base = { se_id: id.seId, cplc: toHex(id.cplc), model, state: 'registered' as const, apsd_aid: null, app_certificate_hash: null, registered_by: r.maker, registered_at: now, updated_at: now };
    if (r.profile === 'development') {
      if (!this.#development) throw new TsmError('ERR_TSM_DEVELOPMENT_ELEMENT', 'this SEI-TSM does not accept development elements (GlobalPlatform test keys)');
      if (r.isdKeys) throw new TsmError('ERR_TSM_ISD_KEYS', 'a development element uses the GlobalPlatform test key: hand over no keys');
      row = { ...base, profile: 'development', key_mode: 'development', isd_kvn: 0x30, isd_keys: null, derived_kvn: null };
    } else if (r.profile === 'production') {
      const keys = r.isdKeys;
      if (!keys) throw new TsmError('ERR_TSM_ISD_KEYS', 'a production element comes with its ISD keys');
      if (keys.kvn < 1 || keys.kvn > 0x7f || keys.enc.length !== 16) throw new TsmError('ERR_TSM_ISD_KEYS', 'ISD keys: KVN 01..7F and AES-128 keys');
      if ([keys.enc, keys.mac, keys.dek].some((k) => bytesEqual(k, GP_TEST_KEY))) throw new TsmError('ERR_TSM_ISD_KEYS', 'the GlobalPlatform test key is not a production key');
      const policy = r.keyPolicy ?? 'derive';
      if (policy !== 'derive' && policy !== 'keep') throw new TsmError('ERR_TSM_REQUEST', 'keyPolicy is derive or keep');
      const sealed = this.#ctx.sealer.sealJson(keySetToJson(keys), isdKeysAad(id.seId));
      row =
        policy === 'derive'
          ? { ...base, profile: 'production', key_mode: 'transport', isd_kvn: keys.kvn, isd_keys: sealed, derived_kvn: nextKvn(keys.kvn) }
          : { ...base, profile: 'production', key_mode: 'issuer', isd_kvn: keys.kvn, isd_keys: sealed, derived_kvn: null };
    } else {
      throw new TsmError('ERR_TSM_REQUEST', 'profile is development or production');
    }
    await this.#db.transaction(async (tx) => {
      if (await getElement(tx, id.seId)) throw new TsmError('ERR_TSM_ELEMENT_EXISTS', `secure element ${id.seId} is registered already`);
      await insertElement(tx, row);
    });
    return view(row);
  }

  async element(seId: string, q: Queryable = this.#db): Promise<ElementView | undefined> {
    const e = await getElement(q, seId);
    return e && view(e);
  }

  async elements(): Promise<ElementView[]> {
    return (await listElements(this.#db)).map(view);
  }

  // The preparation script (prepare.ts), run by the relay inside its transaction `q`.

  prepareBegin(q: Queryable, sessionId: string, seId: string, appCertificateHash: string): Promise<SeiRound> {
    return prepareBegin(this.#ctx, q, sessionId, seId, appCertificateHash);
  }

  prepareContent(q: Queryable, sessionId: string, state: Uint8Array, seId: string, responses: readonly ResponseApdu[]) {
    return prepareContent(this.#ctx, q, sessionId, state, seId, responses);
  }

  prepareExtradite(q: Queryable, sessionId: string, state: Uint8Array, seId: string, responses: readonly ResponseApdu[]): ReturnType<typeof prepareExtradite> {
    return prepareExtradite(this.#ctx, q, sessionId, state, seId, responses);
  }

  prepareFinish(q: Queryable, sessionId: string, state: Uint8Array, seId: string, responses: readonly ResponseApdu[]) {
    return prepareFinish(this.#ctx, q, sessionId, state, seId, responses);
  }

  // Factory reset (reset-cleanup.ts).

  markReset(q: Queryable, seId: string): Promise<void> {
    return markReset(this.#ctx, q, seId);
  }

  // The factory-reset notice (reset-notices.ts, ../reset-notice.ts).

  /** The element a notice names, once its proof (the ISD's card cryptogram over the notice's hash) verifies. */
  async checkResetProof(q: Queryable, cplc: Uint8Array, hostChallenge: Uint8Array, proof: Uint8Array): Promise<ElementView> {
    return view(await checkResetProof(this.#ctx, q, cplc, hostChallenge, proof));
  }

  resetNotice(q: Queryable, noticeId: string): Promise<ResetNoticeRow | undefined> {
    return getResetNotice(q, noticeId);
  }

  recordResetNotice(q: Queryable, row: ResetNoticeRow): Promise<void> {
    return insertResetNotice(q, row);
  }

  countNoticeDelivery(q: Queryable, noticeId: string): Promise<void> {
    return countDelivery(q, noticeId, this.#ctx.clock().toISOString());
  }

  cleanupBegin(q: Queryable, sessionId: string, seId: string) {
    return cleanupBegin(this.#ctx, q, sessionId, seId);
  }

  cleanupDelete(q: Queryable, sessionId: string, state: Uint8Array, seId: string, responses: readonly ResponseApdu[]) {
    return cleanupDelete(this.#ctx, q, sessionId, state, seId, responses);
  }

  cleanupFinish(q: Queryable, sessionId: string, state: Uint8Array, seId: string, responses: readonly ResponseApdu[]) {
    return cleanupFinish(this.#ctx, q, sessionId, state, seId, responses);
  }
}

export type { Handover, ResetNoticeRow };
