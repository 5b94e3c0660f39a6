import { appendAudit, toDbTimestamp } from '../../store/index.js';
import type { PushContext } from './context.js';
import { deleteFinished, expire } from './message-store.js';
import { activeRegistrations, killRegistrations } from './repository.js';

/**
 * The service's housekeeping, run on a schedule by every process (each step is idempotent and in short
 * transactions, so processes running it at once only share the work):
 * 1. pending messages whose time to live ran out become `expired` (reads expire too: messages.ts, and
 *    the poll never hands over an expired one, so the sweep's timing changes no outcome);
 * 2. devices not seen for `inactiveAfterSeconds` lose their tokens (reason `inactive`, FCM's stale
 *    token), failing their pending messages;
 * 3. messages in a final state for longer than `retentionSeconds` are deleted.
 */
export interface SweepResult {
  readonly expired: number;
  readonly inactiveDevices: number;
  readonly failedMessages: number;
  readonly deleted: number;
}

const BATCH = 1000;

export async function sweep(ctx: PushContext): Promise<SweepResult> {
  const now = ctx.clock();
  const at = toDbTimestamp(now);
  let expired = 0;
  for (let n = BATCH; n === BATCH; ) {
    n = await ctx.db.transaction((tx) => expire(tx, at, BATCH));
    expired += n;
  }

  const cutoff = toDbTimestamp(new Date(now.getTime() - ctx.limits.inactiveAfterSeconds * 1000));
  let inactiveDevices = 0;
  let failedMessages = 0;
  for (;;) {
    const stale = await ctx.db.query<{ id: string }>(
      `SELECT d.id FROM push_devices d WHERE d.state = 'active' AND d.last_seen_at < $1
       AND EXISTS (SELECT 1 FROM push_registrations r WHERE r.device_id = d.id AND r.state = 'active') ORDER BY d.last_seen_at, d.id LIMIT 100`,
      [cutoff],
    );
    if (stale.length === 0) break;
    for (const { id } of stale) {
      const failed = await ctx.db.transaction(async (tx) => {
        // Seen again since the read: not stale any more.
        const still = await tx.query<{ id: string }>("SELECT id FROM push_devices WHERE id = $1 AND state = 'active' AND last_seen_at < $2", [id, cutoff]);
        if (still.length === 0) return undefined;
        const regs = await activeRegistrations(tx, id);
        const n = await killRegistrations(tx, regs.map((r) => r.id), 'inactive', at);
        await appendAudit(tx, { at: now, actor: 'system:push', action: 'push-tokens-inactive', subject: id, payload: { deviceId: id, deadTokens: regs.length, failedMessages: n } });
        return n;
      });
      if (failed === undefined) continue;
      inactiveDevices++;
      failedMessages += failed;
    }
    if (stale.length < 100) break;
  }

  const before = toDbTimestamp(new Date(now.getTime() - ctx.limits.retentionSeconds * 1000));
  let deleted = 0;
  for (let n = BATCH; n === BATCH; ) {
    n = await ctx.db.transaction((tx) => deleteFinished(tx, before, BATCH));
    deleted += n;
  }
  return { expired, inactiveDevices, failedMessages, deleted };
}
