import type { KeyObject } from 'node:crypto';
import type { BinaryFid, KeyFid, PinFid } from './constants.js';
import type { PinRecord } from './pin-record.js';

/**
 * A private key EF as the signing command finds it: the key, nothing (never generated, or wiped), or
 * a key destroyed because its certificate was revoked.
 */
export type KeySlot = { readonly state: 'ready'; readonly key: KeyObject } | { readonly state: 'absent' } | { readonly state: 'revoked' };

/**
 * What the JPKI-AP user interface reads and writes of its non-volatile memory. The Individual Number
 * Card keeps it in its card document (`CardStore`), the secure element's JPKI applet in the element's
 * data of the instance (`SeAppletHost.data`); the commands, access rules and status words are the same
 * code over either.
 *
 * Only PIN records change through the user interface. Everything else is written by personalisation:
 * the municipal office for the card, the management interface for the applet.
 */
export interface JpkiStorage {
  /** Content of a transparent EF; `undefined` while nothing has been written to it. */
  binary(fid: BinaryFid): Uint8Array | undefined;
  key(fid: KeyFid): KeySlot;
  /** A PIN EF's record; `undefined` while no value has been set. */
  pin(fid: PinFid): PinRecord | undefined;
  /**
   * Replaces a PIN record. Resolves once the change is durable: VERIFY awaits the decremented counter
   * before it compares the value (anti-tearing, jpki-ap.md 2), so no power cut can give a try back.
   */
  writePin(fid: PinFid, record: PinRecord): Promise<void>;
}
