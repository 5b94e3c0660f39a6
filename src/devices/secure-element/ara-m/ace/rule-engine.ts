import { AraError } from '../errors.js';
import { decodeAllRulesResponse, type RefArDo } from '../ref-ar-do.js';
import type { AccessDecision } from './decision.js';
import { AceError } from './errors.js';
import { AccessRuleCache } from './rule-cache.js';

/**
 * What an enforcer needs from the rule model (digest 4.4 steps 1-5), without any I/O: the enforcer
 * reads the ARA-M and hands over the bytes; the engine parses, merges, searches and resolves.
 *
 * - `load(ff40)`: replaces every rule by those of a whole Response-ALL-REF-AR-DO (`FF40 L {E2 …}`,
 *   the bytes of GET DATA [All] and [Next] joined), or clears them for `undefined` (the ARA-M
 *   answered '6A88': no rules, every `decide` denies). Throws when the bytes are not a valid FF40; the
 *   rules held before are then gone too, so a failed load never leaves stale rules in force.
 * - `decide(aid, hashes)`: the search and resolution for an application known by `hashes`
 *   (`appCertificateHashes`) asking for `aid` (5..16 bytes, or `undefined` for the default
 *   application, the `C0` form).
 */
export interface RuleEngine {
  load(ff40: Uint8Array | undefined): void;
  decide(aid: Uint8Array | undefined, hashes: readonly Uint8Array[]): AccessDecision;
}

/** The rule engine of GP SEAC as Android runs it: `decodeAllRulesResponse` into an `AccessRuleCache`. */
export class AraRuleEngine implements RuleEngine {
  #cache = new AccessRuleCache([]);

  /** The rules in force (empty until a `load`). */
  get cache(): AccessRuleCache {
    return this.#cache;
  }

  /** Throws `ERR_ACE_ARA_RULES` (the `cause` is the `AraError`) when `ff40` does not decode. */
  load(ff40: Uint8Array | undefined): void {
    this.#cache = new AccessRuleCache([]);
    if (ff40 !== undefined) this.#cache = new AccessRuleCache(decodeRules(ff40));
  }

  decide(aid: Uint8Array | undefined, hashes: readonly Uint8Array[]): AccessDecision {
    return this.#cache.decide(aid ?? null, hashes);
  }
}

function decodeRules(ff40: Uint8Array): RefArDo[] {
  try {
    return decodeAllRulesResponse(ff40).rules;
  } catch (err) {
    if (err instanceof AraError) throw new AceError('ERR_ACE_ARA_RULES', `the rules do not decode: ${err.code}`, { cause: err });
    throw err;
  }
}
