import { field, object, only, type Json } from '../../http/validate.js';
import type { WireStep } from '../script.js';
import type { Purpose, SessionState } from './sessions.js';

/*
 * The relay protocol's JSON documents (docs/services/tsm.md, "Relay protocol"), with the checks of
 * what the app sends. Every refusal names the member at fault (`ERR_REQUEST_FIELD`).
 */

/** A batch the app runs: steps (script.ts), numbered from 1 within the session. */
export interface BatchDocument {
  readonly seq: number;
  readonly steps: readonly WireStep[];
}

/** Why a session ended, when it did not complete. */
export interface FailureDocument {
  readonly code: string;
  readonly detail: string;
  /** The batch and step where it happened, with the status word when a step answered one. */
  readonly batch?: number;
  readonly step?: number;
  readonly label?: string;
  readonly sw?: string;
}

/** The state of a session: what the app GETs, and what every POST answers. */
export interface SessionDocument {
  readonly sessionId: string;
  readonly purpose: Purpose;
  readonly seId: string;
  /** The app instance that runs it; null for a clean-up the OS's SE agent runs after a reset notice. */
  readonly appInstanceId: string | null;
  readonly state: SessionState;
  readonly expiresAt: string;
  /** While `active`: the batch to run (the same one, for the same number, every time it is asked for). */
  readonly batch?: BatchDocument;
  /** While `awaiting-signature`: the document to sign (base64): the issuance application or re-initialisation request (the card), the holder revocation request (the applet). */
  readonly application?: string;
  /** While `awaiting-replacement` and once `completed`: what the session did (certificate serials, secrets re-initialised). */
  readonly result?: Record<string, unknown>;
  /**
   * Only while `awaiting-replacement` (issuance, re-initialisation): the temporary PIN and/or password
   * the element now holds, for the app to replace with the user's own at once and confirm
   * (`POST …/secrets-replaced`). Never in any other state: purged at the confirmation or when the session ends.
   */
  readonly temporary?: { readonly pin?: string; readonly password?: string };
  readonly failure?: FailureDocument;
}

/** What the app reports for a batch. */
export interface BatchResults {
  /** One response APDU (hex) per step run, in order; the agent stops after the first unexpected one. */
  readonly responses: readonly string[];
  /** A failure on the phone's side, at step `responses.length` (no channel, transmit error). */
  readonly error?: { readonly code: string; readonly detail: string };
}

/** At most the largest response APDU (65,536 data bytes and the SW), in hex. */
const MAX_RESPONSE_HEX = 2 * (65536 + 2);
export const MAX_STEPS = 512;
const HEX = /^(?:[0-9A-Fa-f]{2})+$/;

export function parseBatchResults(value: unknown): BatchResults {
  const o = object(value);
  only(o, ['responses', 'error']);
  const responses = o.responses;
  if (!Array.isArray(responses)) throw field('body.responses', 'must be an array of response APDUs in hex');
  if (responses.length > MAX_STEPS) throw field('body.responses', `must hold at most ${MAX_STEPS} responses`);
  const out = responses.map((r, i) => {
    if (typeof r !== 'string' || r.length < 4 || r.length > MAX_RESPONSE_HEX || !HEX.test(r)) throw field(`body.responses[${i}]`, 'must be a response APDU in hex (data and SW1 SW2)');
    return r.toUpperCase();
  });
  if (o.error === undefined) return { responses: out };
  const e: Json = object(o.error, 'body.error');
  only(e, ['code', 'detail'], 'body.error');
  if (typeof e.code !== 'string' || !/^[a-z][a-z0-9-]{0,39}$/.test(e.code)) throw field('body.error.code', 'must be a lowercase-dashed code of 1..40 characters');
  if (e.detail !== undefined && (typeof e.detail !== 'string' || e.detail.length > 500)) throw field('body.error.detail', 'must be a string of at most 500 characters');
  return { responses: out, error: { code: e.code, detail: typeof e.detail === 'string' ? e.detail : '' } };
}

export const PURPOSES: readonly Purpose[] = ['prepare', 'issue', 'sync', 'delete', 'revoke', 'reset-cleanup', 'reset-pin'];
