import assert from 'node:assert/strict';
import { it } from 'node:test';
import { StoreError, type Queryable } from '../../../src/store/index.js';
import { forEachDialect } from '../../helpers/postgres.js';

/**
 * Migration 003-push holds its rules in the database itself, with the same constraint names on SQLite
 * and PostgreSQL: one live token per device and app, and each message state tied to its time, reason
 * and payload.
 */

const AT = '2026-04-01T00:00:00.000Z';

function isStore(code: string, constraint: string) {
  return (e: unknown) => e instanceof StoreError && e.code === code && e.constraint === constraint;
}

async function seed(q: Queryable): Promise<void> {
  await q.execute("INSERT INTO push_senders (id, token_hash, created_at) VALUES ('s', 'h-s', $1)", [AT]);
  await q.execute("INSERT INTO push_devices (id, secret_hash, state, created_at, last_seen_at) VALUES ('d', 'h-d', 'active', $1, $1)", [AT]);
  await q.execute("INSERT INTO push_registrations (id, token_hash, device_id, app_id, state, created_at) VALUES ('r1', 'h-r1', 'd', 'app', 'active', $1)", [AT]);
}

const message = (q: Queryable, id: string, status: string, extra: { data?: string | null; final?: string | null; reason?: string | null; replacedBy?: string | null } = {}) =>
  q.execute(
    `INSERT INTO push_messages (id, sender_id, registration_id, device_id, priority, ttl_seconds, data, status, failure_reason, replaced_by, created_at, expires_at, final_at)
     VALUES ($1, 's', 'r1', 'd', 'normal', 60, $2, $3, $4, $5, $6, $6, $7)`,
    [id, extra.data === undefined ? '{}' : extra.data, status, extra.reason ?? null, extra.replacedBy ?? null, AT, extra.final ?? null],
  );

forEachDialect('push: schema constraints', (ctx) => {
  it('a second live token for the same device and app: ERR_STORE_UNIQUE naming one_active_push_registration', async () => {
    const db = await ctx.open();
    await db.transaction(seed);
    await assert.rejects(
      db.execute("INSERT INTO push_registrations (id, token_hash, device_id, app_id, state, created_at) VALUES ('r2', 'h-r2', 'd', 'app', 'active', $1)", [AT]),
      isStore('ERR_STORE_UNIQUE', 'one_active_push_registration'),
    );
    // A dead one beside a live one is fine, and so is another app.
    await db.execute("INSERT INTO push_registrations (id, token_hash, device_id, app_id, state, dead_reason, created_at, dead_at) VALUES ('r3', 'h-r3', 'd', 'app', 'dead', 'app-removed', $1, $1)", [AT]);
    await db.execute("INSERT INTO push_registrations (id, token_hash, device_id, app_id, state, created_at) VALUES ('r4', 'h-r4', 'd', 'other', 'active', $1)", [AT]);
    await assert.rejects(
      db.execute("INSERT INTO push_registrations (id, token_hash, device_id, app_id, state, created_at) VALUES ('r5', 'h-r4', 'd', 'third', 'active', $1)", [AT]),
      (e: unknown) => e instanceof StoreError && e.code === 'ERR_STORE_UNIQUE',
    );
    await assert.rejects(
      db.execute("INSERT INTO push_registrations (id, token_hash, device_id, app_id, state, created_at) VALUES ('r6', 'h-r6', 'd', 'x', 'dead', $1)", [AT]),
      isStore('ERR_STORE_CHECK', 'push_registrations_dead_check'),
    );
  });

  it('message states: a pending message has a payload and no end; a final one the reverse; failed has a reason; collapsed a successor', async () => {
    const db = await ctx.open();
    await db.transaction(seed);
    await message(db, 'm1', 'pending');
    await message(db, 'm2', 'delivered', { data: null, final: AT });
    await message(db, 'm3', 'failed', { data: null, final: AT, reason: 'device-reset' });
    await message(db, 'm4', 'collapsed', { data: null, final: AT, replacedBy: 'm1' });
    await assert.rejects(message(db, 'x1', 'pending', { final: AT }), isStore('ERR_STORE_CHECK', 'push_messages_final_check'));
    await assert.rejects(message(db, 'x2', 'delivered', { final: AT }), isStore('ERR_STORE_CHECK', 'push_messages_final_check'));
    await assert.rejects(message(db, 'x3', 'failed', { data: null, final: AT }), isStore('ERR_STORE_CHECK', 'push_messages_failure_check'));
    await assert.rejects(message(db, 'x4', 'collapsed', { data: null, final: AT }), isStore('ERR_STORE_CHECK', 'push_messages_replaced_check'));
    await assert.rejects(message(db, 'x5', 'lost', { data: null, final: AT }), isStore('ERR_STORE_CHECK', 'push_messages_status_check'));
    await assert.rejects(message(db, 'x6', 'failed', { data: null, final: AT, reason: 'cosmic-ray' }), isStore('ERR_STORE_CHECK', 'push_messages_failure_reason_check'));
    await assert.rejects(message(db, 'm1', 'pending'), isStore('ERR_STORE_UNIQUE', 'push_messages_id_key'));
  });
});
