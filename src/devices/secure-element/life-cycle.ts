import { AppLifeCycle, CardLifeCycle, LOADED } from './constants.js';

/*
 * Life cycle coding and rules, GP Card Spec 5 and 11.1.1:
 *   load file    01 LOADED
 *   application  03 INSTALLED, 07 SELECTABLE, 0XXXX111 application specific (0F PERSONALIZED by
 *                convention), 1XXXXX11 LOCKED (the low bits are the state to return to)
 *   domain       03 INSTALLED, 07 SELECTABLE, 0F PERSONALIZED, 1000XX11 LOCKED
 *   card (ISD)   01 OP_READY, 07 INITIALIZED, 0F SECURED, 7F CARD_LOCKED, FF TERMINATED
 */

export function isLocked(state: number): boolean {
  return (state & AppLifeCycle.LOCKED_BIT) !== 0;
}

/** LOCKED from `state` (GP Card Spec 9.6.2: the previous state is kept, to return to it and only it). */
export function locked(state: number): number {
  return state | AppLifeCycle.LOCKED_BIT;
}

/** The state a LOCKED application returns to. */
export function unlocked(state: number): number {
  return state & ~AppLifeCycle.LOCKED_BIT;
}

/** A valid application state: INSTALLED, SELECTABLE, application-specific, or one of those LOCKED. */
export function isApplicationState(state: number): boolean {
  if (!Number.isInteger(state) || state < 0 || state > 0xff) return false;
  const base = unlocked(state);
  return base === AppLifeCycle.INSTALLED || (base & 0x07) === 0x07;
}

/** A valid security domain state: INSTALLED, SELECTABLE, PERSONALIZED, or one of those LOCKED. */
export function isDomainState(state: number): boolean {
  if (!Number.isInteger(state) || state < 0 || state > 0xff) return false;
  const base = unlocked(state);
  return base === AppLifeCycle.INSTALLED || base === AppLifeCycle.SELECTABLE || base === AppLifeCycle.PERSONALIZED;
}

export function isCardState(state: number): boolean {
  return (Object.values(CardLifeCycle) as number[]).includes(state);
}

/**
 * Whether an application (or supplementary domain) in `state` can be selected (GP Card Spec
 * 6.4.2.1.2): SELECTABLE or later, not INSTALLED, not LOCKED.
 */
export function isSelectableState(state: number): boolean {
  return !isLocked(state) && state !== AppLifeCycle.INSTALLED && (state & 0x07) === 0x07;
}

/** Card Content management is refused in CARD_LOCKED and TERMINATED (GP Card Spec 9.1.2). */
export function cardAllowsContentManagement(card: number): boolean {
  return card !== CardLifeCycle.CARD_LOCKED && card !== CardLifeCycle.TERMINATED;
}

const CARD_NAMES: Record<number, string> = {
  [CardLifeCycle.OP_READY]: 'OP_READY',
  [CardLifeCycle.INITIALIZED]: 'INITIALIZED',
  [CardLifeCycle.SECURED]: 'SECURED',
  [CardLifeCycle.CARD_LOCKED]: 'CARD_LOCKED',
  [CardLifeCycle.TERMINATED]: 'TERMINATED',
};

function hex2(v: number): string {
  return v.toString(16).toUpperCase().padStart(2, '0');
}

/** A state's name for people (`se status`), by kind of registry entry. */
export function lifeCycleName(kind: 'card' | 'domain' | 'application' | 'load-file', state: number): string {
  if (kind === 'card') return CARD_NAMES[state] ?? `unknown ${hex2(state)}`;
  if (kind === 'load-file') return state === LOADED ? 'LOADED' : `unknown ${hex2(state)}`;
  const base = unlocked(state);
  let name: string;
  if (base === AppLifeCycle.INSTALLED) name = 'INSTALLED';
  else if (base === AppLifeCycle.SELECTABLE) name = 'SELECTABLE';
  else if (base === AppLifeCycle.PERSONALIZED) name = 'PERSONALIZED';
  else name = `application-specific ${hex2(base)}`;
  return isLocked(state) ? `LOCKED (from ${name})` : name;
}
