import type { Queryable } from '../../store/index.js';

/** The bank's rows (schema: src/store/migrations/005-rp.ts). */

export interface OpeningRow {
  id: string;
  content: Uint8Array;
  signing_time: string;
  digest_info: Uint8Array;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface AccountRow {
  id: string;
  branch_code: string;
  account_number: string;
  opening_id: string;
  holder_name: string;
  holder_address: string;
  holder_birth_date: string;
  holder_sex: number;
  name_substitute_map: string | null;
  address_substitute_map: string | null;
  signer_kind: 'card-sign' | 'phone-sign';
  signer_serial: string;
  signer_issuer: string;
  cms: Uint8Array;
  opened_at: string;
}

export async function insertOpening(q: Queryable, o: Omit<OpeningRow, 'used_at'>): Promise<void> {
  await q.execute('INSERT INTO bank_openings (id, content, signing_time, digest_info, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [
    o.id,
    o.content,
    o.signing_time,
    o.digest_info,
    o.created_at,
    o.expires_at,
  ]);
}

export async function getOpening(q: Queryable, id: string): Promise<OpeningRow | undefined> {
  return (await q.query<OpeningRow>('SELECT * FROM bank_openings WHERE id = $1', [id]))[0];
}

/** Marks an opening used; false when it was used already (a concurrent request won). */
export async function useOpening(q: Queryable, id: string, at: string): Promise<boolean> {
  return (await q.execute('UPDATE bank_openings SET used_at = $2 WHERE id = $1 AND used_at IS NULL', [id, at])).changes === 1;
}

export async function accountNumberTaken(q: Queryable, branch: string, number: string): Promise<boolean> {
  return (await q.query('SELECT id FROM bank_accounts WHERE branch_code = $1 AND account_number = $2', [branch, number])).length > 0;
}

export async function insertAccount(q: Queryable, a: AccountRow): Promise<void> {
  await q.execute(
    `INSERT INTO bank_accounts (id, branch_code, account_number, opening_id, holder_name, holder_address, holder_birth_date, holder_sex,
       name_substitute_map, address_substitute_map, signer_kind, signer_serial, signer_issuer, cms, opened_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
    [
      a.id,
      a.branch_code,
      a.account_number,
      a.opening_id,
      a.holder_name,
      a.holder_address,
      a.holder_birth_date,
      a.holder_sex,
      a.name_substitute_map,
      a.address_substitute_map,
      a.signer_kind,
      a.signer_serial,
      a.signer_issuer,
      a.cms,
      a.opened_at,
    ],
  );
}

export async function getAccount(q: Queryable, id: string): Promise<AccountRow | undefined> {
  return (await q.query<AccountRow>('SELECT * FROM bank_accounts WHERE id = $1', [id]))[0];
}
