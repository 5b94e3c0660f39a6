import { createHash } from 'node:crypto';
import type { Queryable, SqlValue } from '../../../store/index.js';
import type { Party, PlannedStep, WireStep } from '../script.js';

/** Rows of the relay's tables (migration 004). */

export type Purpose = 'prepare' | 'issue' | 'sync' | 'delete' | 'revoke' | 'reset-cleanup' | 'reset-pin';
export type SessionState = 'active' | 'awaiting-signature' | 'certifying' | 'awaiting-replacement' | 'completed' | 'failed' | 'expired' | 'aborted';
/** A session not yet ended (migration 008 adds `awaiting-replacement`: the app replaces the temporary secrets). */
export const LIVE_STATES: readonly SessionState[] = ['active', 'awaiting-signature', 'certifying', 'awaiting-replacement'];

export interface SessionRow {
  id: string;
  /** The app instance that runs the session, or null for one the OS's SE agent runs after a reset notice. */
  app_instance_id: string | null;
  se_id: string;
  purpose: Purpose;
  state: SessionState;
  phase: string;
  batch_seq: number;
  version: number;
  failure_code: string | null;
  failure_detail: string | null;
  result: string | null;
  secrets: Uint8Array | null;
  application: Uint8Array | null;
  signature_hash: string | null;
  sei_state: Uint8Array | null;
  sp_state: Uint8Array | null;
  created_at: string;
  updated_at: string;
  expires_at: string;
  ended_at: string | null;
  /** SHA-256 (hex) of the SE agent's credential for this one session (migration 007). */
  agent_token_hash: string | null;
}

export interface BatchRow {
  session_id: string;
  seq: number;
  steps: string;
  owners: string;
  created_at: string;
  responses: string | null;
  responses_hash: string | null;
  answered_at: string | null;
  outcome: string | null;
}

export interface TraceRow {
  session_id: string;
  batch_seq: number;
  idx: number;
  party: Party;
  label: string;
  command: string;
  wire_command: string;
  response: string | null;
  plain_response: string | null;
  outcome: 'planned' | 'ok' | 'unexpected' | 'not-sent';
}

export async function getSession(q: Queryable, id: string): Promise<SessionRow | undefined> {
  return (await q.query<SessionRow>('SELECT * FROM tsm_sessions WHERE id = $1', [id]))[0];
}

/** What is kept of an SE agent's one-session credential (`tsmagt_` + 43 base64url): its SHA-256, hex. */
export function agentTokenHash(credential: string): string {
  return createHash('sha256').update(credential, 'utf8').digest('hex');
}

/** The session an SE agent's credential opens, if it is one. */
export async function sessionOfAgent(q: Queryable, credential: string): Promise<SessionRow | undefined> {
  if (!/^tsmagt_[A-Za-z0-9_-]{43}$/.test(credential)) return undefined;
  return (await q.query<SessionRow>('SELECT * FROM tsm_sessions WHERE agent_token_hash = $1', [agentTokenHash(credential)]))[0];
}

export async function liveSessionsOf(q: Queryable, seId: string): Promise<SessionRow[]> {
  return q.query<SessionRow>(`SELECT * FROM tsm_sessions WHERE se_id = $1 AND state IN (${LIVE_STATES.map((s) => `'${s}'`).join(', ')})`, [seId]);
}

export async function listSessions(q: Queryable, filter: { seId?: string; limit?: number } = {}): Promise<SessionRow[]> {
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
  return filter.seId === undefined
    ? q.query<SessionRow>(`SELECT * FROM tsm_sessions ORDER BY created_at DESC, id LIMIT ${limit}`)
    : q.query<SessionRow>(`SELECT * FROM tsm_sessions WHERE se_id = $1 ORDER BY created_at DESC, id LIMIT ${limit}`, [filter.seId]);
}

/** A new session's row: `active` at batch 1, run by an app instance or (a reset clean-up) an SE agent. */
export function newSessionRow(s: {
  id: string;
  seId: string;
  appInstanceId: string | null;
  agentTokenHash: string | null;
  purpose: Purpose;
  phase: string;
  seiState: Uint8Array | null;
  spState: Uint8Array | null;
  now: string;
  expiresAt: string;
}): SessionRow {
  return {
    id: s.id,
    app_instance_id: s.appInstanceId,
    se_id: s.seId,
    purpose: s.purpose,
    state: 'active',
    phase: s.phase,
    batch_seq: 1,
    version: 1,
    failure_code: null,
    failure_detail: null,
    result: null,
    secrets: null,
    application: null,
    signature_hash: null,
    sei_state: s.seiState,
    sp_state: s.spState,
    created_at: s.now,
    updated_at: s.now,
    expires_at: s.expiresAt,
    ended_at: null,
    agent_token_hash: s.agentTokenHash,
  };
}

