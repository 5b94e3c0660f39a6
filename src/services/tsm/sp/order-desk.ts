import { toHex } from '../../../bytes/index.js';
import type { Database, Queryable } from '../../../store/index.js';
import { consumeOutbox, type OutboxEvent } from '../../jpki/outbox.js';
import { PHONE_KEYS_DELETE } from '../../jpki/revocation.js';
import { insertDeletionOrder, lastClearedAt, ordersWithPush, pendingOrdersOf, updateDeletionOrder, type DeletionKind, type DeletionOrderRow, type PushState } from './deletion-orders.js';

/** What the SP-TSM needs of the push service (PushSender fits). */
export interface PushPort {
  send(message: { token: string; data: Record<string, unknown>; ttl?: number; collapseKey?: string; priority?: 'normal' | 'high' }): Promise<{ id: string; status: string }>;
  status(id: string): Promise<{ status: string; failureReason?: string | null }>;
}

/** The data of every push message the SP-TSM sends: the app opens a relay session with this purpose. */
export interface TsmSessionTrigger {
  readonly type: 'tsm-session';
  readonly purpose: 'delete' | 'reset-cleanup';
  readonly orderId: string;
}

export interface OrderDeskOptions {
  readonly db: Database;
  readonly push?: PushPort;
  readonly clock: () => Date;
  readonly random: (n: number) => Uint8Array;
  /** Time to live of the push message that wakes the old app (default 7 days). */
  readonly pushTtlSeconds?: number;
}

export interface DispatchResult {
  readonly consumed: number;
  readonly sent: number;
  readonly updated: number;
}

/**
 * The SP-TSM's deletion orders (flows 6, 8, 9, 10): made from the certification service's outbox
 * (`phone-keys-delete`, consumed in the transaction that records the order) or by the factory-reset
 * endpoint; announced to the element's app by a push message `{type: 'tsm-session', purpose, orderId}`;
 * done when a session ran the deletion on the element. A message that expires or fails leaves the order
 * pending: that is what the new app shows as "deletion not confirmed". `dispatch()` is one pass (the
 * server runs it every few seconds; any process may, the outbox is consumed under the write lock).
 */
export class OrderDesk {
  readonly #o: OrderDeskOptions;

  constructor(options: OrderDeskOptions) {
    this.#o = options;
  }

