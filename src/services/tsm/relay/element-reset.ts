import type { Database, Queryable } from '../../../store/index.js';
import { TsmError } from '../errors.js';
import { resetNoticeChallenge, type ResetNoticeAnswer } from '../reset-notice.js';
import { identityFromCplc } from '../se-identity.js';
import type { ResetNoticeRow, SeiTsm } from '../sei/sei-tsm.js';
import type { AppInstance, SpTsm } from '../sp/sp-tsm.js';

/*
 * Factory reset (flow 10), the two ways a phone tells it: its app's own request
 * (`POST /tsm/v1/elements/{seId}/reset`, the app instance credential) and the OS SE agent's notice
 * (`POST /tsm/v1/reset-notices`, proven by the element itself, reset-notice.ts). Both have the CA
 * revoke the element's phone certificates (cessationOfOperation, through the SP-TSM, over HTTP, before
 * the transaction), then, in one transaction: live sessions aborted, the element marked `reset` at the
 * SEI, its wipe orders replaced by a `delete-apsd` order, its app instances disabled. A notice also
 * opens the clean-up session at once, for the agent to run with a credential good for that session
 * only: so a phone that is online when reset is clean before its wipe ends.
 */

/**
 * How much later than the notice's `resetAt` (the phone's clock) a preparation must have begun for the
 * notice to be stale. Wrongly stale would leave a reset phone's certificates good and its applet in
 * place; wrongly not stale costs a re-preparation: the allowance errs on the side of the reset.
 */
const CLOCK_ALLOWANCE_MS = 10 * 60_000;

/** What the reset needs of the relay (relay-service.ts gives it). */
export interface ResetContext {
  readonly db: Database;
  readonly sei: SeiTsm;
  readonly sp: SpTsm;
  readonly now: () => string;
  /** Ends every live session of the element (`aborted`). */
  abortLive(q: Queryable, seId: string, detail: string): Promise<void>;
  /** Opens a `reset-cleanup` session for the OS's SE agent; its credential is returned once. */
  startAgentCleanup(q: Queryable, seId: string): Promise<{ sessionId: string; credential: string }>;
}

/** A notice as received (the HTTP edge checked its form). */
export interface ResetNoticeInput {
  readonly noticeId: string;
  readonly deviceId: string;
  readonly resetAt: string;
  readonly cplc: Uint8Array;
  readonly proof: Uint8Array;
}

async function markElementReset(ctx: ResetContext, q: Queryable, seId: string, personId: string | null, revoked: readonly string[], source: string): Promise<string> {
  await ctx.abortLive(q, seId, 'the secure element is being reset');
  await ctx.sei.markReset(q, seId);
  await ctx.sp.desk.cancel(q, seId, 'wipe-applet');
  const order = await ctx.sp.desk.place(q, { kind: 'delete-apsd', seId, personId, serials: revoked, reason: 5, source });
  await ctx.sp.disableAppInstances(q, seId);
  return order.id;
}

/** The app's own reset request (its credential names the element). */
export async function factoryReset(ctx: ResetContext, app: AppInstance, seId: string): Promise<{ seId: string; revoked: string[]; orderId: string; state: 'reset' }> {
  if (seId !== app.seId) throw new TsmError('ERR_TSM_FORBIDDEN', 'the app instance is registered for another secure element');
  const personId = (await ctx.sp.currentCertificates(seId))?.personId ?? null;
  const revoked = await ctx.sp.factoryResetRevocation(seId);
  return ctx.db.transaction(async (tx) => ({ seId, revoked, orderId: await markElementReset(ctx, tx, seId, personId, revoked, 'factory-reset'), state: 'reset' as const }));
}

function answerOf(row: ResetNoticeRow, cleanup: ResetNoticeAnswer['cleanup']): ResetNoticeAnswer {
  return { noticeId: row.notice_id, seId: row.se_id, state: row.outcome, revoked: JSON.parse(row.revoked) as string[], orderId: row.order_id, deliveries: row.deliveries, cleanup };
}

