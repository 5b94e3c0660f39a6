import type { Queryable } from '../../store/index.js';

/** The portal's rows (schema: src/store/migrations/005-rp.ts). */

export interface ChallengeRow {
  id: string;
  party: string;
  nonce: string;
  challenge: string;
  created_at: string;
  expires_at: string;
  consumed_at: string | null;
}

export interface SessionRow {
  id: string;
  token_hash: string;
  account: string;
  person_id: string | null;
  holder: 'card' | 'phone';
  certificate_serial: string;
  certificate_issuer: string;
  certificate: Uint8Array;
  created_at: string;
  expires_at: string;
  ended_at: string | null;
}

export interface DraftRow {
  id: string;
  session_id: string;
  account: string;
  form_id: string;
  content: Uint8Array;
  signing_time: string;
  digest_info: Uint8Array;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface ApplicationRow {
  id: string;
  draft_id: string;
  account: string;
  person_id: string | null;
  form_id: string;
  content: Uint8Array;
  cms: Uint8Array;
  signer_kind: 'card-sign' | 'phone-sign';
  signer_serial: string;
  signer_issuer: string;
  applicant_name: string;
  applicant_address: string;
  applicant_birth_date: string;
  applicant_sex: number;
  signing_time: string | null;
  received_at: string;
}

export const PORTAL_PARTY = 'portal';

export async function insertChallenge(q: Queryable, c: Omit<ChallengeRow, 'consumed_at'>): Promise<void> {
  await q.execute('INSERT INTO rp_login_challenges (id, party, nonce, challenge, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [
    c.id,
    c.party,
    c.nonce,
    c.challenge,
    c.created_at,
    c.expires_at,
  ]);
}

/** Forgets challenges of a party that expired before `before` (answered or not: they can no longer be). */
export async function purgeChallenges(q: Queryable, party: string, before: string): Promise<void> {
  await q.execute('DELETE FROM rp_login_challenges WHERE party = $1 AND expires_at < $2', [party, before]);
}

export async function getChallenge(q: Queryable, party: string, id: string): Promise<ChallengeRow | undefined> {
  return (await q.query<ChallengeRow>('SELECT * FROM rp_login_challenges WHERE id = $1 AND party = $2', [id, party]))[0];
}

export async function insertSession(q: Queryable, s: Omit<SessionRow, 'ended_at'>): Promise<void> {
  await q.execute(
    `INSERT INTO portal_sessions (id, token_hash, account, person_id, holder, certificate_serial, certificate_issuer, certificate, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [s.id, s.token_hash, s.account, s.person_id, s.holder, s.certificate_serial, s.certificate_issuer, s.certificate, s.created_at, s.expires_at],
  );
}

export async function sessionByTokenHash(q: Queryable, hash: string): Promise<SessionRow | undefined> {
  return (await q.query<SessionRow>('SELECT * FROM portal_sessions WHERE token_hash = $1', [hash]))[0];
}

export async function endSession(q: Queryable, id: string, at: string): Promise<void> {
  await q.execute('UPDATE portal_sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL', [id, at]);
}

export async function insertDraft(q: Queryable, d: Omit<DraftRow, 'used_at'>): Promise<void> {
  await q.execute(
    `INSERT INTO portal_drafts (id, session_id, account, form_id, content, signing_time, digest_info, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [d.id, d.session_id, d.account, d.form_id, d.content, d.signing_time, d.digest_info, d.created_at, d.expires_at],
  );
}

export async function getDraft(q: Queryable, id: string): Promise<DraftRow | undefined> {
  return (await q.query<DraftRow>('SELECT * FROM portal_drafts WHERE id = $1', [id]))[0];
}

/** Marks a draft used; false when it was used already (by a concurrent submission). */
export async function useDraft(q: Queryable, id: string, at: string): Promise<boolean> {
  return (await q.execute('UPDATE portal_drafts SET used_at = $2 WHERE id = $1 AND used_at IS NULL', [id, at])).changes === 1;
}

export async function insertApplication(q: Queryable, a: ApplicationRow): Promise<void> {
  await q.execute(
    `INSERT INTO portal_applications (id, draft_id, account, person_id, form_id, content, cms, signer_kind, signer_serial, signer_issuer,
       applicant_name, applicant_address, applicant_birth_date, applicant_sex, signing_time, received_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
    [
      a.id,
      a.draft_id,
      a.account,
      a.person_id,
      a.form_id,
      a.content,
      a.cms,
      a.signer_kind,
      a.signer_serial,
      a.signer_issuer,
      a.applicant_name,
      a.applicant_address,
      a.applicant_birth_date,
      a.applicant_sex,
      a.signing_time,
      a.received_at,
    ],
  );
}

export async function getApplication(q: Queryable, id: string): Promise<ApplicationRow | undefined> {
  return (await q.query<ApplicationRow>('SELECT * FROM portal_applications WHERE id = $1', [id]))[0];
}

export async function applicationsOf(q: Queryable, account: string, limit: number): Promise<ApplicationRow[]> {
  return q.query<ApplicationRow>('SELECT * FROM portal_applications WHERE account = $1 ORDER BY received_at DESC, id LIMIT $2', [account, limit]);
}
