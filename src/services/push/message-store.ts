import type { Queryable, SqlValue } from '../../store/index.js';
import type { DeadReason } from './repository.js';

/** The messages table (003-push.ts): SQL in one place for sending, delivery, status and the sweep. */

export type MessageState = 'pending' | 'delivered' | 'expired' | 'failed' | 'collapsed';
export type Priority = 'normal' | 'high';

export interface MessageRow {
  seq: number;
  id: string;
  sender_id: string;
  registration_id: string;
  device_id: string;
  priority: Priority;
  collapse_key: string | null;
  ttl_seconds: number;
  data: string | null;
  status: MessageState;
  failure_reason: DeadReason | null;
  replaced_by: string | null;
  created_at: string;
  expires_at: string;
  attempts: number;
  last_attempt_at: string | null;
  final_at: string | null;
}

/** A pending message as the poll reads it, with its app. */
export interface DeliverableRow {
  id: string;
  app_id: string;
  data: string;
  priority: Priority;
  collapse_key: string | null;
  created_at: string;
  expires_at: string;
}

export interface NewMessage {
  readonly id: string;
  readonly senderId: string;
  readonly registrationId: string;
  readonly deviceId: string;
  readonly priority: Priority;
  readonly collapseKey: string | null;
  readonly ttlSeconds: number;
  readonly data: string;
  readonly createdAt: string;
  readonly expiresAt: string;
}

function list(values: readonly string[], from: number): string {
  return values.map((_, i) => `$${i + from}`).join(', ');
}

