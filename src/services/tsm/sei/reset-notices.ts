import { bytesEqual, constantTimeEqual, toHex } from '../../../bytes/index.js';
import { cardCryptogram, deriveSessionKeys, parseInitializeUpdateResponse } from '../../../crypto/index.js';
import type { Queryable } from '../../../store/index.js';
import { TsmError } from '../errors.js';
import { identityFromCplc } from '../se-identity.js';
import { isdKeysFor, type SeiContext } from './context.js';
import { getElement, type ElementRow } from './elements.js';

/** A row of `sei_reset_notices` (migration 007). */
export interface ResetNoticeRow {
  notice_id: string;
  se_id: string;
  device_id: string;
  reset_at: string;
  outcome: 'reset' | 'stale';
  revoked: string;
  order_id: string | null;
  deliveries: number;
  received_at: string;
  last_delivery_at: string;
}

export async function getResetNotice(q: Queryable, noticeId: string): Promise<ResetNoticeRow | undefined> {
  return (await q.query<ResetNoticeRow>('SELECT * FROM sei_reset_notices WHERE notice_id = $1', [noticeId]))[0];
}

export async function insertResetNotice(q: Queryable, r: ResetNoticeRow): Promise<void> {
  await q.execute(
    'INSERT INTO sei_reset_notices (notice_id, se_id, device_id, reset_at, outcome, revoked, order_id, deliveries, received_at, last_delivery_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
    [r.notice_id, r.se_id, r.device_id, r.reset_at, r.outcome, r.revoked, r.order_id, r.deliveries, r.received_at, r.last_delivery_at],
  );
}

/** A repeated delivery: counted, and the time of the last one kept. */
export async function countDelivery(q: Queryable, noticeId: string, at: string): Promise<void> {
  await q.execute('UPDATE sei_reset_notices SET deliveries = deliveries + 1, last_delivery_at = $2 WHERE notice_id = $1', [noticeId, at]);
}

/**
 * The element a notice names, and the check of its proof (reset-notice.ts): the CPLC must be that of a
 * registered element, byte for byte, and the card cryptogram of the ISD's INITIALIZE UPDATE answer must
 * verify, under the ISD key set it names, over `hostChallenge` (the notice's hash) and its card
 * challenge. An unknown element is `ERR_TSM_UNKNOWN_ELEMENT`; a proof that does not verify (a forged or
 * altered notice, another element's answer) `ERR_TSM_NOTICE_UNAUTHENTICATED`.
 */
export async function checkResetProof(ctx: SeiContext, q: Queryable, cplc: Uint8Array, hostChallenge: Uint8Array, proof: Uint8Array): Promise<ElementRow> {
  const { seId, cplc: plain, kdd } = identityFromCplc(cplc);
  const element = await getElement(q, seId);
  if (!element || element.cplc !== toHex(plain)) throw new TsmError('ERR_TSM_UNKNOWN_ELEMENT', `no secure element ${seId} is registered with the SEI-TSM`);
  const unauthenticated = (why: string) => new TsmError('ERR_TSM_NOTICE_UNAUTHENTICATED', `the notice's proof does not verify: ${why}`);
  if (proof.length < 2 || proof[proof.length - 2] !== 0x90 || proof[proof.length - 1] !== 0x00) throw unauthenticated('it is not a successful INITIALIZE UPDATE answer');
  let card;
  try {
    card = parseInitializeUpdateResponse(proof.subarray(0, proof.length - 2));
  } catch (err) {
    throw new TsmError('ERR_TSM_NOTICE_UNAUTHENTICATED', "the notice's proof is not an INITIALIZE UPDATE answer", { cause: err });
  }
  if (!bytesEqual(card.keyDiversificationData, kdd)) throw unauthenticated("its key diversification data is not this element's");
  const keys = isdKeysFor(ctx, element, card.kvn);
  if (!keys) throw unauthenticated(`the ISD answered with key set ${card.kvn.toString(16).toUpperCase()}, which the SEI-TSM does not hold`);
  const session = deriveSessionKeys(keys, hostChallenge, card.cardChallenge);
  if (!constantTimeEqual(cardCryptogram(session.sMac, hostChallenge, card.cardChallenge), card.cardCryptogram)) throw unauthenticated('the card cryptogram is wrong');
  return element;
}
