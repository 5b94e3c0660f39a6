import type { ApduFilter, ArDo } from '../ar-do.js';

/** [AOSP-SE] `ChannelAccess.ACCESS`: a rule attribute is granted, refused, or not said. */
export type Access = 'allowed' | 'denied' | 'undefined';

/**
 * What the enforcer holds per REF-DO ([AOSP-SE] `ChannelAccess`; digest 4.4):
 * - `access`: ALLOWED once a rule for the REF-DO carried an APDU-AR-DO, DENIED when one did not
 *   ("No APDU access rule available"); every APDU needs it ALLOWED;
 * - `apdu`: the APDU-AR-DO's `00`/`01` (DENIED/ALLOWED), UNDEFINED for filters or no APDU-AR-DO;
 * - `filters`: the APDU filters (non-empty = the filters decide each APDU);
 * - `nfc`: the NFC-AR-DO, UNDEFINED when absent.
 */
export interface ChannelAccess {
  readonly access: Access;
  readonly apdu: Access;
  readonly filters: readonly ApduFilter[];
  readonly nfc: Access;
}

/** Everything denied: no rule, a conflict (specific beats generic), or an enforcer that could not read the rules. */
export const DENY_ALL: ChannelAccess = Object.freeze({ access: 'denied', apdu: 'denied', filters: Object.freeze([]), nfc: 'denied' });

/** One AR-DO as channel access ([AOSP-SE] `AccessRuleCache.mapArDo2ChannelAccess`). */
export function channelAccessOf(ar: ArDo): ChannelAccess {
  const nfc: Access = ar.nfc === undefined ? 'undefined' : ar.nfc === 'always' ? 'allowed' : 'denied';
  const apdu = ar.apdu;
  if (!apdu) return { access: 'denied', apdu: 'undefined', filters: [], nfc };
  switch (apdu.kind) {
    case 'never':
      return { access: 'allowed', apdu: 'denied', filters: [], nfc };
    case 'always':
      return { access: 'allowed', apdu: 'allowed', filters: [], nfc };
    case 'filters':
      return { access: 'allowed', apdu: 'undefined', filters: apdu.filters, nfc };
  }
}

/** DENIED beats ALLOWED beats UNDEFINED. */
function strictest(a: Access, b: Access): Access {
  if (a === 'denied' || b === 'denied') return 'denied';
  if (a === 'allowed' || b === 'allowed') return 'allowed';
  return 'undefined';
}

/**
 * Merges two rules with an identical REF-DO (digest 4.4 step 1): "For access, DENIED beats ALLOWED
 * beats UNDEFINED. For NFC, NEVER beats ALWAYS beats absent. For APDU, NEVER beats filter beats ALWAYS
 * beats absent, and filter lists are concatenated."
 *
 * One deliberate difference from [AOSP-SE] `putWithMerge`: there, a filter rule followed by a rule with
 * no APDU-AR-DO merges to APDU DENIED, while the same two rules in the other order merge to the filter.
 * Here the merge does not depend on order and absent is the weakest, as the digest states it.
 */
export function mergeChannelAccess(a: ChannelAccess, b: ChannelAccess): ChannelAccess {
  const access = strictest(a.access, b.access);
  const nfc = strictest(a.nfc, b.nfc);
  if (a.apdu === 'denied' || b.apdu === 'denied') return { access, apdu: 'denied', filters: [], nfc };
  const apdu: Access = a.apdu === 'allowed' || b.apdu === 'allowed' ? 'allowed' : 'undefined';
  return { access, apdu, filters: [...a.filters, ...b.filters], nfc };
}

/**
 * Resolving missing attributes after the search (digest 4.4 step 4, [AOSP-SE]
 * `AccessRuleCache.findAccessRule`): "APDU UNDEFINED with no filter → DENIED. NFC UNDEFINED → ALLOWED
 * if there is an APDU filter, otherwise equal to the APDU access."
 */
export function resolveMissing(ca: ChannelAccess): ChannelAccess {
  const apdu: Access = ca.apdu === 'undefined' && ca.filters.length === 0 ? 'denied' : ca.apdu;
  const nfc: Access = ca.nfc !== 'undefined' ? ca.nfc : ca.filters.length > 0 ? 'allowed' : apdu;
  return { access: ca.access, apdu, filters: ca.filters, nfc };
}
