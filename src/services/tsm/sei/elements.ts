import type { Queryable } from '../../../store/index.js';

/** A row of `sei_elements` (migration 004). */
export interface ElementRow {
  se_id: string;
  cplc: string;
  model: string;
  profile: 'development' | 'production';
  key_mode: KeyMode;
  isd_kvn: number;
  isd_keys: Uint8Array | null;
  derived_kvn: number | null;
  state: ElementState;
  apsd_aid: string | null;
  app_certificate_hash: string | null;
  registered_by: string;
  registered_at: string;
  updated_at: string;
}

/**
 * How the SEI knows an element's ISD keys:
 * - `development`: the GlobalPlatform test key (a development element, accepted only when configured);
 * - `issuer`: the keys the maker handed over, kept sealed;
 * - `transport`: the maker's keys, kept sealed until the first session replaces them with derived keys;
 * - `derived`: derived from the SEI's master secret and the element's identity, stored nowhere.
 */
export type KeyMode = 'development' | 'issuer' | 'transport' | 'derived';
export type ElementState = 'registered' | 'prepared' | 'reset';

export async function getElement(q: Queryable, seId: string): Promise<ElementRow | undefined> {
  return (await q.query<ElementRow>('SELECT * FROM sei_elements WHERE se_id = $1', [seId]))[0];
}

export async function listElements(q: Queryable): Promise<ElementRow[]> {
  return q.query<ElementRow>('SELECT * FROM sei_elements ORDER BY registered_at, se_id');
}

export async function insertElement(q: Queryable, row: ElementRow): Promise<void> {
  await q.execute(
    `INSERT INTO sei_elements (se_id, cplc, model, profile, key_mode, isd_kvn, isd_keys, derived_kvn, state, apsd_aid, app_certificate_hash, registered_by, registered_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
    [row.se_id, row.cplc, row.model, row.profile, row.key_mode, row.isd_kvn, row.isd_keys, row.derived_kvn, row.state, row.apsd_aid, row.app_certificate_hash, row.registered_by, row.registered_at, row.updated_at],
  );
}

/** The ISD now answers with the derived key set: the maker's keys are forgotten. */
export async function markDerived(q: Queryable, seId: string, kvn: number, at: string): Promise<void> {
  await q.execute(`UPDATE sei_elements SET key_mode = 'derived', isd_kvn = $2, derived_kvn = $2, isd_keys = NULL, updated_at = $3 WHERE se_id = $1`, [seId, kvn, at]);
}

export async function markPrepared(q: Queryable, seId: string, apsdAid: string, appCertificateHash: string, at: string): Promise<void> {
  await q.execute(`UPDATE sei_elements SET state = 'prepared', apsd_aid = $2, app_certificate_hash = $3, updated_at = $4 WHERE se_id = $1`, [seId, apsdAid, appCertificateHash, at]);
}
