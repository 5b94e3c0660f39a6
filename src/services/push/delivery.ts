import { toDbTimestamp } from '../../store/index.js';
import type { PushContext } from './context.js';
import { PushError } from './errors.js';
import { MESSAGE_ID_PATTERN } from './identifiers.js';
import { PRESENCE_SLACK_MS } from './limits.js';
import { acknowledge, deliverable, recordAttempt, type Priority } from './message-store.js';
import { touchDevice, type DeviceRow } from './repository.js';
import type { Waiters } from './waiters.js';

/**
 * Delivery to the device: long-poll and acknowledgement. At-least-once: a message handed over stays
 * pending until the device acknowledges it, and every poll hands over whatever is pending, so a
 * message whose acknowledgement was lost comes again (same id: the device deduplicates). A message
 * whose time to live has run out is never handed over.
 */

/** A message as the device receives it. */
export interface PushMessage {
  readonly id: string;
  /** The app it is for (the registration's app id). */
  readonly appId: string;
  readonly data: Record<string, unknown>;
  readonly priority: Priority;
  readonly collapseKey: string | null;
  readonly sentAt: string;
  readonly expiresAt: string;
  /** 1 the first time it is handed over, 2 and more when it is re-sent. */
  readonly attempt: number;
}

export interface AckResult {
  /** Ids now delivered (including ones acknowledged before: an ack is idempotent). */
  readonly delivered: readonly string[];
  /** Ids that are not this device's, were never handed over, or ended otherwise (failed, collapsed, expired unseen). */
  readonly ignored: readonly string[];
}

/** Hands over what is deliverable now and counts the attempt, in one short transaction. */
async function take(ctx: PushContext, deviceId: string): Promise<PushMessage[]> {
  const at = toDbTimestamp(ctx.clock());
  // A read first: an empty poll, the common case, writes nothing.
  const rows = await deliverable(ctx.db, deviceId, at, ctx.limits.maxBatch);
  if (rows.length === 0) return [];
  const attempts = await ctx.db.transaction((tx) => recordAttempt(tx, rows.map((r) => r.id), at));
  return rows
    .filter((r) => attempts.has(r.id))
    .map((r) => ({
      id: r.id,
      appId: r.app_id,
      data: JSON.parse(r.data) as Record<string, unknown>,
      priority: r.priority,
      collapseKey: r.collapse_key,
      sentAt: r.created_at,
      expiresAt: r.expires_at,
      attempt: attempts.get(r.id)!,
    }));
}

/**
 * Records that the device is connected until its poll ends plus a slack, so that a time to live of 0
 * reaches it; written only when the recorded window would not cover this poll (about one write per
 * two polls of a continuously polling device, none for a poll inside the window).
 */
async function markConnected(ctx: PushContext, device: DeviceRow, waitMs: number): Promise<void> {
  const now = ctx.clock();
  const needed = toDbTimestamp(new Date(now.getTime() + waitMs));
  if (device.connected_until !== null && device.connected_until >= needed) return;
  const until = toDbTimestamp(new Date(now.getTime() + waitMs + PRESENCE_SLACK_MS));
  const active = await ctx.db.transaction((tx) => touchDevice(tx, device.id, toDbTimestamp(now), until));
  if (!active) throw new PushError('ERR_PUSH_DEVICE_RESET', 'this device identity was reset: enrol again');
}

/**
 * The long-poll: answers at once with the device's deliverable messages, else waits up to `waitMs`
 * for one to arrive (woken by a send in this process or by the message feed), else answers empty.
 */
export async function poll(ctx: PushContext, waiters: Waiters, device: DeviceRow, waitMs: number, signal?: AbortSignal): Promise<PushMessage[]> {
  // Refused (overloaded, closing) before anything is written; counted as waiting once it is connected.
  waiters.admit(device.id);
  await markConnected(ctx, device, waitMs);
  const waiter = waiters.add(device.id);
  try {
    const deadline = performance.now() + waitMs;
    for (;;) {
      waiter.clear();
      const messages = await take(ctx, device.id);
      if (messages.length > 0) return messages;
      const left = deadline - performance.now();
      if (waiter.released || signal?.aborted || left <= 0) return [];
      await waiter.next(left, signal);
    }
  } finally {
    waiters.remove(waiter);
  }
}

export async function ack(ctx: PushContext, device: DeviceRow, ids: readonly string[]): Promise<AckResult> {
  if (ids.length > ctx.limits.maxBatch) throw new PushError('ERR_PUSH_REQUEST', `at most ${ctx.limits.maxBatch} ids per acknowledgement`);
  for (const id of ids) if (!MESSAGE_ID_PATTERN.test(id)) throw new PushError('ERR_PUSH_REQUEST', 'a message id is msg_ and 22 base64url characters');
  const unique = [...new Set(ids)];
  const at = toDbTimestamp(ctx.clock());
  const delivered = new Set(await ctx.db.transaction((tx) => acknowledge(tx, device.id, unique, at)));
  return { delivered: unique.filter((id) => delivered.has(id)), ignored: unique.filter((id) => !delivered.has(id)) };
}
