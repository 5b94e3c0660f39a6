import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { openDatabase, StoreError, type Database } from '../../src/store/index.js';

/**
 * The nested-transaction check turns its async-context storage off when no transaction is open (it
 * costs every async resource of the process while on) and on again with the next transaction: the check
 * must hold in every transaction, whatever came before, and never fire outside one.
 */
const isNested = (e: unknown) => e instanceof StoreError && e.code === 'ERR_STORE_NESTED_TRANSACTION';

describe('store: the transaction scope between transactions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jpki-scope-'));
  const dbs: Database[] = [];
  const open = async (name: string) => {
    const db = await openDatabase({ kind: 'sqlite', path: join(dir, `${name}.db`) });
    dbs.push(db);
    return db;
  };
  after(async () => {
    for (const db of dbs) await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the database inside each of successive transactions, and allows it between them', async () => {
    const db = await open('a');
    for (let i = 0; i < 3; i++) {
      await db.transaction(async () => {
        await assert.rejects(db.query('SELECT 1'), isNested);
      });
      assert.deepEqual(await db.query<{ one: number }>('SELECT 1 AS one'), [{ one: 1 }]);
    }
  });

  it('keeps the check for one transaction while another, of another database, begins and ends inside it', async () => {
    const a = await open('b');
    const b = await open('c');
    await a.transaction(async () => {
      await b.transaction(async (tx) => {
        await tx.query('SELECT 1');
        await assert.rejects(b.query('SELECT 1'), isNested);
        await assert.rejects(a.query('SELECT 1'), isNested);
      });
      // b's transaction ended: a's still holds.
      await sleep(5);
      await assert.rejects(a.query('SELECT 1'), isNested);
      assert.deepEqual(await b.query<{ one: number }>('SELECT 1 AS one'), [{ one: 1 }]);
    });
  });

  it('lets work begun inside a transaction use the database once the transaction is over, before and after the next one', async () => {
    const db = await open('d');
    let later: Promise<unknown> | undefined;
    let afterNext: Promise<unknown> | undefined;
    await db.transaction(async () => {
      later = sleep(20).then(() => db.query('SELECT 1 AS one'));
      afterNext = sleep(80).then(() => db.query('SELECT 2 AS two'));
    });
    assert.deepEqual(await later, [{ one: 1 }]);
    await db.transaction(async (tx) => {
      await tx.query('SELECT 1');
    });
    assert.deepEqual(await afterNext, [{ two: 2 }]);
  });

  it('holds in transactions running at the same time in independent contexts', async () => {
    const db = await open('e');
    const other = await open('f');
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        (i % 2 ? db : other).transaction(async (tx) => {
          await sleep(5 * i);
          await tx.query('SELECT 1');
          await assert.rejects((i % 2 ? db : other).query('SELECT 1'), isNested);
          return i;
        }),
      ),
    );
    assert.deepEqual(results.map((r) => r.status), Array(6).fill('fulfilled'));
  });
});
