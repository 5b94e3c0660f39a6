import { auditHead, readAuditSince, type Queryable } from '../../store/index.js';

/** A certificate whose status may have changed (issued, revoked, held, released). */
export interface StatusChange {
  readonly serial: string;
  /** The audit action (absent for a local notification, which only says "changed"). */
  readonly action?: string;
  readonly hierarchy?: string;
  readonly generation?: number;
}

const STATUS_ACTIONS = new Set(['certificate-issued', 'certificate-revoked', 'certificate-held', 'certificate-released']);
/** Changes to the CA generations themselves: a new generation (`ca rotate`), a renewed responder certificate. */
const AUTHORITY_ACTIONS = new Set(['ca-generation-created', 'ocsp-responder-renewed']);

/**
 * Tells OCSP and CRL caches which certificates changed, whichever process committed the change. The
 * audit log is written under the global write lock, so its sequence numbers are in commit order and it
 * serves as the change feed: the feed polls it (every 250 ms by default) and also forwards the changes
 * this process commits at once (`notify`), so a revocation is visible within a second everywhere.
 */
export class ChangeFeed {
  readonly #db: Queryable;
  readonly #intervalMs: number;
  readonly #listeners: ((changes: readonly StatusChange[]) => void)[] = [];
  readonly #authorityListeners: (() => Promise<void>)[] = [];
  #last = 0;
  #timer: NodeJS.Timeout | undefined;
  #polling = false;
  #chain: Promise<void> = Promise.resolve();
  #onError: (err: unknown) => void;

  constructor(db: Queryable, options: { intervalMs?: number; onError?: (err: unknown) => void } = {}) {
    this.#db = db;
    this.#intervalMs = options.intervalMs ?? 250;
    this.#onError = options.onError ?? (() => undefined);
  }

  /** The audit sequence number the feed has read up to. */
  get position(): number {
    return this.#last;
  }

  subscribe(listener: (changes: readonly StatusChange[]) => void): void {
    this.#listeners.push(listener);
  }

  /** Called (and awaited) when the feed reads a change to the CA generations made by any process. */
  onAuthorityChange(listener: () => Promise<void>): void {
    this.#authorityListeners.push(listener);
  }

  notify(serials: readonly string[]): void {
    if (serials.length > 0) this.#emit(serials.map((serial) => ({ serial })));
  }

  #emit(changes: readonly StatusChange[]): void {
    for (const l of this.#listeners) l(changes);
  }

  async start(): Promise<void> {
    this.#last = (await auditHead(this.#db))?.seq ?? 0;
    // The timer skips a tick while a poll runs; explicit calls queue (see poll).
    this.#timer = setInterval(() => void (this.#polling ? undefined : this.poll()), this.#intervalMs);
    this.#timer.unref();
  }

  /**
   * Reads what was committed since the last poll (also callable directly: the CRL publisher's catch-up,
   * tests). Calls run one after the other, each a whole poll: a caller that needs what was committed
   * before it called never gets the result of a poll that started earlier and read less.
   */
  poll(): Promise<void> {
    const run = this.#chain.then(() => this.#pollOnce());
    this.#chain = run;
    return run;
  }

  async #pollOnce(): Promise<void> {
    this.#polling = true;
    try {
      for (;;) {
        const entries = await readAuditSince(this.#db, this.#last, 500);
        if (entries.length === 0) break;
        // A failed reload throws before the position moves: the next poll reads these entries again.
        if (entries.some((e) => AUTHORITY_ACTIONS.has(e.action))) for (const l of this.#authorityListeners) await l();
        this.#last = entries[entries.length - 1]!.seq;
        const changes: StatusChange[] = [];
        for (const e of entries) {
          if (!STATUS_ACTIONS.has(e.action)) continue;
          const p = e.payload as { serial?: string; hierarchy?: string; generation?: number };
          if (typeof p.serial === 'string') changes.push({ serial: p.serial, action: e.action, ...(p.hierarchy ? { hierarchy: p.hierarchy } : {}), ...(p.generation ? { generation: p.generation } : {}) });
        }
        if (changes.length > 0) this.#emit(changes);
        if (entries.length < 500) break;
      }
    } catch (err) {
      this.#onError(err);
    } finally {
      this.#polling = false;
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
