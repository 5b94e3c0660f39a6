import type { Queryable } from '../../store/index.js';

/** The kiosk's rows (schema: src/store/migrations/005-rp.ts). */

export interface KioskKeyRow {
  kid: string;
  kiosk_id: string;
  public_jwk: string;
  created_at: string;
}

export interface IssuanceRow {
  id: string;
  kiosk_id: string;
  kid: string;
  holder: 'card' | 'phone';
  certificate_serial: string;
  person_id: string;
  document: string;
  issued_at: string;
}

/** Publishes a signing key (once: an existing kid is left as it is). */
export async function registerKey(q: Queryable, k: KioskKeyRow): Promise<void> {
  if ((await q.query('SELECT kid FROM kiosk_keys WHERE kid = $1', [k.kid])).length > 0) return;
  await q.execute('INSERT INTO kiosk_keys (kid, kiosk_id, public_jwk, created_at) VALUES ($1, $2, $3, $4)', [k.kid, k.kiosk_id, k.public_jwk, k.created_at]);
}

export async function listKeys(q: Queryable): Promise<KioskKeyRow[]> {
  return q.query<KioskKeyRow>('SELECT * FROM kiosk_keys ORDER BY created_at, kid');
}

export async function insertIssuance(q: Queryable, i: IssuanceRow): Promise<void> {
  await q.execute('INSERT INTO kiosk_issuances (id, kiosk_id, kid, holder, certificate_serial, person_id, document, issued_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
    i.id,
    i.kiosk_id,
    i.kid,
    i.holder,
    i.certificate_serial,
    i.person_id,
    i.document,
    i.issued_at,
  ]);
}

export async function getIssuance(q: Queryable, id: string): Promise<IssuanceRow | undefined> {
  return (await q.query<IssuanceRow>('SELECT * FROM kiosk_issuances WHERE id = $1', [id]))[0];
}
