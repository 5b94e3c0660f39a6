import type { Migration } from './migration.js';

/**
 * The SP-TSM's deletion orders (flows 6, 8, 9, 10; docs/services/tsm-orders.md) and the new relay
 * purposes. Notes:
 * - `sp_deletion_orders.outbox_id` is unique: the certification service's outbox event a deletion order
 *   comes from is consumed (marked done) in the transaction that creates the order, and a second
 *   consumer of the same event finds the order there (at-least-once consumption, one order).
 * - The push message that wakes the old app is recorded with its last known status; the order stays
 *   `pending` whatever the push says until the element confirms (a session ran the script): an expired
 *   or failed message is what the new app shows as "deletion not confirmed".
 * - `tsm_sessions.purpose` gains `sync`, `delete`, `revoke`, `reset-cleanup`. PostgreSQL replaces the
 *   check constraint; SQLite cannot alter one, so the three relay tables are rebuilt (children dropped
 *   first, so no foreign key is ever left dangling, then rebuilt with their rows).
 */

const PURPOSES = "('prepare', 'issue', 'sync', 'delete', 'revoke', 'reset-cleanup')";
const LIVE = "('active', 'awaiting-signature', 'certifying')";

const orders = `
CREATE TABLE sp_deletion_orders (
  id TEXT NOT NULL CONSTRAINT sp_deletion_orders_pkey PRIMARY KEY,
  kind TEXT NOT NULL CONSTRAINT sp_deletion_orders_kind_check CHECK (kind IN ('wipe-applet', 'delete-apsd')),
  se_id TEXT NOT NULL,
  person_id TEXT,
  serials TEXT NOT NULL,
  reason INTEGER,
  source TEXT NOT NULL,
  outbox_id BIGINT CONSTRAINT sp_deletion_orders_outbox_id_key UNIQUE,
  app_instance_id TEXT,
  state TEXT NOT NULL CONSTRAINT sp_deletion_orders_state_check CHECK (state IN ('pending', 'done', 'cancelled')),
  push_message_id TEXT,
  push_status TEXT NOT NULL CONSTRAINT sp_deletion_orders_push_status_check CHECK (push_status IN ('unsent', 'no-token', 'send-failed', 'pending', 'delivered', 'expired', 'failed', 'collapsed')),
  push_detail TEXT,
  session_id TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  done_at TEXT,
  CONSTRAINT sp_deletion_orders_done_check CHECK ((state = 'done') = (done_at IS NOT NULL))
);
CREATE INDEX sp_deletion_orders_se_id ON sp_deletion_orders (se_id, state);
CREATE INDEX sp_deletion_orders_person_id ON sp_deletion_orders (person_id, created_at);
`;

const relayTables = (d: { liveKey: string; blob: string }) => `
CREATE TABLE tsm_sessions (
  id TEXT NOT NULL CONSTRAINT tsm_sessions_pkey PRIMARY KEY,
  app_instance_id TEXT NOT NULL CONSTRAINT tsm_sessions_app_instance_id_fkey REFERENCES sp_app_instances (id),
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
  CONSTRAINT tsm_sessions_failure_check CHECK ((state IN ('failed', 'expired', 'aborted')) = (failure_code IS NOT NULL))
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

const sqlite = `${orders}
CREATE TABLE tsm_sessions_copy AS SELECT * FROM tsm_sessions;
CREATE TABLE tsm_batches_copy AS SELECT * FROM tsm_batches;
CREATE TABLE tsm_trace_copy AS SELECT * FROM tsm_trace;
DROP TABLE tsm_trace;
DROP TABLE tsm_batches;
DROP TABLE tsm_sessions;
${relayTables({ liveKey: `se_id, (state IN ${LIVE})`, blob: 'BLOB' })}
INSERT INTO tsm_sessions SELECT * FROM tsm_sessions_copy;
INSERT INTO tsm_batches SELECT * FROM tsm_batches_copy;
INSERT INTO tsm_trace SELECT * FROM tsm_trace_copy;
DROP TABLE tsm_trace_copy;
DROP TABLE tsm_batches_copy;
DROP TABLE tsm_sessions_copy;
`;

const postgres = `${orders}
ALTER TABLE tsm_sessions DROP CONSTRAINT tsm_sessions_purpose_check;
ALTER TABLE tsm_sessions ADD CONSTRAINT tsm_sessions_purpose_check CHECK (purpose IN ${PURPOSES});
`;

export const migration006: Migration = { id: 6, name: 'orders', sqlite, postgres };
