import type { Migration } from './migration.js';

/**
 * PIN/password re-initialisation with the card (flow 5) and the phone's factory-reset notice (flow 10;
 * docs/services/tsm-orders.md "Factory reset"). Notes:
 * - `tsm_sessions.purpose` gains `reset-pin`.
 * - A session is run either by an app instance (`app_instance_id`, its credential) or by the phone's OS
 *   SE agent after a reset notice (`agent_token_hash`: the SHA-256 of a credential good for that one
 *   session); exactly one of the two is set.
 * - `sei_reset_notices`: the notices the SEI-TSM accepted, one row per notice id (a repeated delivery
 *   finds its row and gets the same answer), with what the notice did.
 * - PostgreSQL alters the table in place; SQLite cannot alter a check constraint or a NOT NULL, so the
 *   three relay tables are rebuilt as in 006 (children dropped first, rebuilt with their rows).
 */

const PURPOSES = "('prepare', 'issue', 'sync', 'delete', 'revoke', 'reset-cleanup', 'reset-pin')";
const LIVE = "('active', 'awaiting-signature', 'certifying')";

const notices = `
CREATE TABLE sei_reset_notices (
  notice_id TEXT NOT NULL CONSTRAINT sei_reset_notices_pkey PRIMARY KEY CONSTRAINT sei_reset_notices_notice_id_check CHECK (length(notice_id) = 32),
  se_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  reset_at TEXT NOT NULL,
  outcome TEXT NOT NULL CONSTRAINT sei_reset_notices_outcome_check CHECK (outcome IN ('reset', 'stale')),
  revoked TEXT NOT NULL,
  order_id TEXT,
  deliveries INTEGER NOT NULL,
  received_at TEXT NOT NULL,
  last_delivery_at TEXT NOT NULL
);
CREATE INDEX sei_reset_notices_se_id ON sei_reset_notices (se_id, received_at);
`;

const relayTables = (d: { liveKey: string; blob: string }) => `
CREATE TABLE tsm_sessions (
  id TEXT NOT NULL CONSTRAINT tsm_sessions_pkey PRIMARY KEY,
  app_instance_id TEXT CONSTRAINT tsm_sessions_app_instance_id_fkey REFERENCES sp_app_instances (id),
  se_id TEXT NOT NULL,
  purpose TEXT NOT NULL CONSTRAINT tsm_sessions_purpose_check CHECK (purpose IN ${PURPOSES}),
  state TEXT NOT NULL CONSTRAINT tsm_sessions_state_check CHECK (state IN ('active', 'awaiting-signature', 'certifying', 'completed', 'failed', 'expired', 'aborted')),
  phase TEXT NOT NULL,
  batch_seq INTEGER NOT NULL,
  version INTEGER NOT NULL,
  failure_code TEXT,
  failure_detail TEXT,
  result TEXT,
  secrets ${d.blob},
  application ${d.blob},
  signature_hash TEXT,
  sei_state ${d.blob},
  sp_state ${d.blob},
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  ended_at TEXT,
  agent_token_hash TEXT CONSTRAINT tsm_sessions_agent_token_hash_key UNIQUE,
  CONSTRAINT tsm_sessions_failure_check CHECK ((state IN ('failed', 'expired', 'aborted')) = (failure_code IS NOT NULL)),
  CONSTRAINT tsm_sessions_runner_check CHECK ((app_instance_id IS NULL) = (agent_token_hash IS NOT NULL))
);
CREATE INDEX tsm_sessions_se_id ON tsm_sessions (se_id, created_at);
CREATE UNIQUE INDEX one_live_tsm_session ON tsm_sessions (${d.liveKey}) WHERE state IN ${LIVE};

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

const sqlite = `${notices}
CREATE TABLE tsm_sessions_copy AS SELECT * FROM tsm_sessions;
CREATE TABLE tsm_batches_copy AS SELECT * FROM tsm_batches;
CREATE TABLE tsm_trace_copy AS SELECT * FROM tsm_trace;
DROP TABLE tsm_trace;
DROP TABLE tsm_batches;
DROP TABLE tsm_sessions;
${relayTables({ liveKey: `se_id, (state IN ${LIVE})`, blob: 'BLOB' })}
INSERT INTO tsm_sessions SELECT *, NULL FROM tsm_sessions_copy;
INSERT INTO tsm_batches SELECT * FROM tsm_batches_copy;
INSERT INTO tsm_trace SELECT * FROM tsm_trace_copy;
DROP TABLE tsm_trace_copy;
DROP TABLE tsm_batches_copy;
DROP TABLE tsm_sessions_copy;
`;

const postgres = `${notices}
ALTER TABLE tsm_sessions DROP CONSTRAINT tsm_sessions_purpose_check;
ALTER TABLE tsm_sessions ADD CONSTRAINT tsm_sessions_purpose_check CHECK (purpose IN ${PURPOSES});
ALTER TABLE tsm_sessions ALTER COLUMN app_instance_id DROP NOT NULL;
ALTER TABLE tsm_sessions ADD COLUMN agent_token_hash TEXT CONSTRAINT tsm_sessions_agent_token_hash_key UNIQUE;
ALTER TABLE tsm_sessions ADD CONSTRAINT tsm_sessions_runner_check CHECK ((app_instance_id IS NULL) = (agent_token_hash IS NOT NULL));
`;

export const migration007: Migration = { id: 7, name: 'reset', sqlite, postgres };
