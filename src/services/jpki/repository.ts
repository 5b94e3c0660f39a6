import type { Queryable } from '../../store/index.js';
import type { Device } from './actors.js';

/** The JPKI service's rows, as the store returns them (schema: src/store/migrations). */
export type Hierarchy = 'sign' | 'auth';
export type CertificateStatus = 'good' | 'held' | 'revoked';

export interface PersonRow {
  id: string;
  name: string;
  address: string;
  birth_date: string;
  sex: number;
  name_substitute_map: string | null;
  address_substitute_map: string | null;
  created_at: string;
  updated_at: string;
}

export interface CardRow {
  id: string;
  person_id: string;
  expires_at: string;
  created_at: string;
}

export interface CertificateRow {
  serial: string;
  hierarchy: Hierarchy;
  generation: number;
  device: Device;
  person_id: string;
  card_id: string | null;
  se_id: string | null;
  linked_serial: string | null;
  status: CertificateStatus;
  reason: number | null;
  revoked_at: string | null;
  not_before: string;
  not_after: string;
  subject: string;
  der: Uint8Array;
  issued_at: string;
}

export interface GenerationRow {
  hierarchy: Hierarchy;
  generation: number;
  certificate: Uint8Array;
  private_key: Uint8Array;
  responder_certificate: Uint8Array;
  responder_key: Uint8Array;
  state: 'active' | 'retired';
  crl_number: number;
  created_at: string;
}

export interface OutboxRow {
  id: number;
  kind: string;
  person_id: string;
  se_id: string | null;
  serials: string;
  reason: number | null;
  created_at: string;
  claimed_at: string | null;
  done_at: string | null;
}

const iso = (d: Date) => d.toISOString();

export async function insertPerson(q: Queryable, p: PersonRow): Promise<void> {
  await q.execute(
    'INSERT INTO persons (id, name, address, birth_date, sex, name_substitute_map, address_substitute_map, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
    [p.id, p.name, p.address, p.birth_date, p.sex, p.name_substitute_map, p.address_substitute_map, p.created_at, p.updated_at],
  );
}

export async function getPerson(q: Queryable, id: string): Promise<PersonRow | undefined> {
  return (await q.query<PersonRow>('SELECT * FROM persons WHERE id = $1', [id]))[0];
}

export async function insertCard(q: Queryable, c: CardRow): Promise<void> {
  await q.execute('INSERT INTO cards (id, person_id, expires_at, created_at) VALUES ($1, $2, $3, $4)', [c.id, c.person_id, c.expires_at, c.created_at]);
}

export async function getCard(q: Queryable, id: string): Promise<CardRow | undefined> {
  return (await q.query<CardRow>('SELECT * FROM cards WHERE id = $1', [id]))[0];
}

