import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { it } from 'node:test';
import {
  appendAudit,
  auditHash,
  auditHead,
  GENESIS_HASH,
  openDatabase,
  readAuditSince,
  StoreError,
  verifyAudit,
  type Database,
} from '../../src/store/index.js';
import { forEachDialect } from '../helpers/postgres.js';
import { tamper } from './fixtures/tamper.js';

function isStore(code: string) {
  return (e: unknown) => e instanceof StoreError && e.code === code;
}

const T0 = Date.parse('2026-11-28T18:00:00.000Z');

async function appendMany(db: Database, n: number, from = 1): Promise<void> {
  for (let i = from; i < from + n; i++) {
    await db.transaction((tx) =>
      appendAudit(tx, { at: new Date(T0 + i * 1000), actor: 'office:42', action: 'certificate.revoke', subject: `serial:${i.toString(16).toUpperCase()}`, payload: { i, reason: 1 } }),
    );
  }
}

forEachDialect('store: audit log', (ctx) => {
  it('appends gapless, chained entries and reads them back as a feed', async () => {
    const db = await ctx.open();
    const first = await db.transaction((tx) =>
      appendAudit(tx, { at: new Date(T0), actor: 'admin:1', action: 'ca.create', subject: 'sign/1', payload: { z: [1, 'two', null], a: { y: true, x: 1.5 } } }),
    );
    assert.equal(first.seq, 1);
    await appendMany(db, 4, 2);
    assert.deepEqual(await auditHead(db), { seq: 5, hash: (await readAuditSince(db, 4, 1))[0]!.hash });
    const all = await readAuditSince(db, 0, 100);
    assert.deepEqual(all.map((e) => e.seq), [1, 2, 3, 4, 5]);
    assert.equal(all[0]!.prevHash, GENESIS_HASH);
    for (let i = 1; i < all.length; i++) assert.equal(all[i]!.prevHash, all[i - 1]!.hash);
    assert.equal(all[0]!.hash, first.hash);
    assert.deepEqual(all[0]!.payload, { a: { x: 1.5, y: true }, z: [1, 'two', null] });
    assert.equal(all[0]!.at.toISOString(), '2026-11-28T18:00:00.000Z');
    // The stored payload is canonical JSON: sorted keys, no whitespace.
    const [raw] = await db.query<{ payload: string }>('SELECT payload FROM audit_log WHERE seq = 1');
    assert.equal(raw!.payload, '{"a":{"x":1.5,"y":true},"z":[1,"two",null]}');
    assert.deepEqual((await readAuditSince(db, 2, 2)).map((e) => e.seq), [3, 4]);
    assert.deepEqual(await readAuditSince(db, 5, 10), []);
    assert.deepEqual(await verifyAudit(db), { ok: true, entries: 5, headSeq: 5 });
    assert.deepEqual(await verifyAudit(db, { pageSize: 2 }), { ok: true, entries: 5, headSeq: 5 });
  });

  it('hashes the documented encoding: length-prefixed UTF-8 fields under SHA-256', async () => {
    const db = await ctx.open();
    const at = new Date(T0);
    const { hash } = await db.transaction((tx) => appendAudit(tx, { at, actor: '窓口', action: 'a', subject: '', payload: { b: 1, a: '√' } }));
    const fields = ['jpki-mobile/audit-log/v1', '1', '2026-11-28T18:00:00.000Z', '窓口', 'a', '', '{"a":"√","b":1}', GENESIS_HASH];
    const h = createHash('sha256');
    for (const f of fields) {
      const bytes = Buffer.from(f, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      h.update(length).update(bytes);
    }
    assert.equal(hash, h.digest('hex'));
    // The same vector computed independently (Python hashlib, struct.pack('>I', len) + utf-8 bytes per field).
    assert.equal(hash, '710fc493367d18bf21cab9c98e6454d5ff357cf7db0d7148cd92b59445f8f9bc');
    // Moving bytes between adjacent fields changes the hash (the length prefixes keep fields apart).
    const base = { seq: 1, at: '2026-11-28T18:00:00.000Z', actor: 'ab', action: 'c', subject: 's', payload: '{}', prevHash: GENESIS_HASH };
    assert.notEqual(auditHash(base), auditHash({ ...base, actor: 'a', action: 'bc' }));
  });

  it('appendAudit needs a write transaction, and a rolled-back append leaves no trace', async () => {
    const db = await ctx.open();
    await assert.rejects(appendAudit(db, { at: new Date(T0), actor: 'a', action: 'b', subject: 'c', payload: {} }), isStore('ERR_STORE_NO_TRANSACTION'));
    await assert.rejects(
      db.transaction(async (tx) => {
        await appendAudit(tx, { at: new Date(T0), actor: 'a', action: 'b', subject: 'c', payload: {} });
        throw new Error('caller failed after the append');
      }),
      /caller failed/,
    );
    assert.deepEqual(await auditHead(db), { seq: 0, hash: GENESIS_HASH });
    const { seq } = await db.transaction((tx) => appendAudit(tx, { at: new Date(T0), actor: 'a', action: 'b', subject: 'c', payload: {} }));
    assert.equal(seq, 1);
  });

  it('refuses payloads JSON cannot carry and malformed fields, writing nothing', async () => {
    const db = await ctx.open();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const payload of [Number.NaN, Infinity, 10n, new Map(), [undefined], cyclic, () => 1, Uint8Array.of(1)]) {
      await assert.rejects(db.transaction((tx) => appendAudit(tx, { at: new Date(T0), actor: 'a', action: 'b', subject: 'c', payload })), isStore('ERR_STORE_AUDIT_PAYLOAD'));
    }
    for (const bad of [{ actor: '' }, { action: 'x\u0000y' }, { subject: '\uD800' }, { at: new Date(Number.NaN) }]) {
      await assert.rejects(
        db.transaction((tx) => appendAudit(tx, { at: new Date(T0), actor: 'a', action: 'b', subject: 'c', payload: {}, ...bad })),
        isStore('ERR_STORE_VALUE'),
      );
    }
    assert.deepEqual(await verifyAudit(db), { ok: true, entries: 0, headSeq: 0 });
  });

  it('is append-only: UPDATE and DELETE fail with ERR_STORE_AUDIT_APPEND_ONLY; the chain is enforced on insert', async () => {
    const db = await ctx.open();
    await appendMany(db, 3);
    await assert.rejects(db.execute("UPDATE audit_log SET payload = '{}' WHERE seq = 2"), isStore('ERR_STORE_AUDIT_APPEND_ONLY'));
    await assert.rejects(db.execute('DELETE FROM audit_log WHERE seq = 3'), isStore('ERR_STORE_AUDIT_APPEND_ONLY'));
    await assert.rejects(db.execute('DELETE FROM audit_log'), isStore('ERR_STORE_AUDIT_APPEND_ONLY'));
    await assert.rejects(db.execute('DELETE FROM audit_head'), isStore('ERR_STORE_AUDIT_APPEND_ONLY'));
    if (ctx.dialect === 'postgres') await assert.rejects(db.execute('TRUNCATE audit_log'), isStore('ERR_STORE_AUDIT_APPEND_ONLY'));
    // Writing rows by hand: an entry that does not follow the head, or a head that skips.
    const head = (await auditHead(db))!;
    const insert = 'INSERT INTO audit_log (seq, at, actor, action, subject, payload, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)';
    await assert.rejects(db.execute(insert, [5, '2026-01-01T00:00:00.000Z', 'a', 'b', 'c', '{}', head.hash, 'f'.repeat(64)]), isStore('ERR_STORE_AUDIT_CHAIN'));
    await assert.rejects(db.execute(insert, [4, '2026-01-01T00:00:00.000Z', 'a', 'b', 'c', '{}', GENESIS_HASH, 'f'.repeat(64)]), isStore('ERR_STORE_AUDIT_CHAIN'));
    await assert.rejects(db.execute('UPDATE audit_head SET seq = 1'), isStore('ERR_STORE_AUDIT_CHAIN'));
    await assert.rejects(db.execute("UPDATE audit_head SET hash = 'x'"), isStore('ERR_STORE_AUDIT_CHAIN'));
    assert.deepEqual(await verifyAudit(db), { ok: true, entries: 3, headSeq: 3 });
  });

  const cases: { name: string; triggers: string[]; statements: string[] | ((db: Database) => Promise<string[]>); seq: number; reason: string; entries: number }[] = [
    { name: 'a changed payload is a hash mismatch at that entry', triggers: ['audit_log_no_update'], statements: [`UPDATE audit_log SET payload = '{"i":4,"reason":4}' WHERE seq = 4`], seq: 4, reason: 'hash-mismatch', entries: 3 },
    { name: 'a changed actor in the first entry is caught there', triggers: ['audit_log_no_update'], statements: [`UPDATE audit_log SET actor = 'nobody' WHERE seq = 1`], seq: 1, reason: 'hash-mismatch', entries: 0 },
    {
      name: 'a rewritten entry with a recomputed hash breaks the chain at the next one',
      triggers: ['audit_log_no_update'],
      // The attacker recomputes the changed entry's hash, so that entry checks on its own.
      statements: (db) => recomputed(db, 3),
      seq: 4,
      reason: 'chain-break',
      entries: 3,
    },
    { name: 'a deleted entry is a gap', triggers: ['audit_log_no_delete'], statements: ['DELETE FROM audit_log WHERE seq = 5'], seq: 5, reason: 'gap', entries: 4 },
    { name: 'a head moved back is a head mismatch', triggers: ['audit_head_follows_log'], statements: [`UPDATE audit_head SET seq = 5, hash = '${'0'.repeat(64)}'`], seq: 5, reason: 'head-mismatch', entries: 5 },
  ];
  for (const c of cases) {
    it(`tampering: ${c.name}`, async () => {
      const config = await ctx.freshConfig();
      const db = ctx.track(await openDatabase(config));
      await appendMany(db, 6);
      assert.deepEqual(await verifyAudit(db), { ok: true, entries: 6, headSeq: 6 });
      const statements = typeof c.statements === 'function' ? await c.statements(db) : c.statements;
      const tampered = ctx.track(await tamper(db, config, c.triggers, statements));
      for (const pageSize of [1000, 2]) {
        assert.deepEqual(await verifyAudit(tampered, { pageSize }), { ok: false, entries: c.entries, firstBroken: { seq: c.seq, reason: c.reason } });
      }
    });
  }

  it('tampering: an entry beyond the head is a head mismatch', async () => {
    const config = await ctx.freshConfig();
    const db = ctx.track(await openDatabase(config));
    await appendMany(db, 3);
    const head = (await auditHead(db))!;
    const at = '2026-11-28T18:00:00.000Z';
    const hash = auditHash({ seq: 4, at, actor: 'x', action: 'y', subject: 'z', payload: '{}', prevHash: head.hash });
    const insert = `INSERT INTO audit_log (seq, at, actor, action, subject, payload, prev_hash, hash) VALUES (4, '${at}', 'x', 'y', 'z', '{}', '${head.hash}', '${hash}')`;
    const tampered = ctx.track(await tamper(db, config, ['audit_log_extends_head'], [insert]));
    assert.deepEqual(await verifyAudit(tampered), { ok: false, entries: 3, firstBroken: { seq: 4, reason: 'head-mismatch' } });
  });
});

/** Statements that change entry `seq`'s subject and store a hash recomputed over the change. */
async function recomputed(db: Database, seq: number): Promise<string[]> {
  const [row] = await db.query<{ at: string; actor: string; action: string; payload: string; prev_hash: string }>('SELECT at, actor, action, payload, prev_hash FROM audit_log WHERE seq = $1', [seq]);
  const hash = auditHash({ seq, at: row!.at, actor: row!.actor, action: row!.action, subject: 'serial:FORGED', payload: row!.payload, prevHash: row!.prev_hash });
  return [`UPDATE audit_log SET subject = 'serial:FORGED', hash = '${hash}' WHERE seq = ${seq}`];
}
