import type { RefArDo } from '../ref-ar-do.js';
import { isCarrierPrivilegeRef, type RefDo } from '../ref-do.js';
import { channelAccessOf, DENY_ALL, mergeChannelAccess, resolveMissing, type ChannelAccess } from './channel-access.js';
import { decisionOf, type AccessDecision } from './decision.js';
import { AceError } from './errors.js';
import { aidRefFor, RuleIndex } from './search.js';

/**
 * The rules of one secure element as the enforcer caches them ([AOSP-SE] `AccessRuleCache`; digest 4.4
 * step 1): every REF-AR-DO "is added with merge: rules with an identical REF-DO are combined"; REF-DOs
 * with the carrier-privilege AID go to a separate list (they never open a channel here: carrier
 * privileges apply to a UICC, and this element is embedded).
 */
export class AccessRuleCache {
  readonly #index: RuleIndex<ChannelAccess>;
  readonly #carrier: readonly RefArDo[];

  constructor(rules: readonly RefArDo[]) {
    const regular = rules.filter((r) => !isCarrierPrivilegeRef(r.ref) && r.ar !== undefined);
    this.#carrier = rules.filter((r) => isCarrierPrivilegeRef(r.ref));
    this.#index = new RuleIndex(
      regular.map((r) => [r.ref, channelAccessOf(r.ar!)] as const),
      mergeChannelAccess,
    );
  }

  /** Distinct REF-DOs among the regular rules (after merging). */
  get size(): number {
    return this.#index.size;
  }

  /** The carrier-privilege rules, kept apart. */
  get carrierPrivilegeRules(): readonly RefArDo[] {
    return this.#carrier;
  }

  /** The merged channel access for one REF-DO (undefined when no rule has it). */
  lookup(ref: RefDo): ChannelAccess | undefined {
    return this.#index.getRef(ref);
  }

  /**
   * The decision for an application with certificate hashes `hashes` (see `appCertificateHashes`)
   * opening a channel to `aid` (null: the default selected application): the search A/B/C/D with its
   * two "specific beats generic → DENY" steps (step 3), then the resolution of missing attributes
   * (step 4). No rule, or a conflict: everything DENIED. An application with no certificate hash is
   * refused with `ERR_ACE_NO_CERTIFICATES` before any rule is looked at (AOSP: "Application
   * certificates are invalid or do not exist"): with no hash, a rule for all applications would
   * otherwise let it in.
   */
  decide(aid: Uint8Array | null, hashes: readonly Uint8Array[]): AccessDecision {
    if (hashes.length === 0) throw new AceError('ERR_ACE_NO_CERTIFICATES', 'an application has at least one signing certificate');
    const result = this.#index.search(aidRefFor(aid), hashes);
    return decisionOf(result.rule === undefined ? DENY_ALL : resolveMissing(result.rule), result.step);
  }
}
