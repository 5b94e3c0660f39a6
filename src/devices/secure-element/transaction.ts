import { SW, StatusWordError } from '../../apdu/index.js';
import type { CardStore } from '../../card/index.js';
import type { Draft } from './registry.js';
import { parseSeState, type SeState } from './state.js';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * The element's non-volatile memory with transactions (GP Card Spec 9.5's "at least the updates to
 * the Registry shall complete", and the project's rule that one APDU is one transaction):
 *
 * - the last saved document (`committed`) is deeply frozen, so nothing can change it by accident;
 * - `change` applies a change to a draft, a copy made at the first change of the command;
 * - `commit` saves the draft through the store (FileCardStore: temp file, fsync, rename, fsync of the
 *   directory) and makes it the committed document; `rollback` drops it;
 * - a save that fails leaves the transaction `broken`: the document on disk may be the old one or the
 *   new one, so the element reloads it from the store before it answers anything else.
 *
 * A command that ends with '9000', '61xx', '62xx' or '63xx' is committed by the element; any other
 * status word rolls back. `commit` during a command (SeAppletHost.commit, the sequence counter) saves
 * what was changed so far, so that it survives whatever happens next.
 */
export class StateTransaction {
  readonly #store: CardStore<SeState>;
  #committed: SeState;
  #draft: Draft<SeState> | undefined;
  #broken = false;
  /** How many saves completed (tests and tracing). */
  saves = 0;

  constructor(store: CardStore<SeState>, initial: SeState) {
    this.#store = store;
    this.#committed = deepFreeze(structuredClone(initial));
  }

  /** The document as the current command sees it: its own changes, or the last saved state. */
  get state(): SeState {
    return (this.#draft as SeState | undefined) ?? this.#committed;
  }

  /** The last saved document. */
  get committed(): SeState {
    return this.#committed;
  }

  /** Whether the current command changed anything not yet saved. */
  get pending(): boolean {
    return this.#draft !== undefined;
  }

  get broken(): boolean {
    return this.#broken;
  }

  /** Applies `fn` to the draft (made on first use) and returns what it returns. */
  change<T>(fn: (draft: Draft<SeState>) => T): T {
    this.#draft ??= structuredClone(this.#committed) as Draft<SeState>;
    return fn(this.#draft);
  }

  /**
   * Saves the draft, if there is one, and awaits durability. A failed save answers '6581' (memory
   * failure, GP Card Spec Table 11-55) and breaks the transaction until `reload`.
   */
  async commit(): Promise<void> {
    if (this.#draft === undefined) return;
    const next = this.#draft as SeState;
    try {
      await this.#store.save(next);
    } catch (err) {
      this.#draft = undefined;
      this.#broken = true;
      throw new StatusWordError(SW.MEMORY_FAILURE, 'the element state could not be saved', { cause: err });
    }
    this.saves++;
    this.#committed = deepFreeze(next);
    this.#draft = undefined;
  }

  rollback(): void {
    this.#draft = undefined;
  }

  /** Reads the document back from the store (after a failed save) and clears `broken`. */
  async reload(): Promise<void> {
    const doc = parseSeState(await this.#store.load());
    this.#committed = deepFreeze(doc);
    this.#draft = undefined;
    this.#broken = false;
  }
}
