import assert from 'node:assert/strict';
import { it } from 'node:test';
import { StoreError } from '../../src/store/index.js';
import { forEachDialect } from '../helpers/postgres.js';
import { AT, insertCertificate, insertGeneration, insertPerson } from './fixtures/jpki-rows.js';

function isStore(code: string, constraint?: string) {
  return (e: unknown) => e instanceof StoreError && e.code === code && (constraint === undefined || e.constraint === constraint);
}

forEachDialect('store: JPKI schema constraints', (ctx) => {
  async function seeded() {
    const db = await ctx.open();
    await db.transaction(async (tx) => {
      await insertGeneration(tx, 'sign', 1);
      await insertGeneration(tx, 'auth', 1);
      await insertPerson(tx, 'P1');
      await insertPerson(tx, 'P2');
      await insertCertificate(tx, { serial: '0A01', personId: 'P1' });
      await insertCertificate(tx, { serial: '0B01', personId: 'P1', hierarchy: 'auth' });
    });
    return db;
  }

  it('two active phone certificates for one person and hierarchy: ERR_STORE_UNIQUE naming one_active_phone_certificate', async () => {
    const db = await seeded();
    await insertCertificate(db, { serial: '0A02', personId: 'P1', device: 'phone', linkedSerial: '0A01' });
    await assert.rejects(
      insertCertificate(db, { serial: '0A03', personId: 'P1', device: 'phone', linkedSerial: '0A01', status: 'held', reason: 6 }),
      isStore('ERR_STORE_UNIQUE', 'one_active_phone_certificate'),
    );
    // The other hierarchy and another person are separate.
    await insertCertificate(db, { serial: '0B02', personId: 'P1', device: 'phone', hierarchy: 'auth', linkedSerial: '0B01' });
    await insertCertificate(db, { serial: '0C01', personId: 'P2' });
    await insertCertificate(db, { serial: '0C02', personId: 'P2', device: 'phone', linkedSerial: '0C01' });
  });

  it('a revoked phone certificate plus an active one is fine; so are many revoked ones', async () => {
    const db = await seeded();
    await insertCertificate(db, { serial: '0A02', personId: 'P1', device: 'phone', linkedSerial: '0A01', status: 'revoked', reason: 1 });
    await insertCertificate(db, { serial: '0A03', personId: 'P1', device: 'phone', linkedSerial: '0A01', status: 'revoked', reason: 4 });
    await insertCertificate(db, { serial: '0A04', personId: 'P1', device: 'phone', linkedSerial: '0A01' });
    // Revoking the active one makes room for the next.
    await db.execute("UPDATE certificates SET status = 'revoked', reason = 4, revoked_at = $1 WHERE serial = $2", [AT, '0A04']);
    await insertCertificate(db, { serial: '0A05', personId: 'P1', device: 'phone', linkedSerial: '0A01' });
  });

  it('two active card certificates: ERR_STORE_UNIQUE naming one_active_card_certificate', async () => {
    const db = await seeded();
    await assert.rejects(insertCertificate(db, { serial: '0A09', personId: 'P1' }), isStore('ERR_STORE_UNIQUE', 'one_active_card_certificate'));
  });

  it('primary keys, UNIQUE columns and the one active CA generation are named alike on both dialects', async () => {
    const db = await seeded();
    await assert.rejects(insertPerson(db, 'P1'), isStore('ERR_STORE_UNIQUE', 'persons_pkey'));
    await assert.rejects(insertCertificate(db, { serial: '0A01', personId: 'P2' }), isStore('ERR_STORE_UNIQUE', 'certificates_pkey'));
    await assert.rejects(insertGeneration(db, 'sign', 2), isStore('ERR_STORE_UNIQUE', 'one_active_ca_generation'));
    await insertGeneration(db, 'sign', 2, 'retired');
    const op = 'INSERT INTO operators (id, role, token_hash, created_at) VALUES ($1, $2, $3, $4)';
    await db.execute(op, ['op1', 'office', 'h1', AT]);
    await assert.rejects(db.execute(op, ['op2', 'admin', 'h1', AT]), isStore('ERR_STORE_UNIQUE', 'operators_token_hash_key'));
    await assert.rejects(
      db.execute('INSERT INTO audit_head (id, seq, hash) VALUES ($1, $2, $3)', [1, 0, 'x']),
      isStore('ERR_STORE_UNIQUE', 'audit_head_pkey'),
    );
  });

  it('CHECK violations are ERR_STORE_CHECK with the constraint name', async () => {
    const db = await seeded();
    await assert.rejects(insertCertificate(db, { serial: '0A05', personId: 'P1', status: 'good', reason: 1 }), isStore('ERR_STORE_CHECK', 'certificates_reason_check'));
    await assert.rejects(insertCertificate(db, { serial: '0A05', personId: 'P1', status: 'held', reason: null }), isStore('ERR_STORE_CHECK', 'certificates_reason_check'));
    await assert.rejects(insertCertificate(db, { serial: '0A05', personId: 'P1', device: 'phone' }), isStore('ERR_STORE_CHECK', 'certificates_linked_serial_check'));
    await assert.rejects(insertCertificate(db, { serial: '0A05', personId: 'P1', device: 'watch' }), isStore('ERR_STORE_CHECK', 'certificates_device_check'));
    await assert.rejects(insertCertificate(db, { serial: '0a05', personId: 'P1', status: 'revoked' }), isStore('ERR_STORE_CHECK', 'certificates_serial_check'));
    await assert.rejects(insertGeneration(db, 'root', 1), isStore('ERR_STORE_CHECK', 'ca_generations_hierarchy_check'));
    await assert.rejects(
      db.execute("UPDATE persons SET sex = 4 WHERE id = 'P1'"),
      isStore('ERR_STORE_CHECK', 'persons_sex_check'),
    );
    await assert.rejects(db.execute('INSERT INTO operators (id, role, token_hash, created_at) VALUES ($1, $2, $3, $4)', ['o', 'root', 'h', AT]), isStore('ERR_STORE_CHECK', 'operators_role_check'));
  });

  it('foreign key violations are ERR_STORE_FOREIGN_KEY; NOT NULL violations ERR_STORE_NOT_NULL', async () => {
    const db = await seeded();
    await assert.rejects(insertCertificate(db, { serial: '0D01', personId: 'nobody' }), isStore('ERR_STORE_FOREIGN_KEY'));
    await assert.rejects(insertCertificate(db, { serial: '0D01', personId: 'P2', generation: 7 }), isStore('ERR_STORE_FOREIGN_KEY'));
    await assert.rejects(insertCertificate(db, { serial: '0D01', personId: 'P2', device: 'phone', linkedSerial: 'FFFF' }), isStore('ERR_STORE_FOREIGN_KEY'));
    await assert.rejects(db.execute("DELETE FROM persons WHERE id = 'P1'"), isStore('ERR_STORE_FOREIGN_KEY'));
    await assert.rejects(
      db.execute('INSERT INTO cards (id, person_id, expires_at, created_at) VALUES ($1, $2, $3, $4)', ['C1', null, AT, AT]),
      isStore('ERR_STORE_NOT_NULL'),
    );
  });

  it('a constraint violation inside a transaction rolls the whole transaction back', async () => {
    const db = await seeded();
    await assert.rejects(
      db.transaction(async (tx) => {
        await insertPerson(tx, 'P3');
        await insertPerson(tx, 'P3');
      }),
      isStore('ERR_STORE_UNIQUE', 'persons_pkey'),
    );
    assert.deepEqual(await db.query("SELECT id FROM persons WHERE id = 'P3'"), []);
  });

  it('outbox ids grow from 1', async () => {
    const db = await ctx.open();
    const insert = 'INSERT INTO outbox (kind, person_id, serials, created_at) VALUES ($1, $2, $3, $4) RETURNING id';
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await db.query<{ id: number }>(insert, ['revoke', 'P1', '["0A01"]', AT]))[0]!.id);
    assert.deepEqual(ids, [1, 2, 3]);
    assert.deepEqual(await db.execute(insert, ['revoke', 'P1', '[]', AT]), { changes: 1 });
  });
});
