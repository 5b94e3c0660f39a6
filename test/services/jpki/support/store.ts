import assert from 'node:assert/strict';
import type { CertificateRow, OutboxRow } from '../../../../src/services/jpki/repository.js';
import type { Queryable } from '../../../../src/store/index.js';

const TABLES = ['persons', 'cards', 'certificates', 'outbox', 'used_nonces', 'operators', 'ca_generations', 'audit_log'] as const;

/** What a refused request must leave as it was: row counts, every certificate's status, CRL numbers and the audit head. */
export interface Snapshot {
  readonly counts: Readonly<Record<string, number>>;
  readonly statuses: string;
  readonly crlNumbers: string;
  readonly head: string;
}

export async function snapshot(db: Queryable): Promise<Snapshot> {
  const counts: Record<string, number> = {};
  for (const t of TABLES) counts[t] = Number((await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t}`))[0]!.n);
  const statuses = (await db.query<{ serial: string; status: string; reason: number | null }>('SELECT serial, status, reason FROM certificates ORDER BY serial'))
    .map((r) => `${r.serial}:${r.status}:${r.reason ?? ''}`)
    .join(',');
  const crlNumbers = (await db.query<{ hierarchy: string; generation: number; crl_number: number }>('SELECT hierarchy, generation, crl_number FROM ca_generations ORDER BY hierarchy, generation'))
    .map((r) => `${r.hierarchy}/${r.generation}:${r.crl_number}`)
    .join(',');
  const head = (await db.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_head'))
    .map((r) => `${r.seq}:${r.hash}`)
    .join(',');
  return { counts, statuses, crlNumbers, head };
}

/** Asserts that nothing was written since `before`. */
export async function assertUnchanged(db: Queryable, before: Snapshot, what: string): Promise<void> {
  assert.deepEqual(await snapshot(db), before, `${what}: nothing may be written`);
}

export async function certificateRow(db: Queryable, serial: string): Promise<CertificateRow> {
  const row = (await db.query<CertificateRow>('SELECT * FROM certificates WHERE serial = $1', [serial]))[0];
  assert.ok(row, `certificate ${serial} is in the store`);
  return row;
}

/** status/reason of a certificate as one string, e.g. `revoked/1`, `held/6`, `good/`. */
export async function stateOf(db: Queryable, serial: string): Promise<string> {
  const r = await certificateRow(db, serial);
  return `${r.status}/${r.reason === null ? '' : Number(r.reason)}`;
}

export async function outboxRows(db: Queryable): Promise<OutboxRow[]> {
  return db.query<OutboxRow>('SELECT * FROM outbox ORDER BY id');
}

export async function auditHeadSeq(db: Queryable): Promise<number> {
  return Number((await db.query<{ seq: number }>('SELECT seq FROM audit_head'))[0]!.seq);
}
