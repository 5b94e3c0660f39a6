import { SW, throwSw } from '../../apdu/index.js';
import { AppLifeCycle } from './constants.js';
import type { SeInterface } from './contract.js';
import type { ElementCore } from './core.js';
import { cardAllowsContentManagement, isLocked } from './life-cycle.js';
import { cardLifeCycle, entryHas, findDomain, ISD_HEX } from './registry.js';
import type { DomainSecureChannel } from './secure-channel.js';
import type { ApplicationEntry, DomainData, Hex } from './state.js';

/** A load in progress: INSTALL [for load] accepted, LOAD blocks arriving (GP Card Spec 9.3.5). */
export interface LoadInProgress {
  readonly loadFile: Hex;
  readonly sd: Hex;
  readonly hash: Uint8Array | undefined;
  nextBlock: number;
  size: number;
  readonly blocks: Uint8Array[];
}

/**
 * What a security domain keeps for one selection on one logical channel (its application session):
 * the secure channel, the rest of a paged GET STATUS, a load in progress, a personalization session
 * (GP Card Spec 11.11.1) and the STORE DATA block counter. All transient: a new selection, a reset or
 * a power loss forgets them.
 */
export interface DomainSession {
  readonly secure: DomainSecureChannel;
  status: { readonly p1: number; rest: Uint8Array[] } | undefined;
  load: LoadInProgress | undefined;
  perso: { readonly target: Hex; nextBlock: number } | undefined;
  storeBlock: number;
}

/** A command's view of the domain processing it. */
export interface DomainContext {
  readonly core: ElementCore;
  /** The security domain processing the command. */
  readonly aid: Hex;
  readonly iface: SeInterface;
  readonly channel: number;
  readonly session: DomainSession;
}

export type DomainEntry = ApplicationEntry & { domain: DomainData };

/** The domain's own registry entry, as the command sees it. */
export function self(ctx: DomainContext): DomainEntry {
  return findDomain(ctx.core.tx.state, ctx.aid) ?? throwSw(SW.CONDITIONS_NOT_SATISFIED, 'the security domain is gone');
}

/**
 * The checks every card content management operation starts with (GP Card Spec 9.3.5, 9.3.6, 9.5):
 * the card is not CARD_LOCKED or TERMINATED, the domain has Authorized Management (Delegated
 * Management needs tokens, which are not implemented), and a supplementary domain is PERSONALIZED.
 * '6985' otherwise.
 */
export function requireContentManagement(ctx: DomainContext): DomainEntry {
  const state = ctx.core.tx.state;
  if (!cardAllowsContentManagement(cardLifeCycle(state))) throwSw(SW.CONDITIONS_NOT_SATISFIED, 'no card content management in CARD_LOCKED or TERMINATED');
  const me = self(ctx);
  if (!entryHas(me, 'AUTHORIZED_MANAGEMENT')) throwSw(SW.CONDITIONS_NOT_SATISFIED, 'the security domain has no Authorized Management privilege');
  if (me.aid !== ISD_HEX && me.lifeCycle !== AppLifeCycle.PERSONALIZED) throwSw(SW.CONDITIONS_NOT_SATISFIED, 'a supplementary domain manages content once PERSONALIZED');
  return me;
}

/** Data and key management is refused in CARD_LOCKED and TERMINATED (GP Card Spec 7.6). */
export function requireDataManagement(ctx: DomainContext): DomainEntry {
  if (!cardAllowsContentManagement(cardLifeCycle(ctx.core.tx.state))) throwSw(SW.CONDITIONS_NOT_SATISFIED, 'no key or data management in CARD_LOCKED or TERMINATED');
  return self(ctx);
}

/** A domain another one may associate content with: present, not LOCKED, the ISD or PERSONALIZED. */
export function acceptingDomain(ctx: DomainContext, aid: Hex): DomainEntry {
  const d = findDomain(ctx.core.tx.state, aid) ?? throwSw(SW.REFERENCED_DATA_NOT_FOUND, `no security domain ${aid}`);
  if (d.aid !== ISD_HEX && (isLocked(d.lifeCycle) || d.lifeCycle !== AppLifeCycle.PERSONALIZED)) throwSw(SW.CONDITIONS_NOT_SATISFIED, `security domain ${aid} is not PERSONALIZED`);
  return d;
}