export async function insertSession(q: Queryable, row: SessionRow): Promise<void> {
  const cols = Object.keys(row) as (keyof SessionRow)[];
  await q.execute(`INSERT INTO tsm_sessions (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, cols.map((c) => row[c] as SqlValue));
}

/** Updates a session row and bumps its version. */
export async function updateSession(q: Queryable, id: string, changes: Partial<Omit<SessionRow, 'id' | 'version'>>): Promise<void> {
  const cols = Object.keys(changes) as (keyof typeof changes)[];
  const sets = [...cols.map((c, i) => `${c} = $${i + 2}`), 'version = version + 1'].join(', ');
  await q.execute(`UPDATE tsm_sessions SET ${sets} WHERE id = $1`, [id, ...cols.map((c) => changes[c] as SqlValue)]);
}

/**
 * Forgets the temporary secrets of every session that ended (a session ending clears its own; this
 * catches rows of the version before migration 008, which kept them for 5 minutes after completion).
 */
export async function purgeSecrets(q: Queryable): Promise<void> {
  await q.execute(`UPDATE tsm_sessions SET secrets = NULL WHERE secrets IS NOT NULL AND state NOT IN (${LIVE_STATES.map((s) => `'${s}'`).join(', ')})`);
}

export async function insertBatch(q: Queryable, sessionId: string, seq: number, steps: readonly WireStep[], owners: readonly Party[], at: string): Promise<void> {
  await q.execute('INSERT INTO tsm_batches (session_id, seq, steps, owners, created_at) VALUES ($1, $2, $3, $4, $5)', [sessionId, seq, JSON.stringify(steps), JSON.stringify(owners), at]);
}

/** A batch the TSMs planned: its steps, and each step in the trace as `planned` (redacted as the TSM marked it). */
export async function planBatch(q: Queryable, id: string, seq: number, steps: readonly PlannedStep[], at: string): Promise<void> {
  await insertBatch(
    q,
    id,
    seq,
    steps.map((s) => s.wire),
    steps.map((s) => s.party),
    at,
  );
  await insertTrace(
    q,
    steps.map((s, idx) => ({ session_id: id, batch_seq: seq, idx, party: s.party, label: s.label, command: s.command, wire_command: s.traced, response: null, plain_response: null, outcome: 'planned' })),
  );
}

export async function getBatch(q: Queryable, sessionId: string, seq: number): Promise<BatchRow | undefined> {
  return (await q.query<BatchRow>('SELECT * FROM tsm_batches WHERE session_id = $1 AND seq = $2', [sessionId, seq]))[0];
}

export async function batchesOf(q: Queryable, sessionId: string): Promise<BatchRow[]> {
  return q.query<BatchRow>('SELECT * FROM tsm_batches WHERE session_id = $1 ORDER BY seq', [sessionId]);
}

export async function answerBatch(q: Queryable, sessionId: string, seq: number, responses: string, hash: string, outcome: string, at: string): Promise<void> {
  await q.execute('UPDATE tsm_batches SET responses = $3, responses_hash = $4, outcome = $5, answered_at = $6 WHERE session_id = $1 AND seq = $2', [sessionId, seq, responses, hash, outcome, at]);
}

export async function insertTrace(q: Queryable, rows: readonly TraceRow[]): Promise<void> {
  for (const r of rows) {
    await q.execute(
      'INSERT INTO tsm_trace (session_id, batch_seq, idx, party, label, command, wire_command, response, plain_response, outcome) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
      [r.session_id, r.batch_seq, r.idx, r.party, r.label, r.command, r.wire_command, r.response, r.plain_response, r.outcome],
    );
  }
}

export async function recordTraceResponse(q: Queryable, sessionId: string, seq: number, idx: number, response: string | null, plain: string | null, outcome: TraceRow['outcome']): Promise<void> {
  await q.execute('UPDATE tsm_trace SET response = $4, plain_response = $5, outcome = $6 WHERE session_id = $1 AND batch_seq = $2 AND idx = $3', [sessionId, seq, idx, response, plain, outcome]);
}

export async function traceOf(q: Queryable, sessionId: string): Promise<TraceRow[]> {
  return q.query<TraceRow>('SELECT * FROM tsm_trace WHERE session_id = $1 ORDER BY batch_seq, idx', [sessionId]);
}
