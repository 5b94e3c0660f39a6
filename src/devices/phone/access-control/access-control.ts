import { OmapiError } from '../omapi/errors.js';
import type { CallerCredentials } from './app-identity.js';
import { headerMatches, type Decision } from './rule-engine.js';

/**
 * What a channel carries from its opening ([AOSP-SE] `ChannelAccess`): who opened it and how each of
 * its commands is checked. Built by the OMAPI (privileged callers) or by an `AccessControl`.
 */
export interface ChannelAccess {
  readonly packageName: string;
  /** Opened under the privileged permission: no rule applies, and SELECT by DF name is allowed. */
  readonly privileged: boolean;
  /** The rules' decision the channel was opened under (`undefined` for a privileged caller). */
  readonly decision: Decision | undefined;
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
 * The access a decision grants, or `ERR_OMAPI_ACCESS_DENIED` when it grants no channel (APDU NEVER).
 * An empty filter list lets nothing through ([AOSP-SE] `checkCommand`: "Access Rule not available").
 */
export function decisionAccess(packageName: string, decision: Decision): ChannelAccess {
  const apdu = decision.apdu;
  if (apdu.kind === 'never') {
    throw new OmapiError('ERR_OMAPI_ACCESS_DENIED', `access denied to ${packageName}: ${decision.reason ?? 'no APDU access'}`);
  }
  const filters = apdu.kind === 'filters' ? [...apdu.filters] : undefined;
  return {
    packageName,
    privileged: false,
    decision,
    checkCommand(command: Uint8Array): void {
      if (filters === undefined) return;
      if (filters.some((f) => headerMatches(command, f))) return;
      throw new OmapiError('ERR_OMAPI_APDU_DENIED', `no APDU filter of the rule lets this command header through for ${packageName}`);
    },
  };
}
