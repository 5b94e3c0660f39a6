import { bytesEqual } from '../../../../bytes/index.js';
import { aidRefKey, refDoKey, type AidRef, type RefDo } from '../ref-do.js';
import { AceError } from './errors.js';

/**
 * Which step of the search decided (digest 4.4 step 3, [AOSP-SE] `AccessRuleCache.findAccessRuleInternal`):
 * - `A`: a rule for (AID, one of the app's hashes);
 * - `A-conflict`: none, but a rule ties this AID to another application's hash → DENY;
 * - `B`: a rule for (AID, all applications);
 * - `C`: a rule for (all SE applications `4F 00`, one of the app's hashes);
 * - `C-conflict`: none, but a rule ties all SE applications to another hash → DENY;
 * - `D`: the rule for (all SE applications, all device applications);
 * - `none`: no rule → DENY.
 */
export type SearchStep = 'A' | 'A-conflict' | 'B' | 'C' | 'C-conflict' | 'D' | 'none';

export interface SearchResult<T> {
  readonly step: SearchStep;
  /** The rule found at A, B, C or D. */
  readonly rule?: T;
}

const ALL_SE_APPLICATIONS: AidRef = { kind: 'all' };
const EMPTY_HASH = new Uint8Array(0);
const DEFAULT_AID = new Uint8Array(5);

/**
 * The AID-REF-DO the search uses for an AID: "null or `0000000000` means the C0 form" (digest 4.4
 * step 3; [AOSP-SE] `AccessRuleCache.getAidRefDo`). Anything else must be 5..16 bytes, as OMAPI checks.
 */
export function aidRefFor(aid: Uint8Array | null): AidRef {
  if (aid === null || bytesEqual(aid, DEFAULT_AID)) return { kind: 'default' };
  if (aid.length < 5 || aid.length > 16) throw new AceError('ERR_ACE_AID_LENGTH', `an AID is 5..16 bytes, got ${aid.length}`);
  return { kind: 'aid', aid };
}

/**
 * Rules indexed by their REF-DO for the search. Several entries with the same REF-DO are combined
 * by `merge` (the enforcer merges, digest 4.4 step 1; the ARA-M refuses such a duplicate, so it never
 * merges).
 */
export class RuleIndex<T> {
  readonly #byRef = new Map<string, T>();
  /** AID-REF-DO keys that appear with a non-empty hash ("some other non-empty hash"). */
  readonly #aidsWithHash = new Set<string>();

  constructor(entries: Iterable<readonly [RefDo, T]>, merge: (existing: T, added: T) => T) {
    for (const [ref, value] of entries) {
      const key = refDoKey(ref);
      const existing = this.#byRef.get(key);
      this.#byRef.set(key, existing === undefined ? value : merge(existing, value));
      if (ref.hash.length > 0) this.#aidsWithHash.add(aidRefKey(ref.aid));
    }
  }

  get size(): number {
    return this.#byRef.size;
  }

  get(aid: AidRef, hash: Uint8Array): T | undefined {
    return this.#byRef.get(refDoKey({ aid, hash }));
  }

  /** The entry for exactly this REF-DO (package name included). */
  getRef(ref: RefDo): T | undefined {
    return this.#byRef.get(refDoKey(ref));
  }

  hasSpecificHash(aid: AidRef): boolean {
    return this.#aidsWithHash.has(aidRefKey(aid));
  }

  /**
   * The search of digest 4.4 step 3 for the AID-REF-DO `aid` and the application's certificate
   * hashes, tried in the order given (SHA-1 then SHA-256 per certificate, see `appCertificateHashes`).
   */
  search(aid: AidRef, hashes: readonly Uint8Array[]): SearchResult<T> {
    for (const h of hashes) {
      const rule = this.get(aid, h);
      if (rule !== undefined) return { step: 'A', rule };
    }
    // [AOSP-SE] searchForRulesWithSpecificAidButOtherHash: never for `4F 00` itself.
    if (aid.kind !== 'all' && this.hasSpecificHash(aid)) return { step: 'A-conflict' };
    const b = this.get(aid, EMPTY_HASH);
    if (b !== undefined) return { step: 'B', rule: b };
    for (const h of hashes) {
      const rule = this.get(ALL_SE_APPLICATIONS, h);
      if (rule !== undefined) return { step: 'C', rule };
    }
    if (this.hasSpecificHash(ALL_SE_APPLICATIONS)) return { step: 'C-conflict' };
    const d = this.get(ALL_SE_APPLICATIONS, EMPTY_HASH);
    if (d !== undefined) return { step: 'D', rule: d };
    return { step: 'none' };
  }
}
