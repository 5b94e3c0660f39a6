import { bytesEqual } from '../../../../bytes/index.js';
import { AraError } from '../errors.js';
import { decodeAllRulesResponse } from '../ref-ar-do.js';
import { appCertificateHashes } from './app-identity.js';
import { readAllRules, readRefreshTag, type ApduSender } from './ara-reader.js';
import { DENY_ALL } from './channel-access.js';
import { decisionOf, type AccessDecision } from './decision.js';
import { AceError } from './errors.js';
import { AccessRuleCache } from './rule-cache.js';

/**
 * - `not-initialised`: no rules read yet (or the transport failed while reading);
 * - `ready`: rules cached under a refresh tag;
 * - `ara-missing`: the element has no ARA-M;
 * - `ara-broken`: the ARA-M answered something the protocol does not allow.
 * Only `ready` can grant anything.
 */
export type EnforcerState = 'not-initialised' | 'ready' | 'ara-missing' | 'ara-broken';

export interface RefreshResult {
  readonly state: EnforcerState;
  /** True when the rules were read again (the refresh tag changed, or nothing was cached). */
  readonly reloaded: boolean;
  /** Why the ARA-M is considered broken. */
  readonly error?: AceError;
}

/**
 * The Access Control Enforcer of one secure element, I/O-free: the phone gives it a sender on a
 * logical channel opened to the ARA-M, and asks it for decisions (digest 4.4, [AOSP-SE]
 * `AccessControlEnforcer`, `AraController`). What stays with the phone: opening that channel (without
 * access checks), the privileged shortcut of step 6, and running `refresh` before each channel open.
 */
export class AccessControlEnforcer {
  #state: EnforcerState = 'not-initialised';
  #cache: AccessRuleCache | undefined;
  #refreshTag: Uint8Array | undefined;

  get state(): EnforcerState {
    return this.#state;
  }

  /** The cached rules (undefined unless `ready`). */
  get cache(): AccessRuleCache | undefined {
    return this.#cache;
  }

  /**
   * Step 1, initialisation: "read the refresh tag. If it matches the cached one, keep the cache.
   * Otherwise clear the cache and read All". '6A88' to [All] means no rules: everything is denied. A
   * wrong answer from the ARA-M makes the state `ara-broken` ("all access is denied") and is returned,
   * not thrown; an error of the sender itself (I/O) is thrown and leaves `not-initialised`.
   */
  async refresh(send: ApduSender): Promise<RefreshResult> {
    try {
      const tag = await readRefreshTag(send);
      const cached = this.#refreshTag;
      if (this.#state === 'ready' && cached !== undefined && bytesEqual(cached, tag)) return { state: 'ready', reloaded: false };
      this.#cache = undefined;
      const all = await readAllRules(send);
      const rules = all === undefined ? [] : decodeRules(all);
      this.#cache = new AccessRuleCache(rules);
      this.#refreshTag = tag;
      this.#state = 'ready';
      return { state: 'ready', reloaded: true };
    } catch (err) {
      this.#cache = undefined;
      if (err instanceof AceError) {
        this.#state = 'ara-broken';
        return { state: 'ara-broken', reloaded: false, error: err };
      }
      this.#state = 'not-initialised';
      throw err;
    }
  }

  /** The element has no ARA-M (its SELECT failed): every channel is refused until a refresh succeeds. */
  araMissing(): void {
    this.#state = 'ara-missing';
    this.#cache = undefined;
  }

  /**
   * The decision for the application signed with `certificates` (DER, in the package manager's order)
   * opening a channel to `aid` (null for the default selected application).
   */
  decide(aid: Uint8Array | null, certificates: readonly Uint8Array[]): AccessDecision {
    const hashes = appCertificateHashes(certificates);
    if (hashes.length === 0) throw new AceError('ERR_ACE_NO_CERTIFICATES', 'an application has at least one signing certificate');
    if (this.#state !== 'ready' || !this.#cache) return decisionOf(DENY_ALL, this.#state === 'ready' ? 'not-initialised' : this.#state);
    return this.#cache.decide(aid, hashes);
  }
}

function decodeRules(all: Uint8Array) {
  try {
    return decodeAllRulesResponse(all).rules;
  } catch (err) {
    if (err instanceof AraError) throw new AceError('ERR_ACE_ARA_RULES', `the rules do not decode: ${err.code}`, { cause: err });
    throw err;
  }
}