/** Inserts a message: pending, or already expired (a time to live of 0 to a device that is not connected). */
export async function insertMessage(q: Queryable, m: NewMessage, expired: boolean): Promise<void> {
  await q.execute(
    `INSERT INTO push_messages (id, sender_id, registration_id, device_id, priority, collapse_key, ttl_seconds, data, status, created_at, expires_at, final_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [m.id, m.senderId, m.registrationId, m.deviceId, m.priority, m.collapseKey, m.ttlSeconds, expired ? null : m.data, expired ? 'expired' : 'pending', m.createdAt, m.expiresAt, expired ? m.expiresAt : null],
  );
}

/** Replaces the undelivered messages of a registration that share a collapse key; returns their ids. */
export async function collapse(q: Queryable, registrationId: string, collapseKey: string, replacedBy: string, at: string): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    `UPDATE push_messages SET status = 'collapsed', replaced_by = $3, final_at = $4, data = NULL
     WHERE registration_id = $1 AND collapse_key = $2 AND status = 'pending' AND expires_at > $4 RETURNING id`,
    [registrationId, collapseKey, replacedBy, at],
  );
  return rows.map((r) => r.id).sort();
}

/** Messages a registration has waiting (not yet expired). */
export async function pendingCount(q: Queryable, registrationId: string, at: string): Promise<number> {
  const rows = await q.query<{ n: number }>("SELECT COUNT(*) AS n FROM push_messages WHERE registration_id = $1 AND status = 'pending' AND expires_at > $2", [registrationId, at]);
  return Number(rows[0]!.n);
}

/** What a device may be given now: pending, unexpired, high priority first, then in sending order. */
export async function deliverable(q: Queryable, deviceId: string, at: string, limit: number): Promise<DeliverableRow[]> {
  return q.query<DeliverableRow>(
    `SELECT m.id, r.app_id, m.data, m.priority, m.collapse_key, m.created_at, m.expires_at
     FROM push_messages m JOIN push_registrations r ON r.id = m.registration_id
     WHERE m.device_id = $1 AND m.status = 'pending' AND m.expires_at > $2
     ORDER BY CASE WHEN m.priority = 'high' THEN 0 ELSE 1 END, m.seq
     LIMIT ${Math.trunc(limit)}`,
    [deviceId, at],
  );
}

/** Counts a hand-over to the device; returns the ids still pending and unexpired, with their attempt number. */
export async function recordAttempt(q: Queryable, ids: readonly string[], at: string): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await q.query<{ id: string; attempts: number }>(
    `UPDATE push_messages SET attempts = attempts + 1, last_attempt_at = $1
     WHERE status = 'pending' AND expires_at > $1 AND id IN (${list(ids, 2)}) RETURNING id, attempts`,
    [at, ...ids],
  );
  return new Map(rows.map((r) => [r.id, Number(r.attempts)]));
}

/**
 * Marks messages of a device delivered on its acknowledgement. Only a message that was handed over
 * (attempts > 0) can be; one that expired after it was handed over is delivered too (the device has
 * it). Returns the ids now delivered, including those delivered before (an ack is idempotent).
 */
export async function acknowledge(q: Queryable, deviceId: string, ids: readonly string[], at: string): Promise<string[]> {
  if (ids.length === 0) return [];
  await q.execute(
    `UPDATE push_messages SET status = 'delivered', final_at = $2, data = NULL
     WHERE device_id = $1 AND attempts > 0 AND status IN ('pending', 'expired') AND id IN (${list(ids, 3)})`,
    [deviceId, at, ...ids],
  );
  const rows = await q.query<{ id: string }>(`SELECT id FROM push_messages WHERE device_id = $1 AND status = 'delivered' AND id IN (${list(ids, 2)})`, [deviceId, ...ids]);
  return rows.map((r) => r.id);
}

export async function messageOfSender(q: Queryable, id: string, senderId: string): Promise<MessageRow | undefined> {
  return (await q.query<MessageRow>('SELECT * FROM push_messages WHERE id = $1 AND sender_id = $2', [id, senderId]))[0];
}

/**
 * Expires pending messages whose time to live has run out, at most `limit` at a time (a short
 * transaction); `final_at` is the expiry time itself. With `id`, only that message.
 */
export async function expire(q: Queryable, at: string, limit: number, id?: string): Promise<number> {
  const r = await q.execute(
    `UPDATE push_messages SET status = 'expired', final_at = expires_at, data = NULL
     WHERE seq IN (SELECT seq FROM push_messages WHERE status = 'pending' AND expires_at <= $1${id === undefined ? '' : ' AND id = $2'} ORDER BY expires_at LIMIT ${Math.trunc(limit)})`,
    id === undefined ? [at] : [at, id],
  );
  return r.changes;
}

/** Deletes messages that reached a final state before `before`, at most `limit` at a time. */
export async function deleteFinished(q: Queryable, before: string, limit: number): Promise<number> {
  const r = await q.execute(
    `DELETE FROM push_messages WHERE seq IN (SELECT seq FROM push_messages WHERE status <> 'pending' AND final_at < $1 ORDER BY final_at LIMIT ${Math.trunc(limit)})`,
    [before],
  );
  return r.changes;
}

/** New messages in commit order after `seq` (the cross-process feed of message-feed.ts). */
export async function messagesAfter(q: Queryable, seq: number, limit: number): Promise<{ seq: number; device_id: string }[]> {
  return q.query<{ seq: number; device_id: string }>(`SELECT seq, device_id FROM push_messages WHERE seq > $1 ORDER BY seq LIMIT ${Math.trunc(limit)}`, [seq]);
}

export async function lastSeq(q: Queryable): Promise<number> {
  const rows = await q.query<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM push_messages');
  return Number(rows[0]?.seq ?? 0);
}

/** A message as the administrator's listing reads it, with its registration's app. */
export interface ListedRow extends MessageRow {
  app_id: string;
}

export interface ListQuery {
  /** Messages with `seq` above it, oldest first; or `before`: below it, newest first; neither: newest first. */
  readonly after?: number;
  readonly before?: number;
  readonly limit: number;
  readonly deviceId?: string;
  readonly registrationId?: string;
  readonly senderId?: string;
  /** The status as a reader sees it at `at`: a pending message past its expiry is `expired`. */
  readonly status?: MessageState;
  readonly at: string;
}

/** One page of messages for the administrator's listing (admin.ts). */
export async function listMessages(q: Queryable, query: ListQuery): Promise<ListedRow[]> {
  const where: string[] = [];
  const params: SqlValue[] = [];
  const param = (v: SqlValue) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (query.after !== undefined) where.push(`m.seq > ${param(query.after)}`);
  if (query.before !== undefined) where.push(`m.seq < ${param(query.before)}`);
  if (query.deviceId !== undefined) where.push(`m.device_id = ${param(query.deviceId)}`);
  if (query.registrationId !== undefined) where.push(`m.registration_id = ${param(query.registrationId)}`);
  if (query.senderId !== undefined) where.push(`m.sender_id = ${param(query.senderId)}`);
  if (query.status === 'pending') where.push(`m.status = 'pending' AND m.expires_at > ${param(query.at)}`);
  else if (query.status === 'expired') where.push(`(m.status = 'expired' OR (m.status = 'pending' AND m.expires_at <= ${param(query.at)}))`);
  else if (query.status !== undefined) where.push(`m.status = ${param(query.status)}`);
  const order = query.after !== undefined ? 'ASC' : 'DESC';
  return q.query<ListedRow>(
    `SELECT m.seq, m.id, m.sender_id, m.registration_id, m.device_id, r.app_id, m.priority, m.collapse_key, m.ttl_seconds, m.data, m.status, m.failure_reason,
            m.replaced_by, m.created_at, m.expires_at, m.attempts, m.last_attempt_at, m.final_at
     FROM push_messages m JOIN push_registrations r ON r.id = m.registration_id
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY m.seq ${order} LIMIT ${Math.trunc(query.limit)}`,
    params,
  );
}
