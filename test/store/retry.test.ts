import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { StoreError } from '../../src/store/index.js';
import { withRetry } from '../../src/store/retry.js';
import { mapSqliteError } from '../../src/store/sqlite-errors.js';

function isStore(code: string) {
  return (e: unknown) => e instanceof StoreError && e.code === code;
}

describe('store: transient errors', () => {
  it('withRetry gives up after the policy’s attempts with the last transient error', async () => {
    let calls = 0;
    await assert.rejects(
      withRetry(
        async () => {
          calls++;
          throw new StoreError('ERR_STORE_BUSY', 'always busy');
        },
        { attempts: 5, baseDelayMs: 1, maxDelayMs: 4 },
      ),
      isStore('ERR_STORE_BUSY'),
    );
    assert.equal(calls, 5);
  });

  it('maps SQLITE_BUSY and SQLITE_LOCKED (and their extended codes) to ERR_STORE_BUSY', () => {
    const db = new BetterSqlite3(':memory:');
    try {
      for (const code of ['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED', 'SQLITE_LOCKED_SHAREDCACHE']) {
        const err = Object.assign(new Error('database is locked'), { code });
        assert.ok(isStore('ERR_STORE_BUSY')(mapSqliteError(err, db)), code);
      }
      assert.ok(isStore('ERR_STORE_QUERY')(mapSqliteError(Object.assign(new Error('x'), { code: 'SQLITE_ERROR' }), db)));
    } finally {
      db.close();
    }
  });

  it('a real SQLITE_BUSY (another connection holds the write lock) maps to ERR_STORE_BUSY', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jpki-busy-'));
    const holder = new BetterSqlite3(join(dir, 'x.sqlite'));
    const waiter = new BetterSqlite3(join(dir, 'x.sqlite'), { timeout: 0 });
    try {
      holder.pragma('journal_mode = WAL');
      holder.exec('BEGIN IMMEDIATE');
      let caught: unknown;
      try {
        waiter.exec('BEGIN IMMEDIATE');
      } catch (err) {
        caught = err;
      }
      assert.equal((caught as { code?: string }).code, 'SQLITE_BUSY');
      assert.ok(isStore('ERR_STORE_BUSY')(mapSqliteError(caught, waiter)));
    } finally {
      holder.close();
      waiter.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
