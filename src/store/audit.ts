import { auditHash, GENESIS_HASH } from './audit-hash.js';
import { canonicalJson } from './canonical-json.js';
import type { Queryable } from './database.js';
import { StoreError } from './errors.js';
import { isWriteHandle } from './transaction-scope.js';
import { fromDbTimestamp, toDbTimestamp } from './values.js';

/**
 * The append-only, hash-chained audit log. Every entry's hash covers its fields and the previous
 * entry's hash (see `auditHash` for the exact bytes); `audit_head` holds the last seq and hash. Entries
 * are appended inside write transactions, which all hold the database-wide write lock, so seqs are
 * gapless and in commit order: other services read the log as the change feed (`readAuditSince`).
 */

export interface AuditEntryInput {
  readonly at: Date;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  /** Any JSON value; stored as canonical JSON (`canonicalJson`). */
  readonly payload: unknown;
}

export interface AuditEntry {
  readonly seq: number;
  readonly at: Date;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly payload: unknown;
  readonly prevHash: string;
  readonly hash: string;
}

export type AuditBreak = 'hash-mismatch' | 'chain-break' | 'gap' | 'head-mismatch';

export type AuditVerification =
  | { ok: true; entries: number; headSeq: number }
  | { ok: false; entries: number; firstBroken: { seq: number; reason: AuditBreak } };

interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  payload: string;
  prev_hash: string;
  hash: string;
}

const COLUMNS = 'seq, at, actor, action, subject, payload, prev_hash, hash';
const MAX_PAGE = 10_000;

/**
 * Appends one entry. `tx` must be the handle of a write transaction (`db.transaction(tx => …)`): the
 * head is read and moved in the same transaction as the caller's own writes, under the write lock.
 */
export async function appendAudit(tx: Queryable, entry: AuditEntryInput): Promise<{ seq: number; hash: string }> {
  if (!isWriteHandle(tx)) throw new StoreError('ERR_STORE_NO_TRANSACTION', 'appendAudit needs the tx of a write transaction');
  const at = toDbTimestamp(entry.at);
  const actor = text('actor', entry.actor);
  const action = text('action', entry.action);
  const subject = text('subject', entry.subject, true);
  const payload = canonicalJson(entry.payload);
  const head = (await tx.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1'))[0];
  if (!head) throw new StoreError('ERR_STORE_AUDIT_CHAIN', 'the audit head row is missing');
  const seq = head.seq + 1;
  const hash = auditHash({ seq, at, actor, action, subject, payload, prevHash: head.hash });
  await tx.execute(`INSERT INTO audit_log (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [seq, at, actor, action, subject, payload, head.hash, hash]);
  const moved = await tx.execute('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1 AND seq = $3', [seq, hash, head.seq]);
  if (moved.changes !== 1) throw new StoreError('ERR_STORE_AUDIT_CHAIN', 'the audit head moved during the append');
  return { seq, hash };
}

/** Up to `limit` entries with seq greater than `afterSeq`, in seq order (0 reads from the start). */
export async function readAuditSince(db: Queryable, afterSeq: number, limit: number): Promise<AuditEntry[]> {
  if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) throw new StoreError('ERR_STORE_PARAMETER', 'afterSeq must be an integer ≥ 0');
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new StoreError('ERR_STORE_PARAMETER', `limit must be an integer from 1 to ${MAX_PAGE}`);
  const rows = await db.query<AuditRow>(`SELECT ${COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`, [afterSeq, limit]);
  return rows.map((r) => ({
    seq: r.seq,
    at: fromDbTimestamp(r.at),
    actor: r.actor,
    action: r.action,
    subject: r.subject,
    payload: JSON.parse(r.payload) as unknown,
    prevHash: r.prev_hash,
    hash: r.hash,
  }));
}

/** The last seq and hash as `audit_head` records them. */
export async function auditHead(db: Queryable): Promise<{ seq: number; hash: string } | undefined> {
  return (await db.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1'))[0];
}

/**
 * Walks the log from seq 1 to the head (as read when it starts; later appends are left for the next
 * run), `pageSize` rows at a time, and names the first entry that does not check:
 * - `gap`: the entry with the expected seq is missing (seq is the missing one);
 * - `chain-break`: its prev_hash is not the previous entry's hash (GENESIS_HASH for seq 1);
 * - `hash-mismatch`: its stored hash is not the hash of its fields;
 * - `head-mismatch`: the last entry's hash is not the head's, or entries exist beyond the head.
 * `entries` counts the entries that checked before the first break.
 */
export async function verifyAudit(db: Queryable, options: { pageSize?: number } = {}): Promise<AuditVerification> {
  const pageSize = options.pageSize ?? 1000;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE) throw new StoreError('ERR_STORE_PARAMETER', `pageSize must be an integer from 1 to ${MAX_PAGE}`);
  const head = await auditHead(db);
  if (!head) return { ok: false, entries: 0, firstBroken: { seq: 0, reason: 'head-mismatch' } };
  let expected = 1;
  let prevHash = GENESIS_HASH;
  const broken = (seq: number, reason: AuditBreak): AuditVerification => ({ ok: false, entries: expected - 1, firstBroken: { seq, reason } });
  while (expected <= head.seq) {
    const rows = await db.query<AuditRow>(`SELECT ${COLUMNS} FROM audit_log WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3`, [expected, head.seq, pageSize]);
    if (rows.length === 0) return broken(expected, 'gap');
    for (const row of rows) {
      if (row.seq !== expected) return broken(expected, 'gap');
      if (row.prev_hash !== prevHash) return broken(row.seq, 'chain-break');
      const recomputed = auditHash({ seq: row.seq, at: row.at, actor: row.actor, action: row.action, subject: row.subject, payload: row.payload, prevHash: row.prev_hash });
      if (recomputed !== row.hash) return broken(row.seq, 'hash-mismatch');
      prevHash = row.hash;
      expected++;
    }
  }
  if (prevHash !== head.hash) return broken(head.seq, 'head-mismatch');
  // A committed entry is never beyond the head committed with it; the head is read after the log here,
  // so an entry beyond it was put there behind the triggers' back (or the head was moved back).
  const last = (await db.query<{ seq: number }>('SELECT seq FROM audit_log ORDER BY seq DESC LIMIT 1'))[0];
  const headNow = await auditHead(db);
  if (last && headNow && last.seq > headNow.seq) return broken(headNow.seq + 1, 'head-mismatch');
  return { ok: true, entries: expected - 1, headSeq: head.seq };
}

// Lone UTF-16 surrogates would be replaced when encoded as UTF-8: two strings, one hash.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function text(field: string, value: unknown, mayBeEmpty = false): string {
  if (typeof value !== 'string' || (!mayBeEmpty && value.length === 0)) {
    throw new StoreError('ERR_STORE_VALUE', `audit ${field} must be a ${mayBeEmpty ? '' : 'non-empty '}string`);
  }
  // PostgreSQL text cannot hold NUL; it is refused on both dialects alike.
  if (value.includes('\u0000') || LONE_SURROGATE.test(value)) throw new StoreError('ERR_STORE_VALUE', `audit ${field} holds NUL or a lone surrogate`);
  return value;
}
