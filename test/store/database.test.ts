import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MIGRATIONS, openDatabase, StoreError } from '../../src/store/index.js';
import { forEachDialect } from '../helpers/postgres.js';

function isStore(code: string) {
  return (e: unknown) => e instanceof StoreError && e.code === code;
}

const SCRATCH = 'CREATE TABLE scratch (id INTEGER NOT NULL PRIMARY KEY, label TEXT, data {BLOB}, big {BIGINT}, flag INTEGER)';

forEachDialect('store: queries and transactions', (ctx) => {
  const blob = ctx.dialect === 'sqlite' ? 'BLOB' : 'BYTEA';
  const bigint = ctx.dialect === 'sqlite' ? 'INTEGER' : 'BIGINT';
  const scratchDdl = SCRATCH.replace('{BLOB}', blob).replace('{BIGINT}', bigint);

  async function withScratch() {
    const db = await ctx.open();
    await db.execute(scratchDdl);
    return db;
  }

  it('reports its dialect and has applied the schema', async () => {
    const db = await ctx.open();
    assert.equal(db.dialect, ctx.dialect);
    const rows = await db.query<{ id: number; name: string }>('SELECT id, name FROM schema_migrations ORDER BY id');
    assert.deepEqual(rows.map((r) => ({ ...r })), MIGRATIONS.map((m) => ({ id: m.id, name: m.name })));
    assert.deepEqual(rows.map((r) => r.name), ['jpki', 'crl-index', 'push', 'tsm', 'rp', 'orders', 'reset', 'replacement']);
  });

  it('round-trips BLOBs as plain Uint8Array, nulls, booleans as 0/1, and large integers', async () => {
    const db = await withScratch();
    const bytes = Uint8Array.of(0x00, 0xff, 0x30, 0x82, 0x01, 0x0a);
    const big = 2n ** 62n + 7n;
    await db.execute('INSERT INTO scratch (id, label, data, big, flag) VALUES ($1, $2, $3, $4, $5)', [1, 'éèœ 日本', bytes, big, true]);
    await db.execute('INSERT INTO scratch (id, label, data, big, flag) VALUES ($1, $2, $3, $4, $5)', [2, null, null, Number.MAX_SAFE_INTEGER, false]);
    await db.execute('INSERT INTO scratch (id, label, data, big, flag) VALUES ($1, $2, $3, $4, $5)', [3, '', new Uint8Array(0), -(2n ** 63n), null]);
    const rows = await db.query<{ id: number; label: string | null; data: Uint8Array | null; big: number | bigint; flag: number | null }>(
      'SELECT id, label, data, big, flag FROM scratch ORDER BY id',
    );
    assert.equal(rows.length, 3);
    const [a, b, c] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
    assert.equal(Object.getPrototypeOf(a.data), Uint8Array.prototype);
    assert.deepEqual([...a.data!], [...bytes]);
    assert.equal(a.label, 'éèœ 日本');
    assert.equal(a.big, big);
    assert.equal(a.flag, 1);
    assert.equal(typeof a.id, 'number');
    assert.equal(b.label, null);
    assert.equal(b.data, null);
    assert.equal(b.big, Number.MAX_SAFE_INTEGER);
    assert.equal(typeof b.big, 'number');
    assert.equal(b.flag, 0);
    assert.equal(Object.getPrototypeOf(c.data), Uint8Array.prototype);
    assert.equal(c.data!.length, 0);
    assert.equal(c.big, -(2n ** 63n));
    assert.equal(c.flag, null);
    // A returned Uint8Array is a copy: changing it changes nothing stored.
    a.data![0] = 0x55;
    const again = await db.query<{ data: Uint8Array }>('SELECT data FROM scratch WHERE id = $1', [1]);
    assert.equal(again[0]!.data[0], 0x00);
  });

  it('binds a repeated $1 and ignores $n inside string literals and comments', async () => {
    const db = await withScratch();
    await db.execute("INSERT INTO scratch (id, label) VALUES ($1, $2 || '-' || $2 || '-$3') -- $9", [5, 'x']);
    const rows = await db.query<{ label: string }>('SELECT label FROM scratch WHERE id = $1 AND (label = $2 OR $1 = 0) /* $7 */', [5, 'x-x-$3']);
    assert.deepEqual(rows.map((r) => r.label), ['x-x-$3']);
  });

  it('counts changes, and refuses wrong parameter counts and unsupported values', async () => {
    const db = await withScratch();
    for (let i = 1; i <= 4; i++) await db.execute('INSERT INTO scratch (id, label) VALUES ($1, $2)', [i, 'n' + i]);
    assert.deepEqual(await db.execute('UPDATE scratch SET label = $1 WHERE id > $2', ['big', 2]), { changes: 2 });
    assert.deepEqual(await db.execute('DELETE FROM scratch WHERE id = $1', [99]), { changes: 0 });
    await assert.rejects(db.query('SELECT * FROM scratch WHERE id = $1 AND label = $2', [1]), isStore('ERR_STORE_PARAMETER'));
    await assert.rejects(db.query('SELECT * FROM scratch WHERE id = $1', [1, 2]), isStore('ERR_STORE_PARAMETER'));
    await assert.rejects(db.query('SELECT * FROM scratch WHERE id = $1', [undefined as never]), isStore('ERR_STORE_PARAMETER'));
    await assert.rejects(db.query('SELECT * FROM scratch WHERE id = $1', [Number.NaN]), isStore('ERR_STORE_PARAMETER'));
    await assert.rejects(db.query('SELECT * FROM no_such_table'), isStore('ERR_STORE_QUERY'));
    await assert.rejects(db.query('SELEKT 1'), isStore('ERR_STORE_QUERY'));
  });

  it('commits a transaction with awaits inside it, and rolls back everything when it throws', async () => {
    const db = await withScratch();
    const result = await db.transaction(async (tx) => {
      await tx.execute('INSERT INTO scratch (id, label) VALUES ($1, $2)', [1, 'one']);
      await sleep(5);
      await Promise.resolve();
      await tx.execute('INSERT INTO scratch (id, label) VALUES ($1, $2)', [2, 'two']);
      return (await tx.query<{ n: number }>('SELECT count(*) AS n FROM scratch'))[0]!.n;
    });
    assert.equal(result, 2);
    class Boom extends Error {}
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.execute('INSERT INTO scratch (id, label) VALUES ($1, $2)', [3, 'three']);
        await sleep(5);
        await tx.execute('UPDATE scratch SET label = $1', ['changed']);
        throw new Boom('the caller failed');
      }),
      (e: unknown) => e instanceof Boom,
    );
    const rows = await db.query<{ id: number; label: string }>('SELECT id, label FROM scratch ORDER BY id');
    assert.deepEqual(rows.map((r) => [r.id, r.label]), [[1, 'one'], [2, 'two']]);
  });

  it('serialises 50 concurrent read-then-write transactions: the counter ends at exactly 50', async () => {
    const db = await withScratch();
    await db.execute('INSERT INTO scratch (id, big) VALUES ($1, $2)', [1, 0]);
    const order: string[] = [];
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        db.transaction(async (tx) => {
          order.push('begin ' + i);
          const [row] = await tx.query<{ big: number }>('SELECT big FROM scratch WHERE id = 1');
          await sleep(1); // gives any other transaction every chance to interleave
          await tx.execute('UPDATE scratch SET big = $1 WHERE id = 1', [row!.big + 1]);
          order.push('end ' + i);
        }),
      ),
    );
    const [row] = await db.query<{ big: number }>('SELECT big FROM scratch WHERE id = 1');
    assert.equal(row!.big, 50);
    for (let k = 0; k < order.length; k += 2) assert.equal(order[k]!.replace('begin', 'end'), order[k + 1], 'no transaction began inside another');
  });

  it('returns comparisons as 1/0 and counts as numbers on both dialects', async () => {
    const db = await ctx.open();
    assert.deepEqual(await db.query('SELECT (1 = 1) AS t, (1 = 2) AS f, count(*) AS n FROM persons'), [{ t: 1, f: 0, n: 0 }]);
  });

  it('retries the whole transaction after a transient error, and only then', async () => {
    const db = await withScratch();
    let attempts = 0;
    const result = await db.transaction(async (tx) => {
      attempts++;
      await tx.execute('INSERT INTO scratch (id, label) VALUES ($1, $2)', [attempts, 'attempt']);
      if (attempts === 1) {
        if (ctx.dialect === 'postgres') {
          // A real serialisation failure (SQLSTATE 40001) from the server.
          await tx.execute("DO $$ BEGIN RAISE EXCEPTION 'simulated' USING ERRCODE = 'serialization_failure'; END $$");
        }
        throw new StoreError('ERR_STORE_BUSY', 'simulated lock contention');
      }
      return 'done';
    });
    assert.equal(result, 'done');
    assert.equal(attempts, 2);
    // The first attempt's insert was rolled back.
    assert.deepEqual((await db.query<{ id: number }>('SELECT id FROM scratch')).map((r) => r.id), [2]);
    let failures = 0;
    await assert.rejects(
      db.transaction(async () => {
        failures++;
        throw new StoreError('ERR_STORE_UNIQUE', 'not transient');
      }),
      isStore('ERR_STORE_UNIQUE'),
    );
    assert.equal(failures, 1);
  });

  it('refuses the database itself inside its own transaction, and a tx used after its transaction', async () => {
    const db = await withScratch();
    let leaked: { query: (sql: string) => Promise<unknown> } | undefined;
    await db.transaction(async (tx) => {
      leaked = tx;
      await assert.rejects(db.query('SELECT 1'), isStore('ERR_STORE_NESTED_TRANSACTION'));
      await assert.rejects(db.transaction(async () => 1), isStore('ERR_STORE_NESTED_TRANSACTION'));
    });
    await assert.rejects(leaked!.query('SELECT 1'), isStore('ERR_STORE_TRANSACTION_ENDED'));
    // Work started inside a transaction but run after it may use the database again.
    assert.deepEqual(await db.query<{ one: number }>('SELECT 1 AS one'), [{ one: 1 }]);
  });

  it('close() lets work already started finish, closes once, then refuses further use', async () => {
    const db = await openDatabase(await ctx.freshConfig());
    const running = db.transaction(async (tx) => {
      await sleep(20);
      return (await tx.query<{ n: number }>('SELECT count(*) AS n FROM persons'))[0]!.n;
    });
    await sleep(5);
    await Promise.all([db.close(), running.then((n) => assert.equal(n, 0))]);
    await db.close();
    await db.close();
    await assert.rejects(db.query('SELECT 1'), isStore('ERR_STORE_CLOSED'));
    await assert.rejects(db.transaction(async () => 1), isStore('ERR_STORE_CLOSED'));
  });
});

it('openDatabase refuses a malformed config and an unreachable server', async () => {
  await assert.rejects(openDatabase({ kind: 'mysql' } as never), isStore('ERR_STORE_CONFIG'));
  await assert.rejects(openDatabase({ kind: 'sqlite', path: '' }), isStore('ERR_STORE_CONFIG'));
  await assert.rejects(openDatabase({ kind: 'postgres', connectionString: 'postgres://x@127.0.0.1:1/db', poolSize: 0 }), isStore('ERR_STORE_CONFIG'));
  await assert.rejects(openDatabase({ kind: 'sqlite', path: '/nonexistent-dir/x/y.sqlite' }), isStore('ERR_STORE_CONNECTION'));
  await assert.rejects(openDatabase({ kind: 'postgres', connectionString: 'postgres://postgres@127.0.0.1:1/none' }), isStore('ERR_STORE_CONNECTION'));
});
