/**
 * The seam between the phone's access-control enforcer and the ARA rule logic (GP SEAC v1.1 as
 * digested in gp-scp03.md 4.2 and 4.4 items 1-4). The enforcer (this folder) talks to the element:
 * it opens the ARA-M, watches the refresh tag and reads GET DATA [All]; a `RuleEngine` parses those
 * bytes and answers, for an AID and an app's certificate hashes, what the app may do. The rule engine
 * is pure (no I/O) and lives with the ARA-M (`src/devices/secure-element/ara-m/`).
 */

/**
 * One APDU filter of an APDU-AR-DO ('D0', n × 8 bytes): a command passes when
 * `(command[0..3] AND mask) == header` (gp-scp03.md 4.4 step 5).
 */
export interface ApduFilter {
  /** CLA INS P1 P2, 4 bytes. */
  readonly header: Uint8Array;
  /** 4 bytes. */
  readonly mask: Uint8Array;
}

/**
 * APDU access after the engine resolved missing attributes (4.4 step 4): NEVER (no channel), ALWAYS
 * (every command), or a filter list (the channel opens, each command must match one filter).
 */
export type ApduAccess =
  | { readonly kind: 'never' }
  | { readonly kind: 'always' }
  | { readonly kind: 'filters'; readonly filters: readonly ApduFilter[] };

/** What the rules grant one app for one AID. */
export interface Decision {
  readonly apdu: ApduAccess;
  /** NFC-AR-DO: may the app receive the AID's transaction events. */
  readonly nfc: 'never' | 'always';
  /** Why (for logs and error messages), e.g. "no rule for this AID and app". */
  readonly reason?: string;
}

/**
 * What the ARA-M module implements.
 *
 * - `load(ff40)`: replaces every rule by those in a whole Response-ALL-REF-AR-DO (`FF40 L {E2 …}`,
 *   exactly the bytes GET DATA [All] and [Next] returned, concatenated), or clears them when
 *   `undefined` (the ARA-M answered '6A88', no rules: then every `decide` denies). It throws (any
 *   error) when the bytes are not a valid FF40; the enforcer then denies all access (4.4 step 1).
 * - `decide(aid, hashes)`: the search of 4.4 step 3 and the resolution of step 4. `aid` is the AID
 *   the app asked for (5..16 bytes), or `undefined` for "no AID" (the default application: the `C0`
 *   form). `hashes` is `certificateHashes` of the app: for each signing certificate its SHA-1 then
 *   its SHA-256. With no matching rule it answers `{ apdu: { kind: 'never' }, nfc: 'never' }`.
 */
export interface RuleEngine {
  load(ff40: Uint8Array | undefined): void;
  decide(aid: Uint8Array | undefined, hashes: readonly Uint8Array[]): Decision;
}

/** True when the command header passes one filter (4.4 step 5). A command shorter than 4 bytes passes none. */
export function headerMatches(command: Uint8Array, filter: ApduFilter): boolean {
  if (command.length < 4 || filter.header.length !== 4 || filter.mask.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    if ((command[i]! & filter.mask[i]!) !== filter.header[i]) return false;
  }
  return true;
}
