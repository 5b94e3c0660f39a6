import { toHex } from '../../bytes/index.js';
import { JpkiMobileError } from '../../errors/index.js';
import { PhoneError } from './errors.js';
import type { FetchLike } from './network.js';
import type { SEService } from './omapi/se-service.js';
import type { PendingResetNotice, PhoneState, ResetNotice } from './state.js';

/**
 * What a factory-reset handler gets (flows.md 10). The handler is part of the OS image (the SE agent
 * that the app/TSM layer provides), so it survives the reset it reports.
 */
export interface FactoryResetContext {
  readonly notice: ResetNotice;
  /** `reset`: during the reset, before the wipe; `pending`: a later delivery, the phone already wiped. */
  readonly phase: 'reset' | 'pending';
  /** The phone's network at this moment (it fails with `ERR_PHONE_OFFLINE` when offline). */
  readonly online: boolean;
  readonly fetch: FetchLike;
  /** A privileged OMAPI service for the handler's use (e.g. relaying a TSM's SCP03 script to the ISD); shut down when the handler returns. */
  readonly seService: SEService;
}

/**
 * A party to tell about a factory reset: the SE agent that asks the SEI-TSM to delete the JPKI
 * security domain and the service to revoke the phone's certificates (flows.md 10.1-10.3).
 *
 * `run` is called once during the reset, before the phone wipes its data. If it throws (offline, the
 * server unreachable, the element busy), the notice stays pending in the phone's state and `run` is
 * called again with `phase: 'pending'` whenever the phone comes online or starts while online, until
 * it succeeds. It must therefore be idempotent for one `notice.id`.
 */
export interface FactoryResetHandler {
  /** 1 to 64 printable characters, unique on the phone. */
  readonly name: string;
  run(ctx: FactoryResetContext): Promise<void>;
}

/** The outcome of `Phone.factoryReset`. */
export interface FactoryResetReport {
  readonly notice: ResetNotice;
  /** Handlers that succeeded during the reset. */
  readonly completed: readonly string[];
  /** Handlers whose notice stays pending (to be delivered when next online). */
  readonly pending: readonly string[];
}

/** What the coordinator needs from the phone. */
export interface ResetHost {
  readonly deviceId: string;
  readonly clock: () => Date;
  readonly random: (length: number) => Uint8Array;
  /** Powered and online. */
  reachable(): boolean;
  readonly fetch: FetchLike;
  openSystemSeService(component: string): SEService;
  closeService(service: SEService): Promise<void>;
  save(): Promise<void>;
  onHandler?(event: { handler: string; phase: 'reset' | 'pending'; ok: boolean; error?: string }): void;
}

const HANDLER_NAME = /^[^\p{Cc}]{1,64}$/u;

function codeOf(err: unknown): string {
  return err instanceof JpkiMobileError ? err.code : err instanceof Error ? err.name : 'unknown';
}

/**
 * The factory-reset bookkeeping of a phone: the registered handlers, the notices still pending, and
 * the `wiping` mark (see `PhoneState.factoryReset`). The phone does the wipe itself.
 */
export class FactoryResetCoordinator {
  readonly #host: ResetHost;
  readonly #handlers = new Map<string, FactoryResetHandler>();
  #state: { count: number; wiping: boolean; pending: PendingResetNotice[] };
  #delivering: Promise<void> | undefined;

  constructor(state: PhoneState['factoryReset'], host: ResetHost) {
    this.#state = { count: state.count, wiping: state.wiping, pending: structuredClone([...state.pending]) };
    this.#host = host;
  }

  get count(): number {
    return this.#state.count;
  }

  get wiping(): boolean {
    return this.#state.wiping;
  }

  get pending(): readonly PendingResetNotice[] {
    return structuredClone(this.#state.pending);
  }

  toState(): PhoneState['factoryReset'] {
    return structuredClone(this.#state);
  }

  register(handler: FactoryResetHandler): () => void {
    if (typeof handler.name !== 'string' || !HANDLER_NAME.test(handler.name)) throw new PhoneError('ERR_PHONE_CONFIG', 'a handler name is 1 to 64 printable characters');
    if (this.#handlers.has(handler.name)) throw new PhoneError('ERR_PHONE_CONFIG', `a handler named ${handler.name} is registered already`);
    this.#handlers.set(handler.name, handler);
    return () => {
      if (this.#handlers.get(handler.name) === handler) this.#handlers.delete(handler.name);
    };
  }

  /** Steps 1-2 of a reset: the notice pending for every handler (saved, with `wiping`), then each handler once. */
  async begin(): Promise<{ notice: ResetNotice; completed: string[] }> {
    const notice: ResetNotice = { id: toHex(this.#host.random(16)), deviceId: this.#host.deviceId, resetAt: this.#host.clock().toISOString() };
    const handlers = [...this.#handlers.values()];
    const entries = handlers.map((h) => ({ handler: h.name, notice, attempts: 0, lastError: null }));
    this.#state = { ...this.#state, wiping: true, pending: [...this.#state.pending, ...entries] };
    await this.#host.save();
    const completed: string[] = [];
    for (const h of handlers) if (await this.#attempt(h, notice.id, 'reset')) completed.push(h.name);
    return { notice, completed };
  }

  /** Step 3 done: the wipe is saved with this state. */
  markWiped(): void {
    this.#state = { ...this.#state, count: this.#state.count + 1, wiping: false };
  }

  /** Runs every pending notice whose handler is registered, while the phone is reachable; one delivery at a time. */
  deliverPending(): Promise<void> {
    if (this.#delivering) return this.#delivering;
    const run = (async () => {
      for (const p of [...this.#state.pending]) {
        const handler = this.#handlers.get(p.handler);
        if (handler && this.#host.reachable()) await this.#attempt(handler, p.notice.id, 'pending');
      }
    })();
    this.#delivering = run.finally(() => {
      this.#delivering = undefined;
    });
    return this.#delivering;
  }

  async #attempt(handler: FactoryResetHandler, noticeId: string, phase: 'reset' | 'pending'): Promise<boolean> {
    const entry = this.#state.pending.find((p) => p.handler === handler.name && p.notice.id === noticeId);
    if (!entry) return true;
    const seService = this.#host.openSystemSeService(`reset.${handler.name}`);
    let error: string | undefined;
    try {
      await handler.run({ notice: structuredClone(entry.notice), phase, online: this.#host.reachable(), fetch: this.#host.fetch, seService });
    } catch (err) {
      error = codeOf(err);
    } finally {
      await this.#host.closeService(seService);
    }
    const others = this.#state.pending.filter((p) => p !== entry);
    const pending = error === undefined ? others : [...others, { ...entry, attempts: entry.attempts + 1, lastError: error }];
    this.#state = { ...this.#state, pending };
    await this.#host.save();
    this.#host.onHandler?.({ handler: handler.name, phase, ok: error === undefined, ...(error ? { error } : {}) });
    return error === undefined;
  }
}
