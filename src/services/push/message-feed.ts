import type { Queryable } from '../../store/index.js';
import { lastSeq, messagesAfter } from './message-store.js';

/**
 * Wakes the long-polls of this process for messages other processes committed (a send committed here
 * wakes them directly). Messages get their `seq` under the database-wide write lock, so `seq` runs in
 * commit order and "every row after the last one read" never misses a commit. One query per interval
 * per process, whatever the number of waiting devices: the fallback re-check is bounded by design.
 */
export class MessageFeed {
  readonly #db: Queryable;
  readonly #intervalMs: number;
  readonly #wake: (deviceIds: readonly string[]) => void;
  readonly #onError: (err: unknown) => void;
  #position = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(db: Queryable, options: { intervalMs: number; wake: (deviceIds: readonly string[]) => void; onError: (err: unknown) => void }) {
    this.#db = db;
    this.#intervalMs = options.intervalMs;
    this.#wake = options.wake;
    this.#onError = options.onError;
  }

  async start(): Promise<void> {
    this.#position = await lastSeq(this.#db);
    this.#timer = setInterval(() => void this.poll(), this.#intervalMs);
    this.#timer.unref();
  }

  /** Reads what was committed since the last poll and wakes the devices concerned (callable directly). */
  poll(): Promise<void> {
    this.#running ??= this.#read().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #read(): Promise<void> {
    try {
      for (;;) {
        const rows = await messagesAfter(this.#db, this.#position, 1000);
        if (rows.length === 0) return;
        this.#position = Number(rows[rows.length - 1]!.seq);
        this.#wake([...new Set(rows.map((r) => r.device_id))]);
        if (rows.length < 1000) return;
      }
    } catch (err) {
      this.#onError(err);
    }
  }

  /** Stops the timer and waits for a read in progress (so the database can be closed after). */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