  #now(): string {
    return this.#o.clock().toISOString();
  }

  newId(): string {
    return `del_${toHex(this.#o.random(12)).toLowerCase()}`;
  }

  /** Records an order (or adds the serials to the element's pending order of that kind). */
  async place(q: Queryable, o: { kind: DeletionKind; seId: string; personId: string | null; serials: readonly string[]; reason: number | null; source: string; outboxId?: number }): Promise<DeletionOrderRow> {
    const open = (await pendingOrdersOf(q, o.seId, o.kind))[0];
    const now = this.#now();
    if (open) {
      const serials = [...new Set([...(JSON.parse(open.serials) as string[]), ...o.serials])];
      await updateDeletionOrder(q, open.id, { serials: JSON.stringify(serials), updated_at: now });
      return { ...open, serials: JSON.stringify(serials) };
    }
    const row: DeletionOrderRow = {
      id: this.newId(),
      kind: o.kind,
      se_id: o.seId,
      person_id: o.personId,
      serials: JSON.stringify(o.serials),
      reason: o.reason,
      source: o.source,
      outbox_id: o.outboxId ?? null,
      app_instance_id: null,
      state: 'pending',
      push_message_id: null,
      push_status: 'unsent',
      push_detail: null,
      session_id: null,
      created_at: now,
      updated_at: now,
      done_at: null,
    };
    await insertDeletionOrder(q, row);
    return row;
  }

  /**
   * Orders of an element cleared otherwise (a new issuance overwrote the applet, a reset deletes the
   * APSD). An order naming one of `keep` stays: it is for what was just written (a concurrent issuance
   * for the same person superseded these very certificates at the CA before the session wrote them).
   */
  async cancel(q: Queryable, seId: string, kind: DeletionKind, keep: readonly string[] = []): Promise<void> {
    for (const o of await pendingOrdersOf(q, seId, kind)) {
      if ((JSON.parse(o.serials) as string[]).some((serial) => keep.includes(serial))) continue;
      await updateDeletionOrder(q, o.id, { state: 'cancelled', updated_at: this.#now() });
    }
  }

  /** The element ran the deletion in `sessionId`. */
  async done(q: Queryable, ids: readonly string[], sessionId: string): Promise<void> {
    const now = this.#now();
    for (const id of ids) await q.execute(`UPDATE sp_deletion_orders SET state = 'done', session_id = $2, done_at = $3, updated_at = $3 WHERE id = $1 AND state = 'pending'`, [id, sessionId, now]);
  }

  /** One pass: consume the outbox, send the waiting push messages, read back the status of those sent. */
  async dispatch(): Promise<DispatchResult> {
    const consumed = await consumeOutbox(this.#o.db, PHONE_KEYS_DELETE, (tx, e) => this.#fromEvent(tx, e), { now: this.#o.clock() });
    let sent = 0;
    let updated = 0;
    if (this.#o.push) {
      for (const order of await ordersWithPush(this.#o.db, 'unsent')) if (await this.#send(order)) sent++;
      for (const order of await ordersWithPush(this.#o.db, 'pending')) if (await this.#refresh(order)) updated++;
    }
    return { consumed, sent, updated };
  }

  async #fromEvent(tx: Queryable, e: OutboxEvent): Promise<void> {
    if (e.seId === null) return;
    // A reset element's APSD is deleted whole: its applet needs no order of its own.
    if ((await pendingOrdersOf(tx, e.seId, 'delete-apsd')).length > 0) return;
    // The element was cleared after the revocation (the holder revoked from the phone and the same
    // session wiped the applet): nothing is left to delete.
    const cleared = await lastClearedAt(tx, e.seId);
    if (cleared !== undefined && cleared >= e.createdAt) return;
    await this.place(tx, { kind: 'wipe-applet', seId: e.seId, personId: e.personId, serials: e.serials, reason: e.reason, source: `outbox:${e.id}`, outboxId: e.id });
  }

  async #send(order: DeletionOrderRow): Promise<boolean> {
    const app = (
      await this.#o.db.query<{ id: string; push_token: string }>(
        'SELECT id, push_token FROM sp_app_instances WHERE se_id = $1 AND push_token IS NOT NULL AND disabled_at IS NULL ORDER BY created_at DESC, id LIMIT 1',
        [order.se_id],
      )
    )[0];
    const mark = (push_status: PushState, extra: Partial<DeletionOrderRow> = {}) =>
      this.#o.db.transaction((tx) => updateDeletionOrder(tx, order.id, { push_status, updated_at: this.#now(), ...extra }));
    if (!app) {
      await mark('no-token', { push_detail: 'no app instance of this element registered a push token' });
      return false;
    }
    const data: TsmSessionTrigger = { type: 'tsm-session', purpose: order.kind === 'delete-apsd' ? 'reset-cleanup' : 'delete', orderId: order.id };
    try {
      const r = await this.#o.push!.send({ token: app.push_token, data: { ...data }, ttl: this.#o.pushTtlSeconds ?? 7 * 86_400, collapseKey: `tsm-${data.purpose}`, priority: 'high' });
      await mark(r.status === 'expired' ? 'expired' : 'pending', { push_message_id: r.id, app_instance_id: app.id, push_detail: null });
      return true;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ERR_PUSH_UNREGISTERED' || code === 'ERR_PUSH_UNKNOWN_TOKEN') {
        await mark('failed', { app_instance_id: app.id, push_detail: code });
      } else {
        // Not the token's fault (the push service is away): tried again at the next pass.
        await mark('unsent', { push_detail: `send failed: ${code ?? 'error'}` });
      }
      return false;
    }
  }

  async #refresh(order: DeletionOrderRow): Promise<boolean> {
    let s;
    try {
      s = await this.#o.push!.status(order.push_message_id!);
    } catch {
      return false;
    }
    const status = (['pending', 'delivered', 'expired', 'failed', 'collapsed'] as const).find((x) => x === s.status);
    if (!status || status === 'pending') return false;
    await this.#o.db.transaction((tx) => updateDeletionOrder(tx, order.id, { push_status: status, push_detail: s.failureReason ?? null, updated_at: this.#now() }));
    return true;
  }
}
