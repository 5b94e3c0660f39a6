import type { Database, Queryable } from '../../store/index.js';
import type { OutboxRow } from './repository.js';

/** An outbox event as a consumer sees it (`phone-keys-delete`: revocation.ts). */
export interface OutboxEvent {
  readonly id: number;
  readonly kind: string;
  readonly personId: string;
  readonly seId: string | null;
  readonly serials: readonly string[];
  readonly reason: number | null;
  readonly createdAt: string;
}

function event(r: OutboxRow): OutboxEvent {
  return { id: Number(r.id), kind: r.kind, personId: r.person_id, seId: r.se_id, serials: JSON.parse(r.serials) as string[], reason: r.reason === null ? null : Number(r.reason), createdAt: r.created_at };
}

/**
 * The consumer side of the certification service's outbox (the transactional outbox pattern): events
 * written in the same transaction as the revocation they come from. `consumeOutbox` reads the pending
 * events of one kind in id order and hands each to `handle` inside one write transaction, marking it
 * done there: what the consumer records (a deletion order) and the event's `done_at` commit together,
 * so an event is consumed at least once and its effect recorded once. A consumer in another database
 * would poll an HTTP form of the same thing; in this system the SP-TSM shares the database.
 */
export async function consumeOutbox(db: Database, kind: string, handle: (tx: Queryable, e: OutboxEvent) => Promise<void>, options: { limit?: number; now?: Date } = {}): Promise<number> {
  const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
  return db.transaction(async (tx) => {
    const rows = await tx.query<OutboxRow>('SELECT * FROM outbox WHERE kind = $1 AND done_at IS NULL ORDER BY id LIMIT $2', [kind, limit]);
    const at = (options.now ?? new Date()).toISOString();
    for (const r of rows) {
      await handle(tx, event(r));
      await tx.execute('UPDATE outbox SET claimed_at = $2, done_at = $2 WHERE id = $1 AND done_at IS NULL', [r.id, at]);
    }
    return rows.length;
  });
}
