import type { Migration } from './migration.js';

/**
 * The trusted service managers (src/services/tsm): the SEI-TSM's registry of secure elements, the
 * SP-TSM's app instances, APSD keys and orders, and the relay's sessions, batches and APDU trace. Same
 * names on both dialects, as in 001. Notes:
 * - The SEI's tables start `sei_`, the SP's `sp_`, the relay's `tsm_`: two components with their own
 *   keys; neither reads the other's tables (docs/services/tsm.md, trust boundaries).
 * - Key material is stored only sealed (AES-256-GCM under the owning component's key, bound to its
 *   row): `sei_elements.isd_keys`, `sp_apsd_keys.keys`, and the per-session state of each TSM
 *   (`tsm_sessions.sei_state`, `sp_state`, `secrets`). A credential is stored as its SHA-256.
 * - `tsm_trace` holds what an inspector may see: commands with every secret redacted.
 * - One live session per element: a unique partial index (with the constant-expression column on
 *   SQLite, see 001-jpki.ts, so a violation names the index).
 */

const LIVE = "('active', 'awaiting-signature', 'certifying')";

function schema(d: { liveKey: string; blob: string }): string {
  return `
CREATE TABLE sei_elements (
  se_id TEXT NOT NULL CONSTRAINT sei_elements_pkey PRIMARY KEY,
  cplc TEXT NOT NULL CONSTRAINT sei_elements_cplc_check CHECK (length(cplc) = 84),
  model TEXT NOT NULL,
  profile TEXT NOT NULL CONSTRAINT sei_elements_profile_check CHECK (profile IN ('development', 'production')),
  key_mode TEXT NOT NULL CONSTRAINT sei_elements_key_mode_check CHECK (key_mode IN ('development', 'issuer', 'transport', 'derived')),
  isd_kvn INTEGER NOT NULL CONSTRAINT sei_elements_isd_kvn_check CHECK (isd_kvn BETWEEN 1 AND 127),
  isd_keys ${d.blob},
  derived_kvn INTEGER CONSTRAINT sei_elements_derived_kvn_check CHECK (derived_kvn BETWEEN 1 AND 127),
  state TEXT NOT NULL CONSTRAINT sei_elements_state_check CHECK (state IN ('registered', 'prepared', 'reset')),
  apsd_aid TEXT,
  app_certificate_hash TEXT,
  registered_by TEXT NOT NULL,
  registered_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  CONSTRAINT sei_elements_keys_check CHECK ((key_mode IN ('issuer', 'transport')) = (isd_keys IS NOT NULL)),
  CONSTRAINT sei_elements_derived_check CHECK ((key_mode IN ('transport', 'derived')) = (derived_kvn IS NOT NULL))
);

CREATE TABLE sp_app_certificates (
  sha256 TEXT NOT NULL CONSTRAINT sp_app_certificates_pkey PRIMARY KEY CONSTRAINT sp_app_certificates_sha256_check CHECK (length(sha256) = 64),
  label TEXT NOT NULL,
  added_at TEXT NOT NULL,
  disabled_at TEXT
);

CREATE TABLE sp_app_instances (
  id TEXT NOT NULL CONSTRAINT sp_app_instances_pkey PRIMARY KEY,
  credential_hash TEXT NOT NULL CONSTRAINT sp_app_instances_credential_hash_key UNIQUE,
  se_id TEXT NOT NULL,
  app_certificate_hash TEXT NOT NULL CONSTRAINT sp_app_instances_app_certificate_hash_fkey REFERENCES sp_app_certificates (sha256),
  push_token TEXT,
  created_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  disabled_at TEXT
);
CREATE INDEX sp_app_instances_se_id ON sp_app_instances (se_id);

CREATE TABLE sp_elements (
  se_id TEXT NOT NULL CONSTRAINT sp_elements_pkey PRIMARY KEY,
  apsd_aid TEXT NOT NULL,
  state TEXT NOT NULL CONSTRAINT sp_elements_state_check CHECK (state IN ('keys-received', 'ready', 'personalized')),
  updated_at TEXT NOT NULL
);

CREATE TABLE sp_apsd_keys (
  se_id TEXT NOT NULL CONSTRAINT sp_apsd_keys_se_id_fkey REFERENCES sp_elements (se_id),
  kvn INTEGER NOT NULL CONSTRAINT sp_apsd_keys_kvn_check CHECK (kvn BETWEEN 1 AND 127),
  state TEXT NOT NULL CONSTRAINT sp_apsd_keys_state_check CHECK (state IN ('initial', 'pending', 'active')),
  keys ${d.blob} NOT NULL,
  created_at TEXT NOT NULL,
  CONSTRAINT sp_apsd_keys_pkey PRIMARY KEY (se_id, kvn)
);

CREATE TABLE sp_orders (
  id TEXT NOT NULL CONSTRAINT sp_orders_pkey PRIMARY KEY,
  kind TEXT NOT NULL CONSTRAINT sp_orders_kind_check CHECK (kind IN ('issuance')),
  session_id TEXT NOT NULL,
  se_id TEXT NOT NULL,
  app_instance_id TEXT NOT NULL,
  state TEXT NOT NULL CONSTRAINT sp_orders_state_check CHECK (state IN ('generating', 'awaiting-signature', 'certified', 'completed', 'failed')),
  nonce TEXT,
  application ${d.blob},
  person_id TEXT,
  card_serial TEXT,
  sign_serial TEXT,
  auth_serial TEXT,
  superseded TEXT,
  failure TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX sp_orders_se_id ON sp_orders (se_id, created_at);
CREATE INDEX sp_orders_session_id ON sp_orders (session_id);

CREATE TABLE tsm_sessions (
  id TEXT NOT NULL CONSTRAINT tsm_sessions_pkey PRIMARY KEY,
  app_instance_id TEXT NOT NULL CONSTRAINT tsm_sessions_app_instance_id_fkey REFERENCES sp_app_instances (id),
  se_id TEXT NOT NULL,
  purpose TEXT NOT NULL CONSTRAINT tsm_sessions_purpose_check CHECK (purpose IN ('prepare', 'issue')),
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
}

const sqlite = schema({ liveKey: `se_id, (state IN ${LIVE})`, blob: 'BLOB' });
const postgres = schema({ liveKey: 'se_id', blob: 'BYTEA' });

export const migration004: Migration = { id: 4, name: 'tsm', sqlite, postgres };