/** A repeated delivery: the same answer, and a new clean-up session while the element still waits for one. */
async function repeat(ctx: ResetContext, q: Queryable, row: ResetNoticeRow, n: ResetNoticeInput, seId: string, resetAt: string): Promise<{ status: 200; answer: ResetNoticeAnswer }> {
  if (row.se_id !== seId || row.device_id !== n.deviceId || row.reset_at !== resetAt) {
    throw new TsmError('ERR_TSM_NOTICE_CONFLICT', `notice ${row.notice_id} was received before with other contents`);
  }
  await ctx.sei.countNoticeDelivery(q, row.notice_id);
  const waiting = row.outcome === 'reset' && (await ctx.sei.element(seId, q))?.state === 'reset';
  const cleanup = waiting ? await ctx.startAgentCleanup(q, seId) : null;
  return { status: 200, answer: answerOf({ ...row, deliveries: row.deliveries + 1 }, cleanup) };
}

/**
 * The OS SE agent's reset notice. Checked first: the element is a registered one (by its CPLC) and the
 * proof verifies (`ERR_TSM_UNKNOWN_ELEMENT`, `ERR_TSM_NOTICE_UNAUTHENTICATED`; nothing written). The
 * same notice again gets the same answer (`200`; other contents under its id: `ERR_TSM_NOTICE_CONFLICT`).
 * A notice older than the element's last completed preparation (by more than the clock allowance) is
 * `stale`: recorded, nothing done (the phone was prepared, and maybe issued, again since; a late notice
 * must not revoke the new certificates).
 * Otherwise the element is reset (see above) and the clean-up session opened: `201`.
 *
 * What a forged notice could do: nothing, without the element (the proof); with the element in hand
 * (its OS's privileged SE agent), no more than the owner's own reset does.
 */
export async function acceptResetNotice(ctx: ResetContext, n: ResetNoticeInput): Promise<{ status: 200 | 201; answer: ResetNoticeAnswer }> {
  const cplc = identityFromCplc(n.cplc).cplc;
  const element = await ctx.sei.checkResetProof(ctx.db, cplc, resetNoticeChallenge({ ...n, cplc }), n.proof);
  const seId = element.seId;
  const noticeId = n.noticeId.toUpperCase();
  const resetAt = new Date(n.resetAt).toISOString();
  const prior = await ctx.sei.resetNotice(ctx.db, noticeId);
  if (prior) return ctx.db.transaction((tx) => repeat(ctx, tx, prior, n, seId, resetAt));
  const after = new Date(Date.parse(resetAt) + CLOCK_ALLOWANCE_MS).toISOString();
  const prepared = await ctx.db.query("SELECT 1 FROM tsm_sessions WHERE se_id = $1 AND purpose = 'prepare' AND state = 'completed' AND created_at > $2", [seId, after]);
  const stale = prepared.length > 0;
  const personId = stale ? null : ((await ctx.sp.currentCertificates(seId))?.personId ?? null);
  const revoked = stale ? [] : await ctx.sp.factoryResetRevocation(seId);
  return ctx.db.transaction(async (tx) => {
    const raced = await ctx.sei.resetNotice(tx, noticeId);
    if (raced) return repeat(ctx, tx, raced, n, seId, resetAt);
    const orderId = stale ? null : await markElementReset(ctx, tx, seId, personId, revoked, 'reset-notice');
    const cleanup = stale ? null : await ctx.startAgentCleanup(tx, seId);
    const now = ctx.now();
    const row: ResetNoticeRow = {
      notice_id: noticeId,
      se_id: seId,
      device_id: n.deviceId,
      reset_at: resetAt,
      outcome: stale ? 'stale' : 'reset',
      revoked: JSON.stringify(revoked),
      order_id: orderId,
      deliveries: 1,
      received_at: now,
      last_delivery_at: now,
    };
    await ctx.sei.recordResetNotice(tx, row);
    return { status: 201 as const, answer: answerOf(row, cleanup) };
  });
}
