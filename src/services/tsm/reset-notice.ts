import { createHash } from 'node:crypto';
import { toHex } from '../../bytes/index.js';

/*
 * The factory-reset notice (flow 10 step 1; docs/services/tsm-orders.md "Factory reset"): what the phone's OS
 * SE agent sends the SEI-TSM, `POST /tsm/v1/reset-notices`:
 *
 *   { "noticeId": "<32 hex>", "deviceId": "…", "resetAt": "<ISO time>", "cplc": "<84 hex>",
 *     "proof": "<the ISD's INITIALIZE UPDATE response, hex>" }
 *
 * The proof is the element's own word: the agent sends INITIALIZE UPDATE to the ISD with a host
 * challenge that is a hash of the notice (below); the card cryptogram in the answer is a CMAC under the
 * ISD's S-MAC over that challenge and the card's challenge (Amendment D 6.2.2.2), which only the element
 * and the SEI-TSM (who holds the ISD keys) can compute. So the SEI knows the notice was made by
 * something holding that very element (the OS's privileged SE agent: an app reaches only the JPKI
 * applet), for exactly these fields. No secure channel session follows (no EXTERNAL AUTHENTICATE): the
 * INITIALIZE UPDATE only moves the ISD's sequence counter on.
 */

/** What the host challenge of a notice's proof covers. */
export interface ResetNoticeFields {
  readonly noticeId: string;
  readonly deviceId: string;
  readonly resetAt: string;
  readonly cplc: Uint8Array;
}

const LABEL = 'jpki-mobile/reset-notice/v1';

/** The host challenge of the proof: the first 8 bytes of SHA-256(label, noticeId, deviceId, resetAt, CPLC hex), NUL-separated. */
export function resetNoticeChallenge(n: ResetNoticeFields): Uint8Array {
  const digest = createHash('sha256').update([LABEL, n.noticeId, n.deviceId, n.resetAt, toHex(n.cplc)].join('\0'), 'utf8').digest();
  return new Uint8Array(digest.subarray(0, 8));
}

/** The SEI-TSM's answer to a notice (201 the first time, 200 for a repeat). */
export interface ResetNoticeAnswer {
  readonly noticeId: string;
  readonly seId: string;
  /** `reset`: the element was reset; `stale`: it was prepared again after the reset, so the notice changed nothing. */
  readonly state: 'reset' | 'stale';
  /** Phone certificates the notice had revoked (cessationOfOperation). */
  readonly revoked: readonly string[];
  /** The `delete-apsd` order. */
  readonly orderId: string | null;
  readonly deliveries: number;
  /**
   * The clean-up session for the SE agent to run now (SEI: DELETE applet, APSD, load file), with a
   * credential good for that session only; null when there is nothing left to clean.
   */
  readonly cleanup: { readonly sessionId: string; readonly credential: string } | null;
}
