import { fromHex, toHex } from '../../bytes/index.js';
import { ISD_AID } from './constants.js';
import { hasPrivilege, type PrivilegeName } from './privileges.js';
import type { ApplicationEntry, DomainData, Hex, KeySetRecord, LoadFileEntry, RegistryEntry, SeState } from './state.js';

/*
 * Queries over the GlobalPlatform Registry (GP Card Spec 6.5) as the state document holds it, and the
 * mutable view the transaction hands out. Pure functions: who is associated with whom, who may do
 * what.
 */

/** A deeply mutable copy of a state type: what `StateTransaction.change` gives to a change. */
export type Draft<T> = T extends Uint8Array ? T : T extends readonly (infer U)[] ? Draft<U>[] : T extends object ? { -readonly [K in keyof T]: Draft<T[K]> } : T;

export const ISD_HEX = toHex(ISD_AID);

export function findEntry(state: SeState, aid: Hex): RegistryEntry | undefined {
  return state.registry.find((e) => e.aid === aid);
}

export function findApplication(state: SeState, aid: Hex): ApplicationEntry | undefined {
  const e = findEntry(state, aid);
  return e?.kind === 'application' ? e : undefined;
}

export function findLoadFile(state: SeState, aid: Hex): LoadFileEntry | undefined {
  const e = findEntry(state, aid);
  return e?.kind === 'load-file' ? e : undefined;
}

/** The domain entry of a security domain (the ISD or a supplementary one). */
export function findDomain(state: SeState, aid: Hex): (ApplicationEntry & { domain: DomainData }) | undefined {
  const e = findApplication(state, aid);
  return e?.domain ? (e as ApplicationEntry & { domain: DomainData }) : undefined;
}

export function issuerDomain(state: SeState): ApplicationEntry & { domain: DomainData } {
  return state.registry[0] as ApplicationEntry & { domain: DomainData };
}

/** The card life cycle state, which the ISD inherits (GP Card Spec 11.1.1). */
export function cardLifeCycle(state: SeState): number {
  return state.registry[0]!.lifeCycle;
}

export function isDomain(entry: RegistryEntry): entry is ApplicationEntry & { domain: DomainData } {
  return entry.kind === 'application' && entry.domain !== undefined;
}

export function privilegesOf(entry: ApplicationEntry): Uint8Array {
  return fromHex(entry.privileges);
}

export function entryHas(entry: ApplicationEntry, privilege: PrivilegeName): boolean {
  return hasPrivilege(privilegesOf(entry), privilege);
}

/**
 * Whether `entry` is directly or indirectly associated with the security domain `sd` (GP Card Spec
 * 6.5.1.6: the associations form a hierarchy rooted at the ISD). A domain is not associated with itself.
 */
export function associatedWith(state: SeState, entry: RegistryEntry, sd: Hex): boolean {
  let at: RegistryEntry | undefined = entry;
  for (let hops = 0; at && hops <= state.registry.length; hops++) {
    if (at.aid === ISD_HEX) return false;
    if (at.sd === sd) return true;
    at = findEntry(state, at.sd);
  }
  return false;
}

/** Every entry directly or indirectly associated with `sd`, in registry order. */
export function hierarchyOf(state: SeState, sd: Hex): RegistryEntry[] {
  return state.registry.filter((e) => associatedWith(state, e, sd));
}

/** Applications installed from a load file. */
export function instancesOf(state: SeState, loadFile: Hex): ApplicationEntry[] {
  return state.registry.filter((e): e is ApplicationEntry => e.kind === 'application' && e.loadFile === loadFile);
}

export function keySetOf(domain: DomainData, kvn: number): KeySetRecord | undefined {
  return domain.keySets.find((k) => k.kvn === kvn);
}

/** The key set INITIALIZE UPDATE with P1 '00' uses, and GET DATA 'C1' reports: the first one. */
export function defaultKeySet(domain: DomainData): KeySetRecord | undefined {
  return domain.keySets[0];
}

/** Draft access: the mutable entry of an application or domain (undefined when absent). */
export function draftApplication(draft: Draft<SeState>, aid: Hex): Draft<ApplicationEntry> | undefined {
  const e = draft.registry.find((x) => x.aid === aid);
  return e?.kind === 'application' ? e : undefined;
}

export function draftDomain(draft: Draft<SeState>, aid: Hex): Draft<DomainData> | undefined {
  return draftApplication(draft, aid)?.domain;
}
