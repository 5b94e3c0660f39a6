import { PushError } from './errors.js';

/**
 * The long-polls waiting in this process, by device: a send committed here wakes its device's polls at
 * once (`wake`), and the message feed wakes them for sends committed by other processes. Bounded: at
 * most `perDevice` polls per device (a further one releases the oldest, which answers empty: a phone
 * that reconnects must not be locked out by its own half-dead connection) and `total` in all (a further
 * one is refused with `ERR_PUSH_OVERLOADED`).
 */
export class Waiter {
  readonly deviceId: string;
  #signalled = false;
  #released = false;
  #resolve: (() => void) | undefined;

  constructor(deviceId: string) {
    this.deviceId = deviceId;
  }

  /** True once the poll must end empty (evicted by a newer poll, the device reset, the service closing). */
  get released(): boolean {
    return this.#released;
  }

  /** Forgets earlier wake-ups: called just before the store is read, so none is lost. */
  clear(): void {
    this.#signalled = false;
  }

  signal(): void {
    this.#signalled = true;
    this.#fire();
  }

  release(): void {
    this.#released = true;
    this.#fire();
  }

  #fire(): void {
    const resolve = this.#resolve;
    this.#resolve = undefined;
    resolve?.();
  }

  /** Resolves on a wake-up since the last `clear`, a release, an abort, or after `ms`. */
  next(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.#signalled || this.#released || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.#resolve = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.#resolve = done;
    });
  }
}

export class Waiters {
  readonly #byDevice = new Map<string, Waiter[]>();
  #count = 0;
  #closed = false;

  constructor(private readonly limits: { readonly perDevice: number; readonly total: number }) {}

  /** How many polls are waiting in this process. */
  get size(): number {
    return this.#count;
  }

  has(deviceId: string): boolean {
    return this.#byDevice.has(deviceId);
  }

  /** Throws what `add` would throw now (closed, overloaded), so a refused poll can be refused before it writes anything. */
  admit(deviceId: string): void {
    if (this.#closed) throw new PushError('ERR_PUSH_CLOSED', 'the push service is shutting down');
    const full = (this.#byDevice.get(deviceId)?.length ?? 0) >= this.limits.perDevice;
    if (!full && this.#count >= this.limits.total) throw new PushError('ERR_PUSH_OVERLOADED', `${this.limits.total} devices are waiting already; retry later`);
  }

  add(deviceId: string): Waiter {
    this.admit(deviceId);
    const list = this.#byDevice.get(deviceId) ?? [];
    if (list.length >= this.limits.perDevice) {
      list.shift()!.release();
      this.#count--;
    }
    const w = new Waiter(deviceId);
    list.push(w);
    this.#byDevice.set(deviceId, list);
    this.#count++;
    return w;
  }

  remove(w: Waiter): void {
    const list = this.#byDevice.get(w.deviceId);
    const i = list?.indexOf(w) ?? -1;
    if (i < 0) return;
    list!.splice(i, 1);
    this.#count--;
    if (list!.length === 0) this.#byDevice.delete(w.deviceId);
  }

  wake(deviceIds: readonly string[]): void {
    for (const id of deviceIds) for (const w of this.#byDevice.get(id) ?? []) w.signal();
  }

  release(deviceIds: readonly string[]): void {
    for (const id of deviceIds) for (const w of [...(this.#byDevice.get(id) ?? [])]) w.release();
  }

  /** Releases every poll and refuses new ones. */
  close(): void {
    this.#closed = true;
    for (const list of this.#byDevice.values()) for (const w of list) w.release();
  }
}
