import type { AccessDecision } from '../../secure-element/ara-m/ace/index.js';
import { OmapiError } from '../omapi/errors.js';
import type { CallerCredentials } from './app-identity.js';

/**
 * What a channel carries from its opening ([AOSP-SE] `ChannelAccess`): who opened it and how each of
 * its commands is checked. Built by the OMAPI (privileged callers) or by an `AccessControl`.
 */
export interface ChannelAccess {
  readonly packageName: string;
  /** Opened under the privileged permission: no rule applies, and SELECT by DF name is allowed. */
  readonly privileged: boolean;
  /** The rules' decision the channel was opened under (`undefined` for a privileged caller). */
  readonly decision: AccessDecision | undefined;
  /** Throws `ERR_OMAPI_APDU_DENIED` when the command (as the app sent it, before channel bits) may not go. */
  checkCommand(command: Uint8Array): void;
}

/**
 * The access-control seam the OMAPI consults (GP SEAC's Access Control Enforcer). The OMAPI calls it
 * for non-privileged callers only: a privileged app bypasses it (gp-scp03.md 4.4 item 6).
 *
 * - `setUpChannelAccess` runs before the element sees anything of a channel opening; it resolves
 *   with the channel's access or rejects with an `OmapiError`: `ERR_OMAPI_ACCESS_DENIED`,
 *   `ERR_OMAPI_ACCESS_RULES_UNAVAILABLE`, `ERR_OMAPI_ACCESS_RULES_BROKEN` (Security), or an
 *   IO/MissingResource error when the rules could not be read this time.
 * - `isNfcEventAllowed` answers, for each caller in order, whether it may receive the transaction
 *   events of the AID (NFC-AR-DO); any failure answers `false` for all.
 */
export interface AccessControl {
  setUpChannelAccess(caller: CallerCredentials, aid: Uint8Array | undefined): Promise<ChannelAccess>;
  isNfcEventAllowed(aid: Uint8Array, callers: readonly CallerCredentials[]): Promise<boolean[]>;
}

/** The access of a privileged caller: every command, no rule consulted. */
export function privilegedAccess(packageName: string): ChannelAccess {
  return { packageName, privileged: true, decision: undefined, checkCommand: () => undefined };
}

/**
 * The access a decision of the rule model grants, or `ERR_OMAPI_ACCESS_DENIED` when it opens no
 * channel (gp-scp03.md 4.4 step 4: "a channel opens only if APDU access is ALLOWED or a filter
 * exists"). Each command then goes through the decision's per-APDU check (step 5), which lets nothing
 * through where the merged rules left access DENIED ([AOSP-SE] `checkCommand`).
 */
export function decisionAccess(packageName: string, decision: AccessDecision): ChannelAccess {
  if (!decision.channelAllowed) {
    throw new OmapiError('ERR_OMAPI_ACCESS_DENIED', `access denied to ${packageName}: ${refusal(decision)}`);
  }
  return {
    packageName,
    privileged: false,
    decision,
    checkCommand(command: Uint8Array): void {
      if (decision.apduAllowed(command)) return;
      throw new OmapiError('ERR_OMAPI_APDU_DENIED', `the access rule does not let this command header through for ${packageName}`);
    },
  };
}

/** Why a decision opens no channel, from the search step that made it (gp-scp03.md 4.4 step 3). */
function refusal(decision: AccessDecision): string {
  switch (decision.basis) {
    case 'none':
      return 'no rule for this AID and application';
    case 'A-conflict':
      return 'a rule ties this AID to other applications';
    case 'C-conflict':
      return 'a rule ties all SE applications to other applications';
    default:
      return `the rule found at step ${decision.basis} grants no APDU access`;
  }
}
