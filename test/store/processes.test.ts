import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MIGRATIONS, openDatabase, readAuditSince, verifyAudit, type DatabaseConfig } from '../../src/store/index.js';
import { forEachDialect } from '../helpers/postgres.js';

const run = promisify(execFile);
const WORKER = fileURLToPath(new URL('./fixtures/store-worker.js', import.meta.url));

/** Runs the worker in `count` OS processes at once; each waits for the same start time, then works. */
async function workers<T>(count: number, mode: string, config: DatabaseConfig, ...extra: string[]): Promise<T[]> {
  const startAt = Date.now() + 700;
  const results = await Promise.all(
    Array.from({ length: count }, () => run(process.execPath, [WORKER, mode, JSON.stringify(config), String(startAt), ...extra], { timeout: 120_000 })),
  );
  return results.map((r) => JSON.parse(r.stdout) as T);
}

forEachDialect('store: several processes on one database', (ctx) => {
  it('two processes appending 200 audit entries each at once give 400 gapless, verified entries', { timeout: 180_000 }, async () => {
    const config = await ctx.freshConfig();
    await (await openDatabase(config)).close(); // created and migrated before the race
    const [a, b] = await workers<{ seqs: number[] }>(2, 'append', config, '200');
    for (const w of [a!, b!]) {
      assert.equal(w.seqs.length, 200);
      for (let i = 1; i < w.seqs.length; i++) assert.ok(w.seqs[i]! > w.seqs[i - 1]!, 'each process sees its own entries in order');
    }
    assert.deepEqual([...a!.seqs, ...b!.seqs].sort((x, y) => x - y), Array.from({ length: 400 }, (_, i) => i + 1));
    const db = ctx.track(await openDatabase(config));
    assert.deepEqual(await verifyAudit(db, { pageSize: 64 }), { ok: true, entries: 400, headSeq: 400 });
    const feed = await readAuditSince(db, 0, 400);
    assert.deepEqual(feed.map((e) => e.seq), Array.from({ length: 400 }, (_, i) => i + 1));
    assert.equal(new Set(feed.map((e) => e.actor)).size, 2);
    if (ctx.dialect === 'postgres') {
      // Waiters for an advisory lock queue in order, so the processes take turns. (SQLite's busy
      // handler polls, and a fast writer may finish all its entries before the other gets in.)
      const actors = feed.map((e) => e.actor);
      const switches = actors.filter((x, i) => i > 0 && x !== actors[i - 1]).length;
      assert.ok(switches > 10, `the writers took turns (${switches} switches)`);
    }
  });

  it('two processes migrating a fresh database at once: one applies, both open fine', { timeout: 120_000 }, async () => {
    const config = await ctx.freshConfig();
    const results = await workers<{ applied: number[] }>(2, 'migrate', config);
    assert.deepEqual(results.map((r) => r.applied).sort((x, y) => y.length - x.length), [MIGRATIONS.map((m) => m.id), []]);
    const db = ctx.track(await openDatabase(config));
    assert.deepEqual((await db.query<{ id: number }>('SELECT id FROM schema_migrations')).map((r) => Number(r.id)), MIGRATIONS.map((m) => m.id));
  });
});
