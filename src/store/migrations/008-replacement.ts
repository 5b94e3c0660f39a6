import type { Migration } from './migration.js';

/**
 * The replacement of the temporary PIN and password is part of the session (flows 3 and 5;
 * docs/services/tsm.md "The temporary PIN and password"). Notes:
 * - `tsm_sessions.state` gains `awaiting-replacement`: the element holds the temporary values, the app
 *   replaces them with the user's own and confirms; only then is the session `completed`. It is a live
 *   state (one live session per element), so the unique index covers it.
 * - PostgreSQL alters the constraint and the index in place; SQLite cannot alter a check constraint, so
 *   the three relay tables are rebuilt as in 006 and 007 (children dropped first, rebuilt with their rows).
 */

const LIVE = "('active', 'awaiting-signature', 'certifying', 'awaiting-replacement')";
const STATES = "('active', 'awaiting-signature', 'certifying', 'awaiting-replacement', 'completed', 'failed', 'expired', 'aborted')";
const PURPOSES = "('prepare', 'issue', 'sync', 'delete', 'revoke', 'reset-cleanup', 'reset-pin')";

const relayTables = `
CREATE TABLE tsm_sessions (
  id TEXT NOT NULL CONSTRAINT tsm_sessions_pkey PRIMARY KEY,
  app_instance_id TEXT CONSTRAINT tsm_sessions_app_instance_id_fkey REFERENCES sp_app_instances (id),
  se_id TEXT NOT NULL,
  purpose TEXT NOT NULL CONSTRAINT tsm_sessions_purpose_check CHECK (purpose IN ${PURPOSES}),
  state TEXT NOT NULL CONSTRAINT tsm_sessions_state_check CHECK (state IN ${STATES}),
  phase TEXT NOT NULL,
  batch_seq INTEGER NOT NULL,
  version INTEGER NOT NULL,
  failure_code TEXT,
  failure_detail TEXT,
  result TEXT,
  secrets BLOB,
  application BLOB,
  signature_hash TEXT,
  sei_state BLOB,
  sp_state BLOB,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  ended_at TEXT,
  agent_token_hash TEXT CONSTRAINT tsm_sessions_agent_token_hash_key UNIQUE,
  CONSTRAINT tsm_sessions_failure_check CHECK ((state IN ('failed', 'expired', 'aborted')) = (failure_code IS NOT NULL)),
  CONSTRAINT tsm_sessions_runner_check CHECK ((app_instance_id IS NULL) = (agent_token_hash IS NOT NULL))
);
CREATE INDEX tsm_sessions_se_id ON tsm_sessions (se_id, created_at);
CREATE UNIQUE INDEX one_live_tsm_session ON tsm_sessions (se_id, (state IN ${LIVE})) WHERE state IN ${LIVE};

CREATE TABLE tsm_batches (
  session_id TEXT NOT NULL CONSTRAINT tsm_batches_session_id_fkey REFERENCES tsm_sessions (id),
  seq INTEGER NOT NULL,
  steps TEXT NOT NULL,
  owners TEXT NOT NULL,
  created_at TEXT NOT NULL,
  responses TEXT,
  responses_hash TEXT,
  answered_at TEXT,
  outcome TEXT,
  CONSTRAINT tsm_batches_pkey PRIMARY KEY (session_id, seq)
);

CREATE TABLE tsm_trace (
  session_id TEXT NOT NULL CONSTRAINT tsm_trace_session_id_fkey REFERENCES tsm_sessions (id),
  batch_seq INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  party TEXT NOT NULL CONSTRAINT tsm_trace_party_check CHECK (party IN ('sei', 'sp')),
  label TEXT NOT NULL,
  command TEXT NOT NULL,
  wire_command TEXT NOT NULL,
  response TEXT,
  plain_response TEXT,
  outcome TEXT NOT NULL CONSTRAINT tsm_trace_outcome_check CHECK (outcome IN ('planned', 'ok', 'unexpected', 'not-sent')),
  CONSTRAINT tsm_trace_pkey PRIMARY KEY (session_id, batch_seq, idx)
);
`;

const sqlite = `
CREATE TABLE tsm_sessions_copy AS SELECT * FROM tsm_sessions;
CREATE TABLE tsm_batches_copy AS SELECT * FROM tsm_batches;
CREATE TABLE tsm_trace_copy AS SELECT * FROM tsm_trace;
DROP TABLE tsm_trace;
DROP TABLE tsm_batches;
DROP TABLE tsm_sessions;
${relayTables}
INSERT INTO tsm_sessions SELECT * FROM tsm_sessions_copy;
INSERT INTO tsm_batches SELECT * FROM tsm_batches_copy;
INSERT INTO tsm_trace SELECT * FROM tsm_trace_copy;
DROP TABLE tsm_trace_copy;
DROP TABLE tsm_batches_copy;
DROP TABLE tsm_sessions_copy;
`;

const postgres = `
ALTER TABLE tsm_sessions DROP CONSTRAINT tsm_sessions_state_check;
ALTER TABLE tsm_sessions ADD CONSTRAINT tsm_sessions_state_check CHECK (state IN ${STATES});
DROP INDEX one_live_tsm_session;
CREATE UNIQUE INDEX one_live_tsm_session ON tsm_sessions (se_id) WHERE state IN ${LIVE};
`;

export const migration008: Migration = { id: 8, name: 'replacement', sqlite, postgres };
