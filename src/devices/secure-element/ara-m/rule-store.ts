import { SW, throwSw } from '../../../apdu/index.js';
import { bytesEqual } from '../../../bytes/index.js';
import { RuleIndex } from './ace/search.js';
import type { ArDo } from './ar-do.js';
import { aidRefKey, refDoKey, type AidRef } from './ref-do.js';
import type { RefArDo } from './ref-ar-do.js';
import { MAX_RULES_BYTES, storedRule, type StoredRule } from './state.js';
import type { DeleteTarget } from './store-command.js';

/** SEAC status words of STORE DATA on the ARA-M ([pySim-ARA] `sw_aram`; digest 4.3). */
export const ARA_SW = {
  /** Rule successfully stored but an access rule already exists. */
  RULE_ALREADY_EXISTS: 0x6381,
  /** Rule successfully stored but contained at least one unknown (discarded) BER-TLV. */
  UNKNOWN_DO_DROPPED: 0x6382,
  /** Memory problem. */
  MEMORY_PROBLEM: 0x6581,
  /** DO is not supported by the ARA-M. */
  DO_NOT_SUPPORTED: 0x6981,
  /** Rules have been updated and must be read again. */
  RULES_UPDATED: 0x6984,
  /** Conflicting access rule already exists in the Secure Element. */
  CONFLICTING_RULE: 0x6a89,
} as const;

export interface StoreOutcome {
  readonly rules: readonly StoredRule[];
  /** Rules added (0 when every one was already there). */
  readonly added: number;
  /** Rules given that were already stored exactly as given. */
  readonly existing: number;
}

/**
 * Command-Store-REF-AR-DO (SEAC Table 5-2; digest 4.3). Each REF-AR-DO is added after the stored ones.
 * A rule whose REF-DO is already stored:
 * - with the same AR-DO: nothing changes for it; the command ends '6381' ("an access rule already
 *   exists");
 * - with another AR-DO: the whole command is refused '6A89' ("conflicting access rule already
 *   exists"): the owner deletes the old rule first, so that no REF-DO ever has two meanings on the card.
 * Beyond `MAX_RULES_BYTES` the command is refused '6581'.
 */
export function storeRules(current: readonly StoredRule[], incoming: readonly RefArDo[]): StoreOutcome {
  const byRef = new Map(current.map((r) => [r.refKey, r] as const));
  const next = [...current];
  let added = 0;
  let existing = 0;
  for (const rule of incoming) {
    const stored = storedRule(rule);
    const same = byRef.get(stored.refKey);
    if (same) {
      if (!bytesEqual(same.bytes, stored.bytes)) throwSw(ARA_SW.CONFLICTING_RULE);
      existing++;
      continue;
    }
    byRef.set(stored.refKey, stored);
    next.push(stored);
    added++;
  }
  const total = next.reduce((n, r) => n + r.bytes.length, 0);
  if (total > MAX_RULES_BYTES) throwSw(ARA_SW.MEMORY_PROBLEM);
  return { rules: next, added, existing };
}

/**
 * Command-Delete (SEAC Table 5-4; digest 4.3): removes what the target names; nothing matching is
 * '6A88' (referenced data not found), so a TSM learns that its view of the rules was wrong.
 */
export function deleteRules(current: readonly StoredRule[], target: DeleteTarget): readonly StoredRule[] {
  const keep = current.filter((r) => !matches(r, target));
  if (keep.length === current.length) throwSw(SW.REFERENCED_DATA_NOT_FOUND);
  return keep;
}

function matches(stored: StoredRule, target: DeleteTarget): boolean {
  switch (target.kind) {
    case 'all':
      return true;
    case 'aid':
      return aidRefKey(stored.rule.ref.aid) === aidRefKey(target.aid);
    case 'ref':
      return stored.refKey === refDoKey(target.ref);
    case 'rule':
      return bytesEqual(stored.bytes, storedRule(target.rule).bytes);
  }
}

/**
 * GET DATA [Specific] (SEAC 4.1; digest 4.1): the AR-DO that applies to (AID-REF-DO, hash) by the
 * same search as the enforcer (digest 4.4 step 3): SEAC says the ARA-M "shall set the result of
 * SearchRuleFor(DeviceApplicationCertificate, AID) to NEVER" when a specific rule ties the AID to
 * another application (quoted in [AOSP-SE] `AccessRuleCache`). The conflict answers are APDU NEVER
 * and NFC NEVER, as [GP-ARA] answers a denied application; no rule at all gives `undefined`.
 */
export function specificRule(current: readonly StoredRule[], aid: AidRef, hash: Uint8Array): ArDo | undefined {
  const index = new RuleIndex<ArDo | undefined>(
    current.map((r) => [r.rule.ref, r.rule.ar] as const),
    (a) => a,
  );
  const result = index.search(aid, [hash]);
  if (result.step === 'A-conflict' || result.step === 'C-conflict') return { apdu: { kind: 'never' }, nfc: 'never' };
  return result.rule;
}
