import assert from 'node:assert/strict';
import type { Queryable } from '../../../../src/store/index.js';

/** What a refused request must leave as it was: every push row that can change, and the audit head. */
export async function pushSnapshot(db: Queryable): Promise<string> {
  const parts: string[] = [];
  for (const t of ['push_senders', 'push_devices', 'push_registrations', 'push_messages', 'audit_log']) {
    parts.push(`${t}:${Number((await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t}`))[0]!.n)}`);
  }
  const rows = async (sql: string) => (await db.query(sql)).map((r) => JSON.stringify(r)).join('|');
  parts.push(await rows('SELECT id, state, last_seen_at, connected_until, reset_at FROM push_devices ORDER BY id'));
  parts.push(await rows('SELECT id, state, dead_reason FROM push_registrations ORDER BY id'));
  parts.push(await rows('SELECT id, status, attempts, last_attempt_at, final_at, data FROM push_messages ORDER BY seq'));
  parts.push(await rows('SELECT seq, hash FROM audit_head'));
  return parts.join('\n');
}

export async function assertUnchanged(db: Queryable, before: string, what: string): Promise<void> {
  assert.equal(await pushSnapshot(db), before, `${what}: nothing may be written`);
}

export async function messageRow(db: Queryable, id: string): Promise<{ status: string; attempts: number; data: string | null; final_at: string | null }> {
  const row = (await db.query<{ status: string; attempts: number; data: string | null; final_at: string | null }>('SELECT status, attempts, data, final_at FROM push_messages WHERE id = $1', [id]))[0];
  assert.ok(row, `message ${id} is in the store`);
  return row;
}
