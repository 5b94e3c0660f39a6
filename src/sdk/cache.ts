/**
 * A bounded map whose entries expire: what the status checker keeps OCSP answers and CRLs in. Least
 * recently used entries go first when it is full; an expired entry is never returned. Time is given
 * by the caller (the relying party's clock), so tests move it.
 */
export class ExpiringCache<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(readonly maxEntries: number) {}

  get(key: string, now: number): V | undefined {
    const hit = this.#entries.get(key);
    if (hit === undefined) return undefined;
    if (hit.expiresAt <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, hit);
    return hit.value;
  }

  set(key: string, value: V, expiresAt: number, now: number): void {
    if (this.maxEntries <= 0 || expiresAt <= now) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt });
    while (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** Runs one `load` per key at a time: concurrent callers for the same key share its promise. */
export class SingleFlight<V> {
  readonly #pending = new Map<string, Promise<V>>();

  run(key: string, load: () => Promise<V>): Promise<V> {
    const running = this.#pending.get(key);
    if (running !== undefined) return running;
    const p = load().finally(() => this.#pending.delete(key));
    this.#pending.set(key, p);
    return p;
  }
}
