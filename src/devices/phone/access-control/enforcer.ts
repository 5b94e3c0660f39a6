import { bytesEqual, toHex } from '../../../bytes/index.js';
import {
  ARA_M_AID,
  AraRuleEngine,
  readAllRules,
  readRefreshTag,
  type AccessDecision,
  type RuleEngine,
} from '../../secure-element/ara-m/ace/index.js';
import { OmapiError } from '../omapi/errors.js';
import { decisionAccess, type AccessControl, type ChannelAccess } from './access-control.js';
import type { CallerCredentials } from './app-identity.js';
import { channelSender, type ElementAccess, type ElementChannel } from './element-access.js';

/**
 * Where the enforcer stands with the element's rules:
 * - `uninitialised`: nothing read yet (each boot starts here);
 * - `ready`: the engine holds the rules read under `refreshTag`;
 * - `no-ara`: the element has no ARA-M; every channel is refused and the next request looks again;
 * - `broken`: the ARA-M answered something unusable; everything is refused until the phone restarts
 *   (a new enforcer), as [AOSP-SE] `AccessControlEnforcer.initialize` does.
 */
export type EnforcerState = 'uninitialised' | 'ready' | 'no-ara' | 'broken';

export interface AccessControlEnforcerOptions {
  readonly element: ElementAccess;
  /** The rule model, default a new `AraRuleEngine` (the ARA-M module's: parse, merge, search, resolve). */
  readonly engine?: RuleEngine;
  /** Upper bound on the GET DATA [All] object, default 64 KiB (a rule is about 60 bytes). */
  readonly maxRulesBytes?: number;
}

/** Failures of the element that say nothing about the rules: try again next time, keep what is cached. */
const TRANSIENT = new Set(['ERR_OMAPI_IO', 'ERR_OMAPI_SE_NOT_PRESENT', 'ERR_OMAPI_CHANNEL_UNAVAILABLE']);

function isTransient(err: unknown): err is OmapiError {
  return err instanceof OmapiError && TRANSIENT.has(err.code);
}

/**
 * The Access Control Enforcer of one reader (GP SEAC; [AOSP-SE] `AccessControlEnforcer` and
 * `AraController`; gp-scp03.md 4.4 item 1). Before each decision it opens a logical channel to the
 * ARA-M without access checks and reads the refresh tag; only when the tag differs from the one the
 * cached rules were read under does it read GET DATA [All] (+ [Next]) and hand the FF40 bytes to the
 * rule engine. The channel is closed again at once. The reading (`readRefreshTag`, `readAllRules`)
 * and the rule model (`AraRuleEngine`) are the ARA-M module's pure code (`ara-m/ace`); this class
 * owns the channel, the state and the mapping of failures to OMAPI's exceptions.
 *
 * Deliberate difference from AOSP: an embedded SE without an ARA-M gets no "full access" fallback
 * here; the system's rule is that only apps named in the ARA rules reach an applet (system.md).
 */
export class AccessControlEnforcer implements AccessControl {
  readonly #element: ElementAccess;
  readonly #engine: RuleEngine;
  readonly #maxBytes: number;
  #state: EnforcerState = 'uninitialised';
  #refreshTag: Uint8Array | undefined;
  #reason = '';
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: AccessControlEnforcerOptions) {
    this.#element = options.element;
    this.#engine = options.engine ?? new AraRuleEngine();
    this.#maxBytes = options.maxRulesBytes ?? 65536;
  }

  get state(): EnforcerState {
    return this.#state;
  }

  /** The refresh tag the cached rules were read under (hex), if any. */
  get refreshTag(): string | undefined {
    return this.#refreshTag && toHex(this.#refreshTag);
  }

  setUpChannelAccess(caller: CallerCredentials, aid: Uint8Array | undefined): Promise<ChannelAccess> {
    return this.#serial(async () => {
      await this.#update();
      return decisionAccess(caller.packageName, this.#decide(caller, aid));
    });
  }

  isNfcEventAllowed(aid: Uint8Array, callers: readonly CallerCredentials[]): Promise<boolean[]> {
    return this.#serial(async () => {
      try {
        await this.#update();
      } catch {
        return callers.map(() => false);
      }
      return callers.map((c) => {
        try {
          return this.#decide(c, aid).nfcAllowed;
        } catch {
          return false;
        }
      });
    });
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #decide(caller: CallerCredentials, aid: Uint8Array | undefined): AccessDecision {
    // [AOSP-SE] refuses an app without certificates before any rule is looked at.
    if (caller.hashes.length === 0) {
      throw new OmapiError('ERR_OMAPI_ACCESS_DENIED', `${caller.packageName} has no signing certificate`);
    }
    try {
      return this.#engine.decide(aid, caller.hashes);
    } catch (err) {
      // Whatever the engine refuses to decide (an AID it cannot look up, a failure of its own) opens nothing.
      throw new OmapiError('ERR_OMAPI_ACCESS_DENIED', `the rule engine gave no decision for ${caller.packageName}`, { cause: err });
    }
  }

  #brokenError(): OmapiError {
    return new OmapiError('ERR_OMAPI_ACCESS_RULES_BROKEN', `access control denies everything: ${this.#reason}`);
  }

  #break(err: unknown): never {
    this.#state = 'broken';
    this.#refreshTag = undefined;
    this.#reason = err instanceof Error ? err.message : String(err);
    throw err instanceof OmapiError && err.code === 'ERR_OMAPI_ACCESS_RULES_BROKEN'
      ? err
      : new OmapiError('ERR_OMAPI_ACCESS_RULES_BROKEN', `ARA-M unusable: ${this.#reason}`, { cause: err });
  }

  async #update(): Promise<void> {
    if (this.#state === 'broken') throw this.#brokenError();
    let channel: ElementChannel;
    try {
      channel = await this.#element.openLogicalChannelWithoutAccess(ARA_M_AID);
    } catch (err) {
      if (err instanceof OmapiError && err.code === 'ERR_OMAPI_NO_SUCH_ELEMENT') {
        this.#state = 'no-ara';
        this.#refreshTag = undefined;
        throw new OmapiError('ERR_OMAPI_ACCESS_RULES_UNAVAILABLE', 'the secure element has no ARA-M: no app may open a channel', { cause: err });
      }
      if (isTransient(err)) throw err;
      return this.#break(err);
    }
    try {
      const send = channelSender(channel);
      const tag = await readRefreshTag(send);
      if (this.#state === 'ready' && this.#refreshTag && bytesEqual(tag, this.#refreshTag)) return;
      const rules = await readAllRules(send, this.#maxBytes);
      this.#refreshTag = undefined;
      try {
        this.#engine.load(rules);
      } catch (err) {
        throw new OmapiError('ERR_OMAPI_ACCESS_RULES_BROKEN', `the rules do not parse: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      this.#refreshTag = tag;
      this.#state = 'ready';
    } catch (err) {
      if (isTransient(err)) throw err;
      return this.#break(err);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }
}
