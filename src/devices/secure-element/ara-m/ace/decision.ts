import type { ApduFilter } from '../ar-do.js';
import type { ChannelAccess } from './channel-access.js';
import type { SearchStep } from './search.js';

/**
 * Why the rules decided: the search step that found the rule or refused (see `SearchStep`). An
 * enforcer without usable rules (no ARA-M, a broken one) refuses before it asks for a decision.
 */
export type DecisionBasis = SearchStep;

/** The enforcer's answer for one (AID, application) pair. */
export interface AccessDecision {
  readonly basis: DecisionBasis;
  /** The rule as resolved (digest 4.4 step 4). */
  readonly access: ChannelAccess;
  /** "A channel opens only if APDU access is ALLOWED or a filter exists" (step 4). */
  readonly channelAllowed: boolean;
  /** NFC event access (transaction events for this AID). */
  readonly nfcAllowed: boolean;
  /** The per-APDU check on a channel opened under this decision (step 5), on the command as the app sent it. */
  apduAllowed(command: Uint8Array): boolean;
}

/**
 * "If filters exist, the command is allowed when `(cmd[0..3] AND mask) == header` for some filter"
 * (digest 4.4 step 5; [AOSP-SE] `CommandApdu.compareHeaders`: the header is compared as stored).
 */
export function filterMatches(command: Uint8Array, filter: ApduFilter): boolean {
  if (command.length < 4) return false;
  for (let i = 0; i < 4; i++) {
    if ((command[i]! & filter.mask[i]!) !== filter.header[i]) return false;
  }
  return true;
}

/**
 * A decision over resolved channel access, checking APDUs as [AOSP-SE]
 * `AccessControlEnforcer.checkCommand` does: the channel must be open, `access` ALLOWED, then the
 * filters decide if there are any, otherwise APDU access must be ALLOWED.
 */
export function decisionOf(access: ChannelAccess, basis: DecisionBasis): AccessDecision {
  const channelAllowed = access.apdu === 'allowed' || access.filters.length > 0;
  return {
    basis,
    access,
    channelAllowed,
    nfcAllowed: access.nfc === 'allowed',
    apduAllowed(command: Uint8Array): boolean {
      if (!channelAllowed || access.access !== 'allowed' || command.length < 4) return false;
      if (access.filters.length > 0) return access.filters.some((f) => filterMatches(command, f));
      return access.apdu === 'allowed';
    },
  };
}
