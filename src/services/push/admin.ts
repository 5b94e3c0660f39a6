import { toDbTimestamp } from '../../store/index.js';
import type { PushContext } from './context.js';
import { PushError } from './errors.js';
import { listMessages, type ListedRow, type MessageState, type Priority } from './message-store.js';
import type { DeadReason } from './repository.js';

/**
 * The administrator's listing of messages (the inspector's view): every sender's messages, in `seq`
 * (commit) order, a page at a time. Nothing secret is shown: a registration token is known here only by
 * its SHA-256, so a message names its token by the registration's id (`reg_…`), with the device and the
 * app. The payload is read only for its `purpose` member, and only while the message is pending (a
 * final state erases the payload). Reading changes nothing: a pending message past its time to live is
 * shown `expired` (as the sweep will record it), without writing.
 */

export const MESSAGE_STATES: readonly MessageState[] = ['pending', 'delivered', 'expired', 'failed', 'collapsed'];

export interface ListMessagesQuery {
  /** Oldest first from after this `seq` (0: from the start). */
  readonly after?: number;
  /** Newest first from below this `seq`. Neither: newest first from the end. */
  readonly before?: number;
  /** 1 to `maxListPage` (default 50). */
  readonly limit?: number;
  readonly deviceId?: string;
  /** The registration (token) id, `reg_…`. */
  readonly registrationId?: string;
  readonly senderId?: string;
  readonly status?: MessageState;
}

export interface ListedMessage {
  readonly seq: number;
  readonly id: string;
  readonly sender: string;
  readonly deviceId: string;
  readonly registrationId: string;
  readonly appId: string;
  readonly status: MessageState;
  /** The payload's `purpose` (a TSM's session purpose: `delete`, `reset-cleanup`, …) while it is held; null once final. */
  readonly purpose: string | null;
  readonly priority: Priority;
  readonly collapseKey: string | null;
  readonly ttl: number;
  readonly attempts: number;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly lastAttemptAt: string | null;
  /** When it reached its status (delivered, expired, failed, collapsed); null while pending. */
  readonly finishedAt: string | null;
  readonly failureReason: DeadReason | null;
  readonly replacedBy: string | null;
}

export interface MessagePage {
  readonly messages: readonly ListedMessage[];
  /** The `seq` to give as the same cursor (`after`, or `before`) for the next page; null at the end. */
  readonly next: number | null;
}

/** The largest page the listing gives. */
export const MAX_LIST_PAGE = 200;

function purposeOf(data: string | null): string | null {
  if (data === null) return null;
  try {
    const value = (JSON.parse(data) as Record<string, unknown>).purpose;
    return typeof value === 'string' && /^[\x20-\x7e]{1,64}$/.test(value) ? value : null;
  } catch {
    return null;
  }
}

function listed(row: ListedRow, now: string): ListedMessage {
  const lapsed = row.status === 'pending' && row.expires_at <= now;
  return {
    seq: Number(row.seq),
    id: row.id,
    sender: row.sender_id,
    deviceId: row.device_id,
    registrationId: row.registration_id,
    appId: row.app_id,
    status: lapsed ? 'expired' : row.status,
    purpose: purposeOf(row.data),
    priority: row.priority,
    collapseKey: row.collapse_key,
    ttl: Number(row.ttl_seconds),
    attempts: Number(row.attempts),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastAttemptAt: row.last_attempt_at,
    finishedAt: lapsed ? row.expires_at : row.final_at,
    failureReason: row.failure_reason,
    replacedBy: row.replaced_by,
  };
}

export async function listAllMessages(ctx: PushContext, query: ListMessagesQuery): Promise<MessagePage> {
  const limit = query.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_PAGE) throw new PushError('ERR_PUSH_REQUEST', `limit must be an integer from 1 to ${MAX_LIST_PAGE}`);
  if (query.after !== undefined && query.before !== undefined) throw new PushError('ERR_PUSH_REQUEST', 'give after or before, not both');
  for (const [name, v] of [['after', query.after], ['before', query.before]] as const) {
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) throw new PushError('ERR_PUSH_REQUEST', `${name} must be a non-negative integer (a seq)`);
  }
  if (query.status !== undefined && !MESSAGE_STATES.includes(query.status)) throw new PushError('ERR_PUSH_REQUEST', `status is one of ${MESSAGE_STATES.join(', ')}`);
  const at = toDbTimestamp(ctx.clock());
  const rows = await listMessages(ctx.db, { ...query, limit, at });
  const messages = rows.map((r) => listed(r, at));
  return { messages, next: messages.length === limit ? messages[messages.length - 1]!.seq : null };
}
