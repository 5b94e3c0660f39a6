import type { Queryable } from '../../../store/index.js';
import type { Party, WireStep } from '../script.js';
import type { TemporarySecrets } from '../sp/temporary-secrets.js';
import type { FailureDocument, SessionDocument } from './protocol.js';
import { getBatch, getSession, listSessions, traceOf, type Purpose, type SessionRow, type TraceRow } from './sessions.js';

/*
 * What an inspector reads of the relay: the sessions and their traces, straight from the database (no
 * TSM secret is needed, and none is there to read: the trace was redacted when it was written).
 */

export interface TraceDocument {
  readonly sessionId: string;
  readonly purpose: Purpose;
  readonly seId: string;
  readonly state: SessionRow['state'];
  readonly entries: readonly {
    readonly batch: number;
    readonly index: number;
    readonly party: Party;
    readonly label: string;
    readonly command: string;
    readonly wire: string;
    readonly response: string | null;
    readonly plainResponse: string | null;
    readonly outcome: TraceRow['outcome'];
  }[];
}

/** A session as a list shows it (no state of the TSMs, no secrets). */
export interface SessionSummary {
  readonly sessionId: string;
  readonly purpose: Purpose;
  readonly seId: string;
  readonly appInstanceId: string | null;
  readonly state: SessionRow['state'];
  readonly batches: number;
  readonly createdAt: string;
  readonly endedAt: string | null;
  readonly failure: Record<string, unknown> | null;
}

/** The recorded sessions, newest first (also for tools that have the database but none of the TSMs' secrets). */
export async function sessionSummaries(q: Queryable, filter: { seId?: string; limit?: number } = {}): Promise<SessionSummary[]> {
  return (await listSessions(q, filter)).map((r) => ({
    sessionId: r.id,
    purpose: r.purpose,
    seId: r.se_id,
    appInstanceId: r.app_instance_id,
    state: r.state,
    batches: r.batch_seq,
    createdAt: r.created_at,
    endedAt: r.ended_at,
    failure: r.failure_code ? { code: r.failure_code, ...(JSON.parse(r.failure_detail ?? '{}') as object) } : null,
  }));
}

/** The trace of a session, as recorded (redacted when recorded). */
export async function traceDocument(q: Queryable, id: string): Promise<TraceDocument | undefined> {
  const row = await getSession(q, id);
  if (!row) return undefined;
  const rows = await traceOf(q, id);
  return {
    sessionId: id,
    purpose: row.purpose,
    seId: row.se_id,
    state: row.state,
    entries: rows.map((r) => ({ batch: r.batch_seq, index: r.idx, party: r.party, label: r.label, command: r.command, wire: r.wire_command, response: r.response, plainResponse: r.plain_response, outcome: r.outcome })),
  };
}


/**
 * The session document the app reads (docs/services/tsm.md "Relay protocol"). An issuance or
 * re-initialisation awaiting the replacement of its temporary values carries them (`openSecrets` is the
 * SP-TSM's, which sealed them); no other state ever does.
 */
export async function sessionDocument(q: Queryable, row: SessionRow, openSecrets: (id: string, sealed: Uint8Array) => Partial<TemporarySecrets>): Promise<SessionDocument> {
  const base = { sessionId: row.id, purpose: row.purpose, seId: row.se_id, appInstanceId: row.app_instance_id, state: row.state, expiresAt: row.expires_at };
  switch (row.state) {
    case 'active': {
      const batch = (await getBatch(q, row.id, row.batch_seq))!;
      return { ...base, batch: { seq: row.batch_seq, steps: JSON.parse(batch.steps) as WireStep[] } };
    }
    case 'awaiting-signature':
    case 'certifying':
      return { ...base, application: Buffer.from(row.application!).toString('base64') };
    case 'awaiting-replacement': {
      const s = row.secrets ? openSecrets(row.id, row.secrets) : {};
      const temporary = { ...(s.pin !== undefined ? { pin: s.pin } : {}), ...(s.password !== undefined ? { password: s.password } : {}) };
      return { ...base, result: JSON.parse(row.result ?? '{}') as Record<string, unknown>, temporary };
    }
    case 'completed':
      return { ...base, result: JSON.parse(row.result ?? '{}') as Record<string, unknown> };
    default:
      return { ...base, failure: { code: row.failure_code!, ...(JSON.parse(row.failure_detail ?? '{}') as Omit<FailureDocument, 'code'>) } };
  }
}

/** A document as stored for a repeated request: without the temporary values (the session document adds them back while it awaits their replacement). */
export function withoutSecrets(doc: SessionDocument): SessionDocument {
  if (!doc.temporary) return doc;
  const { temporary: _t, ...rest } = doc;
  return rest;
}
