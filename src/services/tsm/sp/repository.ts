import type { Queryable } from '../../../store/index.js';

/** Rows of the SP-TSM's tables (migration 004). */

export interface AppInstanceRow {
  id: string;
  credential_hash: string;
  se_id: string;
  app_certificate_hash: string;
  push_token: string | null;
  created_at: string;
  last_seen_at: string;
  disabled_at: string | null;
}

export interface SpElementRow {
  se_id: string;
  apsd_aid: string;
  state: 'keys-received' | 'ready' | 'personalized';
  updated_at: string;
}

export interface ApsdKeyRow {
  se_id: string;
  kvn: number;
  state: 'initial' | 'pending' | 'active';
  keys: Uint8Array;
  created_at: string;
}

export interface OrderRow {
  id: string;
  kind: 'issuance';
  session_id: string;
  se_id: string;
  app_instance_id: string;
  state: 'generating' | 'awaiting-signature' | 'certified' | 'completed' | 'failed';
  nonce: string | null;
  application: Uint8Array | null;
  person_id: string | null;
  card_serial: string | null;
  sign_serial: string | null;
  auth_serial: string | null;
  superseded: string | null;
  failure: string | null;
  created_at: string;
  updated_at: string;
}

export async function appCertificateAllowed(q: Queryable, sha256: string): Promise<boolean> {
  return (await q.query('SELECT 1 FROM sp_app_certificates WHERE sha256 = $1 AND disabled_at IS NULL', [sha256])).length > 0;
}

export async function insertAppCertificate(q: Queryable, sha256: string, label: string, at: string): Promise<boolean> {
  const r = await q.query('SELECT 1 FROM sp_app_certificates WHERE sha256 = $1', [sha256]);
  if (r.length > 0) {
    await q.execute('UPDATE sp_app_certificates SET label = $2, disabled_at = NULL WHERE sha256 = $1', [sha256, label]);
    return false;
  }
  await q.execute('INSERT INTO sp_app_certificates (sha256, label, added_at) VALUES ($1, $2, $3)', [sha256, label, at]);
  return true;
}

export async function insertAppInstance(q: Queryable, row: AppInstanceRow): Promise<void> {
  await q.execute(
    'INSERT INTO sp_app_instances (id, credential_hash, se_id, app_certificate_hash, push_token, created_at, last_seen_at, disabled_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    [row.id, row.credential_hash, row.se_id, row.app_certificate_hash, row.push_token, row.created_at, row.last_seen_at, row.disabled_at],
  );
}

export async function appInstanceByCredential(q: Queryable, credentialHash: string): Promise<AppInstanceRow | undefined> {
  return (await q.query<AppInstanceRow>('SELECT * FROM sp_app_instances WHERE credential_hash = $1', [credentialHash]))[0];
}

export async function getAppInstance(q: Queryable, id: string): Promise<AppInstanceRow | undefined> {
  return (await q.query<AppInstanceRow>('SELECT * FROM sp_app_instances WHERE id = $1', [id]))[0];
}

export async function getSpElement(q: Queryable, seId: string): Promise<SpElementRow | undefined> {
  return (await q.query<SpElementRow>('SELECT * FROM sp_elements WHERE se_id = $1', [seId]))[0];
}

export async function setSpElementState(q: Queryable, seId: string, state: SpElementRow['state'], at: string): Promise<void> {
  await q.execute('UPDATE sp_elements SET state = $2, updated_at = $3 WHERE se_id = $1', [seId, state, at]);
}

/** A new APSD on this element: whatever keys the SP held for an earlier one are gone with it. */
export async function resetSpElement(q: Queryable, seId: string, apsdAid: string, at: string): Promise<void> {
  await q.execute('DELETE FROM sp_apsd_keys WHERE se_id = $1', [seId]);
  const n = await q.execute(`UPDATE sp_elements SET apsd_aid = $2, state = 'keys-received', updated_at = $3 WHERE se_id = $1`, [seId, apsdAid, at]);
  if (n.changes === 0) await q.execute(`INSERT INTO sp_elements (se_id, apsd_aid, state, updated_at) VALUES ($1, $2, 'keys-received', $3)`, [seId, apsdAid, at]);
}

export async function apsdKeyRows(q: Queryable, seId: string): Promise<ApsdKeyRow[]> {
  return q.query<ApsdKeyRow>('SELECT * FROM sp_apsd_keys WHERE se_id = $1 ORDER BY kvn', [seId]);
}

export async function insertApsdKeys(q: Queryable, row: ApsdKeyRow): Promise<void> {
  await q.execute('DELETE FROM sp_apsd_keys WHERE se_id = $1 AND kvn = $2', [row.se_id, row.kvn]);
  await q.execute('INSERT INTO sp_apsd_keys (se_id, kvn, state, keys, created_at) VALUES ($1, $2, $3, $4, $5)', [row.se_id, row.kvn, row.state, row.keys, row.created_at]);
}

/** The card now answers with key set `kvn`: it becomes the only one the SP keeps. */
export async function activateApsdKeys(q: Queryable, seId: string, kvn: number): Promise<void> {
  await q.execute('DELETE FROM sp_apsd_keys WHERE se_id = $1 AND kvn <> $2', [seId, kvn]);
  await q.execute(`UPDATE sp_apsd_keys SET state = 'active' WHERE se_id = $1 AND kvn = $2`, [seId, kvn]);
}

export async function insertOrder(q: Queryable, row: OrderRow): Promise<void> {
  await q.execute(
    `INSERT INTO sp_orders (id, kind, session_id, se_id, app_instance_id, state, nonce, application, person_id, card_serial, sign_serial, auth_serial, superseded, failure, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
    [row.id, row.kind, row.session_id, row.se_id, row.app_instance_id, row.state, row.nonce, row.application, row.person_id, row.card_serial, row.sign_serial, row.auth_serial, row.superseded, row.failure, row.created_at, row.updated_at],
  );
}

export async function orderOfSession(q: Queryable, sessionId: string): Promise<OrderRow | undefined> {
  return (await q.query<OrderRow>('SELECT * FROM sp_orders WHERE session_id = $1', [sessionId]))[0];
}

export async function listOrders(q: Queryable, seId?: string): Promise<OrderRow[]> {
  return seId === undefined
    ? q.query<OrderRow>('SELECT * FROM sp_orders ORDER BY created_at, id')
    : q.query<OrderRow>('SELECT * FROM sp_orders WHERE se_id = $1 ORDER BY created_at, id', [seId]);
}

export async function updateOrder(q: Queryable, id: string, changes: Partial<Omit<OrderRow, 'id' | 'kind' | 'session_id' | 'se_id' | 'app_instance_id' | 'created_at'>> & { updated_at: string }): Promise<void> {
  const keys = Object.keys(changes) as (keyof typeof changes)[];
  const sets = keys.map((k, i) => `${k} = $${i + 2}`).join(', ');
  await q.execute(`UPDATE sp_orders SET ${sets} WHERE id = $1`, [id, ...keys.map((k) => changes[k] as string | Uint8Array | null)]);
}
