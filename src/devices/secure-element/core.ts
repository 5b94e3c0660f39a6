import type { Scp03KeySet } from '../../crypto/index.js';
import type { Catalogue } from './catalogue.js';
import type { SeApplet, SeInterface } from './contract.js';
import type { Hex, KeySetRecord } from './state.js';
import type { StateTransaction } from './transaction.js';

/**
 * What the element's parts (security domains, secure channels, application hosts) need from the
 * element: the transaction over its state, its catalogue and randomness, and what is selected where.
 * The element (element.ts) implements it; nothing else sees the element itself.
 */
export interface ElementCore {
  readonly tx: StateTransaction;
  readonly catalogue: Catalogue;
  random(length: number): Uint8Array;
  /** The key set object of a record (cached: key objects are made once). */
  keys(record: KeySetRecord): Scp03KeySet;
  /** Whether an application is selected on any channel of any interface other than `except`. */
  selectedElsewhere(aid: Hex, except: { readonly iface: SeInterface; readonly channel: number }): boolean;
  /** The running instance of an application on an interface (for STORE DATA forwarding). */
  instance(aid: Hex, iface: SeInterface): SeApplet | undefined;
}
