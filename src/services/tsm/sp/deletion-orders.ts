import type { Queryable } from '../../../store/index.js';

/** Rows of `sp_deletion_orders` (migration 006) and the queries on them. */

export type DeletionKind = 'wipe-applet' | 'delete-apsd';
export type PushState = 'unsent' | 'no-token' | 'send-failed' | 'pending' | 'delivered' | 'expired' | 'failed' | 'collapsed';

export interface DeletionOrderRow {
  id: string;
  kind: DeletionKind;
  se_id: string;
  person_id: string | null;
  serials: string;
  reason: number | null;
  source: string;
  outbox_id: number | null;
  app_instance_id: string | null;
  state: 'pending' | 'done' | 'cancelled';
  push_message_id: string | null;
  push_status: PushState;
  push_detail: string | null;
  session_id: string | null;
  created_at: string;
  updated_at: string;
  done_at: string | null;
}

/** What an app (or an operator) is shown of an order. */
export interface DeletionOrderView {
  readonly orderId: string;
  readonly kind: DeletionKind;
  readonly seId: string;
  readonly state: DeletionOrderRow['state'];
  readonly serials: readonly string[];
  readonly reason: number | null;
  readonly source: string;
  readonly push: { readonly status: PushState; readonly messageId: string | null };
  /**
   * `confirmed`: the element ran the deletion; `waiting`: the push message waits for the phone;
   * `not-confirmed`: the phone could not be reached (message expired or failed, no push token): reset
   * the phone or bring it to a shop (flows.md 6.4).
   */
  readonly deletion: 'confirmed' | 'waiting' | 'not-confirmed' | 'cancelled';
  readonly createdAt: string;
  readonly doneAt: string | null;
}

const UNREACHABLE: ReadonlySet<PushState> = new Set(['no-token', 'expired', 'failed', 'collapsed']);

export function orderView(r: DeletionOrderRow): DeletionOrderView {
  const deletion = r.state === 'done' ? 'confirmed' : r.state === 'cancelled' ? 'cancelled' : UNREACHABLE.has(r.push_status) ? 'not-confirmed' : 'waiting';
  return {
    orderId: r.id,
    kind: r.kind,
    seId: r.se_id,
    state: r.state,
    serials: JSON.parse(r.serials) as string[],
    reason: r.reason === null ? null : Number(r.reason),
    source: r.source,
    push: { status: r.push_status, messageId: r.push_message_id },
    deletion,
    createdAt: r.created_at,
    doneAt: r.done_at,
  };
}

const COLUMNS = ['id', 'kind', 'se_id', 'person_id', 'serials', 'reason', 'source', 'outbox_id', 'app_instance_id', 'state', 'push_message_id', 'push_status', 'push_detail', 'session_id', 'created_at', 'updated_at', 'done_at'] as const;

export async function insertDeletionOrder(q: Queryable, row: DeletionOrderRow): Promise<void> {
  await q.execute(`INSERT INTO sp_deletion_orders (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`, COLUMNS.map((c) => row[c]));
}

export async function updateDeletionOrder(q: Queryable, id: string, changes: Partial<Omit<DeletionOrderRow, 'id' | 'created_at'>> & { updated_at: string }): Promise<void> {
  const keys = Object.keys(changes) as (keyof typeof changes)[];
  await q.execute(`UPDATE sp_deletion_orders SET ${keys.map((k, i) => `${k} = $${i + 2}`).join(', ')} WHERE id = $1`, [id, ...keys.map((k) => changes[k] as string | number | null)]);
}

export async function pendingOrdersOf(q: Queryable, seId: string, kind?: DeletionKind): Promise<DeletionOrderRow[]> {
  return kind
    ? q.query<DeletionOrderRow>(`SELECT * FROM sp_deletion_orders WHERE se_id = $1 AND kind = $2 AND state = 'pending' ORDER BY created_at, id`, [seId, kind])
    : q.query<DeletionOrderRow>(`SELECT * FROM sp_deletion_orders WHERE se_id = $1 AND state = 'pending' ORDER BY created_at, id`, [seId]);
}

export async function ordersWithPush(q: Queryable, push: PushState, limit = 100): Promise<DeletionOrderRow[]> {
  return q.query<DeletionOrderRow>(`SELECT * FROM sp_deletion_orders WHERE state = 'pending' AND push_status = $1 ORDER BY created_at, id LIMIT $2`, [push, limit]);
}

export async function ordersOfPerson(q: Queryable, personId: string): Promise<DeletionOrderRow[]> {
  return q.query<DeletionOrderRow>('SELECT * FROM sp_deletion_orders WHERE person_id = $1 ORDER BY created_at, id', [personId]);
}

export async function deletionOrders(q: Queryable, filter: { seId?: string } = {}): Promise<DeletionOrderRow[]> {
  return filter.seId === undefined
    ? q.query<DeletionOrderRow>('SELECT * FROM sp_deletion_orders ORDER BY created_at, id')
    : q.query<DeletionOrderRow>('SELECT * FROM sp_deletion_orders WHERE se_id = $1 ORDER BY created_at, id', [filter.seId]);
}

/** When the element's applet (or APSD) was last cleared by a completed order, if ever. */
export async function lastClearedAt(q: Queryable, seId: string): Promise<string | undefined> {
  const rows = await q.query<{ done_at: string }>(`SELECT done_at FROM sp_deletion_orders WHERE se_id = $1 AND state = 'done' ORDER BY done_at DESC LIMIT 1`, [seId]);
  return rows[0]?.done_at;
}
