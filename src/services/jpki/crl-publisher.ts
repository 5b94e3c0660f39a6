import { fromHex } from '../../bytes/index.js';
import { writeCrl, type CrlEntry } from '../../pki/revocation/index.js';
import type { Database, Queryable } from '../../store/index.js';
import type { Authority } from './authority.js';
import type { StatusChange } from './change-feed.js';
import { nextCrlNumber, revokedPage, type Hierarchy } from './repository.js';

interface Published {
  readonly der: Uint8Array;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
}

export interface CrlPublisherOptions {
  readonly db: Database;
  readonly authority: Authority;
  readonly clock: () => Date;
  /** nextUpdate - thisUpdate; default 24 hours. A CRL is re-issued when half of it has passed. */
  readonly validityMs?: number;
  /** Waits until the change feed has read every commit (so a CRL reflects the caller's own writes). */
  readonly catchUp?: () => Promise<void>;
}

const PAGE = 5_000;

/**
 * A stored serial (upper-case hex of the content octets; the schema allows only hex digits) as bytes.
 * Buffer's decoder is used for speed on a million entries; it would drop an odd last digit silently,
 * so such a value goes to `fromHex`, which refuses it as before.
 */
function serialBytes(hex: string): Uint8Array {
  return hex.length % 2 === 0 ? Buffer.from(hex, 'hex') : fromHex(hex);
}

/** The whole length of the DER element at the start of `bytes` (tag, length octets and content). */
function derLength(bytes: Uint8Array): number {
  const first = bytes[1]!;
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  let length = 0;
  for (let i = 0; i < n; i++) length = length * 256 + bytes[2 + i]!;
  return 2 + n + length;
}

/** The entries page by page: one batch per page, so the writer awaits once a page, not once an entry. */
async function* revokedEntries(q: Queryable, hierarchy: Hierarchy, generation: number): AsyncIterable<readonly CrlEntry[]> {
  let after = '';
  for (;;) {
    const rows = await revokedPage(q, hierarchy, generation, after, PAGE);
    yield rows.map((r) => ({ serial: serialBytes(r.serial), revocationDate: new Date(r.revoked_at), reason: Number(r.reason) }));
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]!.serial;
  }
}

/**
 * A full CRL per CA generation (RFC 5280 5), re-issued when a status of that generation changes and
 * when half its validity has passed. Each issue takes the next cRLNumber and is written by the
 * streaming writer from pages of the database: both passes run in one write transaction, so they see
 * the same entries, and memory stays flat whatever the number of entries.
 */
export class CrlPublisher {
  readonly #db: Database;
  readonly #authority: Authority;
  readonly #clock: () => Date;
  readonly #validityMs: number;
  readonly #catchUp: () => Promise<void>;
  readonly #published = new Map<string, Published>();
  readonly #dirty = new Set<string>();
  readonly #building = new Map<string, Promise<Published>>();

  constructor(options: CrlPublisherOptions) {
    this.#db = options.db;
    this.#authority = options.authority;
    this.#clock = options.clock;
    this.#validityMs = options.validityMs ?? 24 * 3_600_000;
    this.#catchUp = options.catchUp ?? (async () => undefined);
  }

  /** Marks the CRLs the changes touch as out of date (issuance alone does not change a CRL). */
  changed(changes: readonly StatusChange[]): void {
    for (const c of changes) {
      if (c.action === 'certificate-issued') continue;
      if (c.hierarchy !== undefined && c.generation !== undefined) this.#dirty.add(`${c.hierarchy}/${c.generation}`);
      else for (const g of this.#authority.all()) this.#dirty.add(`${g.hierarchy}/${g.generation}`);
    }
  }

  /** The current CRL of a generation, issuing a new one first when it is out of date. */
  async current(hierarchy: Hierarchy, generation: number): Promise<Published> {
    this.#authority.get(hierarchy, generation);
    await this.#catchUp();
    const key = `${hierarchy}/${generation}`;
    const published = this.#published.get(key);
    const now = this.#clock().getTime();
    const halfLife = published ? published.thisUpdate.getTime() + this.#validityMs / 2 : 0;
    if (published && !this.#dirty.has(key) && now < halfLife) return published;
    let building = this.#building.get(key);
    if (!building) {
      this.#dirty.delete(key);
      building = this.#issue(hierarchy, generation).finally(() => this.#building.delete(key));
      this.#building.set(key, building);
    }
    const fresh = await building;
    this.#published.set(key, fresh);
    return fresh;
  }

  /**
   * The schedule: issues every generation's CRL that is out of date or past half its validity, so a
   * fresh CRL exists before the previous one's nextUpdate even when nobody asks.
   */
  async refreshAll(): Promise<void> {
    for (const g of this.#authority.all()) await this.current(g.hierarchy, g.generation);
  }

  async #issue(hierarchy: Hierarchy, generation: number): Promise<Published> {
    const g = this.#authority.get(hierarchy, generation);
    const thisUpdate = this.#clock();
    const nextUpdate = new Date(thisUpdate.getTime() + this.#validityMs);
    // The CRL is copied chunk by chunk into its final buffer, sized from the outer SEQUENCE header at
    // the start of the first chunk, and the writer reuses its one chunk buffer: a CRL of a million
    // entries (tens of megabytes) is held once, with no garbage (bench/crl.ts measures the peak).
    let der = new Uint8Array(0);
    let at = 0;
    await this.#db.transaction(async (tx) => {
      der = new Uint8Array(0);
      at = 0;
      const crlNumber = await nextCrlNumber(tx, hierarchy, generation);
      await writeCrl(
        {
          issuer: g.parsed.subject,
          thisUpdate,
          nextUpdate,
          crlNumber: BigInt(crlNumber),
          authorityKeyIdentifier: g.issuer.keyIdentifier,
          signer: g.signer,
          entries: () => revokedEntries(tx, hierarchy, generation),
        },
        (chunk) => {
          if (at === 0) der = new Uint8Array(derLength(chunk));
          der.set(chunk, at); // a RangeError if the chunks outgrow the header: the issue fails
          at += chunk.length;
        },
        { reuseChunks: true },
      );
    });
    if (at !== der.length) throw new RangeError(`the CRL is ${at} bytes, its header says ${der.length}`);
    return { der, thisUpdate, nextUpdate };
  }
}
