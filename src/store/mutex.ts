/**
 * A first-come, first-served async mutex. better-sqlite3 is synchronous but a transaction here spans
 * awaits, so every use of the one connection takes this lock: no statement of another caller can run
 * inside someone's open transaction.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  /** Runs fn once every earlier holder has finished, holding the lock until fn settles. */
  async run<T>(fn: () => Promise<T> | T): Promise<T> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => (release = resolve));
    const previous = this.tail;
    this.tail = previous.then(() => next);
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
