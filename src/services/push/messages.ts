import { toDbTimestamp } from '../../store/index.js';
import type { PushContext } from './context.js';
import { PushError } from './errors.js';
import { newMessageId, secretHash, TOKEN_PATTERN } from './identifiers.js';
import { collapse, expire, insertMessage, messageOfSender, pendingCount, type MessageRow, type MessageState, type Priority } from './message-store.js';
import { deviceById, registrationByTokenHash, type DeadReason } from './repository.js';
import type { Sender } from './senders.js';

/**
 * Sending and message status: the sender's half of the service (FCM's `messages:send`). A message is
 * addressed to one registration token, carries a small JSON object, and lives until it is delivered
 * (acknowledged by the device) or its time to live runs out. The send commits the message before it
 * answers: from then on it survives a crash of any process.
 */

export interface SendRequest {
  /** The registration token the app got (`PushDeviceClient.register`). */
  readonly token: string;
  /** A JSON object, at most `maxDataBytes` (4 KiB) as JSON text. */
  readonly data: Record<string, unknown>;
  /** Seconds the message may wait for an offline device, 0..2,419,200 (28 days); default 4 weeks. 0: now or never. */
  readonly ttl?: number;
  /** A newer message with the same key replaces an undelivered older one for the same token. */
  readonly collapseKey?: string;
  /** `high` messages are handed over before `normal` ones. Default `normal`. */
  readonly priority?: Priority;
}

export interface SendResult {
  readonly id: string;
  /** `pending`, or `expired` for a time to live of 0 to a device that is not connected. */
  readonly status: 'pending' | 'expired';
  readonly createdAt: string;
  readonly expiresAt: string;
  /** Ids of the older messages this one replaced (same collapse key, not yet delivered). */
  readonly collapsed: readonly string[];
}

/** What a sender can know about one of its messages. Timestamps are ISO-8601 UTC; absent ones are null. */
export interface MessageStatus {
  readonly id: string;
  readonly status: MessageState;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly ttl: number;
  readonly priority: Priority;
  readonly collapseKey: string | null;
  /** Times the message was handed to the device (more than 1: it was re-sent, not acknowledged in time). */
  readonly attempts: number;
  readonly lastAttemptAt: string | null;
  readonly deliveredAt: string | null;
  readonly expiredAt: string | null;
  readonly failedAt: string | null;
  /** Why it failed: the token died before delivery (`app-removed`, `re-registered`, `device-reset`, `inactive`). */
  readonly failureReason: DeadReason | null;
  readonly collapsedAt: string | null;
  /** The newer message that replaced it (status `collapsed`). */
  readonly replacedBy: string | null;
}

const DEAD_DETAIL: Record<DeadReason, string> = {
  'app-removed': 'the app was removed from the device',
  're-registered': 'the app registered again and has a new token',
  'device-reset': 'the device was reset',
  inactive: 'the device has not connected for too long',
};

/** Checks `data` (a JSON value already parsed): an object, bounded in depth and in size. Returns its JSON text. */
export function checkData(ctx: PushContext, data: unknown): string {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new PushError('ERR_PUSH_REQUEST', 'data must be a JSON object');
  const depth = (v: unknown, d: number): void => {
    if (d > ctx.limits.maxDataDepth) throw new PushError('ERR_PUSH_REQUEST', `data may nest at most ${ctx.limits.maxDataDepth} levels`);
    if (typeof v === 'object' && v !== null) for (const x of Object.values(v)) depth(x, d + 1);
  };
  depth(data, 1);
  let text: string;
  try {
    text = JSON.stringify(data);
  } catch (err) {
    throw new PushError('ERR_PUSH_REQUEST', 'data is not representable as JSON', { cause: err });
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > ctx.limits.maxDataBytes) throw new PushError('ERR_PUSH_DATA_TOO_LARGE', `data is ${bytes} bytes of JSON; at most ${ctx.limits.maxDataBytes}`);
  return text;
}