export async function insertCertificate(q: Queryable, c: CertificateRow): Promise<void> {
  await q.execute(
    `INSERT INTO certificates (serial, hierarchy, generation, device, person_id, card_id, se_id, linked_serial, status, reason, revoked_at, not_before, not_after, subject, der, issued_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
    [c.serial, c.hierarchy, c.generation, c.device, c.person_id, c.card_id, c.se_id, c.linked_serial, c.status, c.reason, c.revoked_at, c.not_before, c.not_after, c.subject, c.der, c.issued_at],
  );
}

export async function getCertificate(q: Queryable, serial: string): Promise<CertificateRow | undefined> {
  return (await q.query<CertificateRow>('SELECT * FROM certificates WHERE serial = $1', [serial]))[0];
}

/** Certificates of a person that are not revoked (good or held), optionally of one device. */
export async function activeCertificates(q: Queryable, personId: string, device?: Device): Promise<CertificateRow[]> {
  return device
    ? q.query<CertificateRow>("SELECT * FROM certificates WHERE person_id = $1 AND device = $2 AND status <> 'revoked' ORDER BY hierarchy", [personId, device])
    : q.query<CertificateRow>("SELECT * FROM certificates WHERE person_id = $1 AND status <> 'revoked' ORDER BY device, hierarchy", [personId]);
}

export async function certificatesOfPerson(q: Queryable, personId: string): Promise<CertificateRow[]> {
  return q.query<CertificateRow>('SELECT * FROM certificates WHERE person_id = $1 ORDER BY issued_at, serial', [personId]);
}

/** The most recently issued certificates, newest first (the admin's inspector). */
export async function recentCertificates(q: Queryable, limit: number): Promise<CertificateRow[]> {
  return q.query<CertificateRow>('SELECT * FROM certificates ORDER BY issued_at DESC, serial DESC LIMIT $1', [limit]);
}

/** Phone certificates linked to a card certificate and not yet revoked. */
export async function linkedActive(q: Queryable, cardSerial: string): Promise<CertificateRow[]> {
  return q.query<CertificateRow>("SELECT * FROM certificates WHERE linked_serial = $1 AND status <> 'revoked'", [cardSerial]);
}

export async function setStatus(q: Queryable, serial: string, status: CertificateStatus, reason: number | null, at: Date | null): Promise<void> {
  await q.execute('UPDATE certificates SET status = $2, reason = $3, revoked_at = $4 WHERE serial = $1', [serial, status, reason, at ? iso(at) : null]);
}

export async function insertOutbox(q: Queryable, e: { kind: string; personId: string; seId: string | null; serials: string[]; reason: number | null; at: Date }): Promise<void> {
  await q.execute('INSERT INTO outbox (kind, person_id, se_id, serials, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
    e.kind,
    e.personId,
    e.seId,
    JSON.stringify(e.serials),
    e.reason,
    iso(e.at),
  ]);
}

export async function listOutbox(q: Queryable, afterId: number, limit: number): Promise<OutboxRow[]> {
  return q.query<OutboxRow>('SELECT * FROM outbox WHERE id > $1 ORDER BY id LIMIT $2', [afterId, limit]);
}

/** Revoked and held certificates of one CA generation, in serial order, one page at a time (CRL). */
export async function revokedPage(
  q: Queryable,
  hierarchy: Hierarchy,
  generation: number,
  afterSerial: string,
  limit: number,
): Promise<{ serial: string; reason: number; revoked_at: string }[]> {
  return q.query(
    "SELECT serial, reason, revoked_at FROM certificates WHERE hierarchy = $1 AND generation = $2 AND status <> 'good' AND serial > $3 ORDER BY serial LIMIT $4",
    [hierarchy, generation, afterSerial, limit],
  );
}

export async function listGenerations(q: Queryable): Promise<GenerationRow[]> {
  return q.query<GenerationRow>('SELECT * FROM ca_generations ORDER BY hierarchy, generation');
}

export async function insertGeneration(q: Queryable, g: GenerationRow): Promise<void> {
  await q.execute(
    'INSERT INTO ca_generations (hierarchy, generation, certificate, private_key, responder_certificate, responder_key, state, crl_number, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
    [g.hierarchy, g.generation, g.certificate, g.private_key, g.responder_certificate, g.responder_key, g.state, g.crl_number, g.created_at],
  );
}

export async function retireGenerations(q: Queryable, hierarchy: Hierarchy): Promise<void> {
  await q.execute("UPDATE ca_generations SET state = 'retired' WHERE hierarchy = $1 AND state = 'active'", [hierarchy]);
}

export async function updateResponder(q: Queryable, hierarchy: Hierarchy, generation: number, certificate: Uint8Array, key: Uint8Array): Promise<void> {
  await q.execute('UPDATE ca_generations SET responder_certificate = $3, responder_key = $4 WHERE hierarchy = $1 AND generation = $2', [hierarchy, generation, certificate, key]);
}

/** Allocates the next CRL number of a generation (RFC 5280 5.2.3: monotonically increasing). */
export async function nextCrlNumber(q: Queryable, hierarchy: Hierarchy, generation: number): Promise<number> {
  await q.execute('UPDATE ca_generations SET crl_number = crl_number + 1 WHERE hierarchy = $1 AND generation = $2', [hierarchy, generation]);
  const rows = await q.query<{ crl_number: number }>('SELECT crl_number FROM ca_generations WHERE hierarchy = $1 AND generation = $2', [hierarchy, generation]);
  return Number(rows[0]!.crl_number);
}

export async function insertOperator(q: Queryable, o: { id: string; role: string; tokenHash: string; at: Date }): Promise<void> {
  await q.execute('INSERT INTO operators (id, role, token_hash, created_at) VALUES ($1, $2, $3, $4)', [o.id, o.role, o.tokenHash, iso(o.at)]);
}

export async function operatorByTokenHash(q: Queryable, tokenHash: string): Promise<{ id: string; role: string; disabled_at: string | null } | undefined> {
  return (await q.query<{ id: string; role: string; disabled_at: string | null }>('SELECT id, role, disabled_at FROM operators WHERE token_hash = $1', [tokenHash]))[0];
}

/** True when a nonce was used before (a read-only early check; `consumeNonce` decides, in the transaction). */
export async function nonceUsed(q: Queryable, nonce: string): Promise<boolean> {
  return (await q.query('SELECT nonce FROM used_nonces WHERE nonce = $1', [nonce])).length > 0;
}

/** Records a single-use nonce; false when it was used before (a replayed request). */
export async function consumeNonce(q: Queryable, nonce: string, purpose: string, at: Date): Promise<boolean> {
  const rows = await q.query('SELECT nonce FROM used_nonces WHERE nonce = $1', [nonce]);
  if (rows.length > 0) return false;
  await q.execute('INSERT INTO used_nonces (nonce, purpose, created_at) VALUES ($1, $2, $3)', [nonce, purpose, iso(at)]);
  return true;
}
