import type { FetchLike } from './network.js';
import type { SEService } from './omapi/se-service.js';
import type { ResetNotice } from './state.js';

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