export async function send(ctx: PushContext, sender: Sender, req: SendRequest): Promise<SendResult> {
  if (!TOKEN_PATTERN.test(req.token)) throw new PushError('ERR_PUSH_REQUEST', 'a registration token is 43 base64url characters');
  const ttl = req.ttl ?? ctx.limits.defaultTtlSeconds;
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > ctx.limits.maxTtlSeconds) throw new PushError('ERR_PUSH_REQUEST', `ttl must be an integer from 0 to ${ctx.limits.maxTtlSeconds} seconds`);
  const priority = req.priority ?? 'normal';
  if (priority !== 'normal' && priority !== 'high') throw new PushError('ERR_PUSH_REQUEST', 'priority is normal or high');
  if (req.collapseKey !== undefined && !/^[\x21-\x7e]{1,64}$/.test(req.collapseKey)) throw new PushError('ERR_PUSH_REQUEST', 'a collapse key is 1-64 printable ASCII characters');
  const data = checkData(ctx, req.data);
  const tokenHash = secretHash(req.token);
  const id = newMessageId(ctx.random);
  const now = ctx.clock();
  const createdAt = toDbTimestamp(now);
  const result = await ctx.db.transaction(async (tx) => {
    const reg = await registrationByTokenHash(tx, tokenHash);
    if (!reg) throw new PushError('ERR_PUSH_UNKNOWN_TOKEN', 'no registration has this token');
    if (reg.state === 'dead') throw new PushError('ERR_PUSH_UNREGISTERED', `the token is dead: ${DEAD_DETAIL[reg.dead_reason!]} (${reg.dead_reason}); stop sending to it`);
    let expiresAt: string;
    if (ttl > 0) {
      expiresAt = toDbTimestamp(new Date(now.getTime() + ttl * 1000));
    } else {
      // Now or never (FCM's ttl 0): deliverable while the device's current connection lasts.
      const device = await deviceById(tx, reg.device_id);
      const until = device?.connected_until ?? null;
      expiresAt = until !== null && until > createdAt ? until : createdAt;
    }
    const collapsed = req.collapseKey === undefined ? [] : await collapse(tx, reg.id, req.collapseKey, id, createdAt);
    if ((await pendingCount(tx, reg.id, createdAt)) >= ctx.limits.maxPendingPerToken) {
      throw new PushError('ERR_PUSH_QUOTA', `${ctx.limits.maxPendingPerToken} messages are already waiting for this token; retry once the device has received some`);
    }
    const expired = expiresAt <= createdAt;
    await insertMessage(
      tx,
      { id, senderId: sender.id, registrationId: reg.id, deviceId: reg.device_id, priority, collapseKey: req.collapseKey ?? null, ttlSeconds: ttl, data, createdAt, expiresAt },
      expired,
    );
    return { deviceId: reg.device_id, status: expired ? ('expired' as const) : ('pending' as const), expiresAt, collapsed };
  });
  if (result.status === 'pending') ctx.wake([result.deviceId]);
  return { id, status: result.status, createdAt, expiresAt: result.expiresAt, collapsed: result.collapsed };
}

function statusOf(m: MessageRow): MessageStatus {
  const at = (s: MessageState) => (m.status === s ? m.final_at : null);
  return {
    id: m.id,
    status: m.status,
    createdAt: m.created_at,
    expiresAt: m.expires_at,
    ttl: Number(m.ttl_seconds),
    priority: m.priority,
    collapseKey: m.collapse_key,
    attempts: Number(m.attempts),
    lastAttemptAt: m.last_attempt_at,
    deliveredAt: at('delivered'),
    expiredAt: at('expired'),
    failedAt: at('failed'),
    failureReason: m.failure_reason,
    collapsedAt: at('collapsed'),
    replacedBy: m.replaced_by,
  };
}

/** The status of one of the sender's own messages; another sender's is as unknown as a missing one. */
export async function messageStatus(ctx: PushContext, sender: Sender, id: string): Promise<MessageStatus> {
  let row = await messageOfSender(ctx.db, id, sender.id);
  if (!row) throw new PushError('ERR_PUSH_UNKNOWN_MESSAGE', 'no message with this id from this sender');
  const now = toDbTimestamp(ctx.clock());
  if (row.status === 'pending' && row.expires_at <= now) {
    // Expiry on read: the sweep may not have run yet; the answer and the store agree from now on.
    await ctx.db.transaction((tx) => expire(tx, now, 1, id));
    row = (await messageOfSender(ctx.db, id, sender.id)) ?? row;
  }
  return statusOf(row);
}
