import { APPEND_ONLY, CHAIN, GENESIS_SQL } from './001-jpki.shared.js';

/** Migration 1 for SQLite (see 001-jpki.ts). */
export const sqlite = `
CREATE TABLE ca_generations (
  hierarchy TEXT NOT NULL CONSTRAINT ca_generations_hierarchy_check CHECK (hierarchy IN ('sign', 'auth')),
  generation INTEGER NOT NULL,
  certificate BLOB NOT NULL,
  private_key BLOB NOT NULL,
  responder_certificate BLOB NOT NULL,
  responder_key BLOB NOT NULL,
  state TEXT NOT NULL CONSTRAINT ca_generations_state_check CHECK (state IN ('active', 'retired')),
  crl_number INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  CONSTRAINT ca_generations_pkey PRIMARY KEY (hierarchy, generation)
);
CREATE UNIQUE INDEX one_active_ca_generation ON ca_generations (hierarchy) WHERE state = 'active';

CREATE TABLE persons (
  id TEXT NOT NULL CONSTRAINT persons_pkey PRIMARY KEY,
  name TEXT NOT NULL,
  address TEXT NOT NULL,
  birth_date TEXT NOT NULL,
  sex INTEGER NOT NULL CONSTRAINT persons_sex_check CHECK (sex IN (1, 2, 3)),
  name_substitute_map TEXT,
  address_substitute_map TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE cards (
  id TEXT NOT NULL CONSTRAINT cards_pkey PRIMARY KEY,
  person_id TEXT NOT NULL CONSTRAINT cards_person_id_fkey REFERENCES persons (id),
  expires_at TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX cards_person_id ON cards (person_id);

CREATE TABLE certificates (
  serial TEXT NOT NULL CONSTRAINT certificates_pkey PRIMARY KEY
    CONSTRAINT certificates_serial_check CHECK (length(serial) > 0 AND serial NOT GLOB '*[^0-9A-F]*'),
  hierarchy TEXT NOT NULL CONSTRAINT certificates_hierarchy_check CHECK (hierarchy IN ('sign', 'auth')),
  generation INTEGER NOT NULL,
  device TEXT NOT NULL CONSTRAINT certificates_device_check CHECK (device IN ('card', 'phone')),
  person_id TEXT NOT NULL CONSTRAINT certificates_person_id_fkey REFERENCES persons (id),
  card_id TEXT CONSTRAINT certificates_card_id_fkey REFERENCES cards (id),
  se_id TEXT,
  linked_serial TEXT CONSTRAINT certificates_linked_serial_fkey REFERENCES certificates (serial),
  status TEXT NOT NULL CONSTRAINT certificates_status_check CHECK (status IN ('good', 'held', 'revoked')),
  reason INTEGER,
  revoked_at TEXT,
  not_before TEXT NOT NULL,
  not_after TEXT NOT NULL,
  subject TEXT NOT NULL,
  der BLOB NOT NULL,
  issued_at TEXT NOT NULL,
  CONSTRAINT certificates_generation_fkey FOREIGN KEY (hierarchy, generation) REFERENCES ca_generations (hierarchy, generation),
  CONSTRAINT certificates_reason_check CHECK ((status = 'good') = (reason IS NULL)),
  CONSTRAINT certificates_linked_serial_check CHECK (device = 'card' OR linked_serial IS NOT NULL)
);
CREATE UNIQUE INDEX one_active_phone_certificate ON certificates (person_id, hierarchy, (device = 'phone'))
  WHERE device = 'phone' AND status <> 'revoked';
CREATE UNIQUE INDEX one_active_card_certificate ON certificates (person_id, hierarchy, (device = 'card'))
  WHERE device = 'card' AND status <> 'revoked';
CREATE INDEX certificates_crl ON certificates (hierarchy, generation, status);
CREATE INDEX certificates_linked_serial ON certificates (linked_serial);
CREATE INDEX certificates_person_id ON certificates (person_id);

CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  person_id TEXT NOT NULL,
  se_id TEXT,
  serials TEXT NOT NULL,
  reason INTEGER,
  created_at TEXT NOT NULL,
  claimed_at TEXT,
  done_at TEXT
);
CREATE INDEX outbox_pending ON outbox (id) WHERE done_at IS NULL;

CREATE TABLE used_nonces (
  nonce TEXT NOT NULL CONSTRAINT used_nonces_pkey PRIMARY KEY,
  purpose TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE operators (
  id TEXT NOT NULL CONSTRAINT operators_pkey PRIMARY KEY,
  role TEXT NOT NULL CONSTRAINT operators_role_check CHECK (role IN ('office', 'call-centre', 'admin', 'sp-tsm')),
  token_hash TEXT NOT NULL CONSTRAINT operators_token_hash_key UNIQUE,
  created_at TEXT NOT NULL,
  disabled_at TEXT
);

CREATE TABLE audit_head (
  id INTEGER NOT NULL PRIMARY KEY CONSTRAINT audit_head_id_check CHECK (id = 1),
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, ${GENESIS_SQL});

CREATE TABLE audit_log (
  seq INTEGER NOT NULL PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  payload TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, '${APPEND_ONLY}: audit_log rows cannot be updated'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, '${APPEND_ONLY}: audit_log rows cannot be deleted'); END;
CREATE TRIGGER audit_log_extends_head BEFORE INSERT ON audit_log
WHEN NOT EXISTS (SELECT 1 FROM audit_head WHERE id = 1 AND seq + 1 = NEW.seq AND hash = NEW.prev_hash)
BEGIN SELECT RAISE(ABORT, '${CHAIN}: an audit entry must follow the head'); END;
CREATE TRIGGER audit_head_follows_log BEFORE UPDATE ON audit_head
WHEN NEW.id <> OLD.id OR NEW.seq <> OLD.seq + 1
  OR NOT EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq AND hash = NEW.hash)
BEGIN SELECT RAISE(ABORT, '${CHAIN}: the audit head may only move onto the next entry'); END;
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN SELECT RAISE(ABORT, '${APPEND_ONLY}: the audit head cannot be deleted'); END;
`;
