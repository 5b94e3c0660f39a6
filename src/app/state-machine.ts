import { AppError } from './errors.js';

/**
 * A flow as an explicit state machine (style rule 11): a closed set of states, a closed set of events,
 * and a table of the transitions allowed. An event the current state does not allow is a typed error
 * (`ERR_APP_ILLEGAL_TRANSITION`), never a silent step. Every transition is reported to `onChange`
 * (the app persists the flow's state there), and `history` keeps the path for display and tests.
 */
export type TransitionTable<S extends string, E extends string> = Readonly<Record<S, Partial<Readonly<Record<E, S>>>>>;

export class FlowMachine<S extends string, E extends string> {
  readonly flow: string;
  readonly #table: TransitionTable<S, E>;
  readonly #onChange: ((flow: string, state: S) => void | Promise<void>) | undefined;
  #state: S;
  readonly history: S[];

  constructor(flow: string, table: TransitionTable<S, E>, initial: S, onChange?: (flow: string, state: S) => void | Promise<void>) {
    this.flow = flow;
    this.#table = table;
    this.#state = initial;
    this.#onChange = onChange;
    this.history = [initial];
  }

  get state(): S {
    return this.#state;
  }

  /** Whether `event` is allowed now. */
  can(event: E): boolean {
    return this.#table[this.#state][event] !== undefined;
  }

  /** Takes the transition for `event`, or throws `ERR_APP_ILLEGAL_TRANSITION`. */
  async fire(event: E): Promise<S> {
    const next = this.#table[this.#state][event];
    if (next === undefined) {
      throw new AppError('ERR_APP_ILLEGAL_TRANSITION', `${this.flow}: '${event}' is not possible while ${this.#state}`);
    }
    this.#state = next;
    this.history.push(next);
    await this.#onChange?.(this.flow, next);
    return next;
  }
}
