import assert from 'node:assert/strict';
import { it } from 'node:test';
import { migrate, MIGRATIONS, openDatabase, StoreError, type Migration } from '../../src/store/index.js';
import { forEachDialect } from '../helpers/postgres.js';

function isStore(code: string) {
  return (e: unknown) => e instanceof StoreError && e.code === code;
}

forEachDialect('store: migrations', (ctx) => {
  it('reopening a database is idempotent and keeps its data', async () => {
    const config = await ctx.freshConfig();
    const first = await openDatabase(config);
    await first.execute("INSERT INTO operators (id, role, token_hash, created_at) VALUES ('op', 'admin', 'h', '2026-01-01T00:00:00.000Z')");
    await first.close();
    const second = ctx.track(await openDatabase(config));
    assert.deepEqual(await migrate(second), { applied: [], current: MIGRATIONS.length });
    const rows = await second.query<{ id: number; name: string; applied_at: string }>('SELECT id, name, applied_at FROM schema_migrations');
    assert.equal(rows.length, MIGRATIONS.length);
    assert.match(rows[0]!.applied_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal((await second.query('SELECT id FROM operators')).length, 1);
  });

  it('refuses a database whose applied migrations are newer than the code', async () => {
    const config = await ctx.freshConfig();
    const db = await openDatabase(config);
    await db.execute("INSERT INTO schema_migrations (id, name, applied_at) VALUES (99, 'from-the-future', '2030-01-01T00:00:00.000Z')");
    await db.close();
    await assert.rejects(openDatabase(config), isStore('ERR_STORE_MIGRATION'));
  });

  it('refuses a database whose applied migration has another name', async () => {
    const config = await ctx.freshConfig();
    const db = await openDatabase(config);
    await db.execute("UPDATE schema_migrations SET name = 'something-else' WHERE id = 1");
    await db.close();
    await assert.rejects(openDatabase(config), isStore('ERR_STORE_MIGRATION'));
  });

  it('applies pending migrations together or not at all', async () => {
    const db = ctx.track(await openDatabase(await ctx.freshConfig(), { migrate: false }));
    const next = MIGRATIONS.length + 1;
    const broken: Migration = { id: next, name: 'broken', sqlite: 'CREATE TABLE extra (a INTEGER); SELEKT 1;', postgres: 'CREATE TABLE extra (a INTEGER); SELEKT 1;' };
    await assert.rejects(migrate(db, [...MIGRATIONS, broken]), isStore('ERR_STORE_MIGRATION'));
    // Even the bookkeeping table created in that transaction is gone.
    await assert.rejects(db.query('SELECT id FROM schema_migrations'), isStore('ERR_STORE_QUERY'));
    await assert.rejects(db.query('SELECT count(*) FROM persons'), isStore('ERR_STORE_QUERY'));
    const good: Migration = { id: next, name: 'extra', sqlite: 'CREATE TABLE extra (a INTEGER);', postgres: 'CREATE TABLE extra (a INTEGER);' };
    assert.deepEqual(await migrate(db, [...MIGRATIONS, good]), { applied: [...MIGRATIONS.map((m) => m.id), next], current: next });
    // Code that does not know the newest migration now refuses this database.
    await assert.rejects(migrate(db), isStore('ERR_STORE_MIGRATION'));
  });

  it('refuses a migration list whose ids do not run 1, 2, 3', async () => {
    const db = ctx.track(await openDatabase(await ctx.freshConfig(), { migrate: false }));
    await assert.rejects(migrate(db, [{ ...MIGRATIONS[0]!, id: 2 }]), isStore('ERR_STORE_MIGRATION'));
  });
});
