import type { Migration } from './migration.js';

/**
 * The relying parties (src/relying-parties, docs/relying-parties.md): the portal's login challenges,
 * sessions, drafts and applications; the bank's openings and accounts; the kiosk's signing keys and
 * the certificates of residence it issued. Same names on both dialects, as in 001. Notes:
 * - Session tokens are stored only as their SHA-256 hex (`token_hash`), as operator tokens are.
 * - A challenge, draft or opening is used once: `consumed_at` / `used_at` is set by a conditional
 *   UPDATE (`... WHERE used_at IS NULL`) under the write lock, so of two concurrent uses one wins.
 * - Documents are kept byte for byte as signed (`content`), with the CMS SignedData that signs them.
 * - The operators' role list gains `relying-party` (read-only access to status and person records for
 *   the portal and the kiosk). SQLite cannot change a CHECK constraint in place: the table is rebuilt
 *   under the same name and constraint names (no foreign key points at it).
 */

const ROLES = "('office', 'call-centre', 'admin', 'sp-tsm', 'relying-party')";

function schema(blob: string): string {
  return `
CREATE TABLE rp_login_challenges (
  id TEXT NOT NULL CONSTRAINT rp_login_challenges_pkey PRIMARY KEY,
  party TEXT NOT NULL,
  nonce TEXT NOT NULL CONSTRAINT rp_login_challenges_nonce_key UNIQUE,
  challenge TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  consumed_at TEXT
);
CREATE INDEX rp_login_challenges_expiry ON rp_login_challenges (expires_at);

CREATE TABLE portal_sessions (
  id TEXT NOT NULL CONSTRAINT portal_sessions_pkey PRIMARY KEY,
  token_hash TEXT NOT NULL CONSTRAINT portal_sessions_token_hash_key UNIQUE,
  account TEXT NOT NULL,
  person_id TEXT,
  holder TEXT NOT NULL CONSTRAINT portal_sessions_holder_check CHECK (holder IN ('card', 'phone')),
  certificate_serial TEXT NOT NULL,
  certificate_issuer TEXT NOT NULL,
  certificate ${blob} NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  ended_at TEXT
);
CREATE INDEX portal_sessions_expiry ON portal_sessions (expires_at);

CREATE TABLE portal_drafts (
  id TEXT NOT NULL CONSTRAINT portal_drafts_pkey PRIMARY KEY,
  session_id TEXT NOT NULL CONSTRAINT portal_drafts_session_id_fkey REFERENCES portal_sessions (id),
  account TEXT NOT NULL,
  form_id TEXT NOT NULL,
  content ${blob} NOT NULL,
  signing_time TEXT NOT NULL,
  digest_info ${blob} NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT
);

CREATE TABLE portal_applications (
  id TEXT NOT NULL CONSTRAINT portal_applications_pkey PRIMARY KEY,
  draft_id TEXT NOT NULL CONSTRAINT portal_applications_draft_id_key UNIQUE
    CONSTRAINT portal_applications_draft_id_fkey REFERENCES portal_drafts (id),
  account TEXT NOT NULL,
  person_id TEXT,
  form_id TEXT NOT NULL,
  content ${blob} NOT NULL,
  cms ${blob} NOT NULL,
  signer_kind TEXT NOT NULL CONSTRAINT portal_applications_signer_kind_check CHECK (signer_kind IN ('card-sign', 'phone-sign')),
  signer_serial TEXT NOT NULL,
  signer_issuer TEXT NOT NULL,
  applicant_name TEXT NOT NULL,
  applicant_address TEXT NOT NULL,
  applicant_birth_date TEXT NOT NULL,
  applicant_sex INTEGER NOT NULL,
  signing_time TEXT,
  received_at TEXT NOT NULL
);
CREATE INDEX portal_applications_account ON portal_applications (account, received_at);

CREATE TABLE bank_openings (
  id TEXT NOT NULL CONSTRAINT bank_openings_pkey PRIMARY KEY,
  content ${blob} NOT NULL,
  signing_time TEXT NOT NULL,
  digest_info ${blob} NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT
);

CREATE TABLE bank_accounts (
  id TEXT NOT NULL CONSTRAINT bank_accounts_pkey PRIMARY KEY,
  branch_code TEXT NOT NULL,
  account_number TEXT NOT NULL,
  opening_id TEXT NOT NULL CONSTRAINT bank_accounts_opening_id_key UNIQUE
    CONSTRAINT bank_accounts_opening_id_fkey REFERENCES bank_openings (id),
  holder_name TEXT NOT NULL,
  holder_address TEXT NOT NULL,
  holder_birth_date TEXT NOT NULL,
  holder_sex INTEGER NOT NULL,
  name_substitute_map TEXT,
  address_substitute_map TEXT,
  signer_kind TEXT NOT NULL CONSTRAINT bank_accounts_signer_kind_check CHECK (signer_kind IN ('card-sign', 'phone-sign')),
  signer_serial TEXT NOT NULL,
  signer_issuer TEXT NOT NULL,
  cms ${blob} NOT NULL,
  opened_at TEXT NOT NULL,
  CONSTRAINT bank_accounts_number_key UNIQUE (branch_code, account_number)
);

CREATE TABLE kiosk_keys (
  kid TEXT NOT NULL CONSTRAINT kiosk_keys_pkey PRIMARY KEY,
  kiosk_id TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE kiosk_issuances (
  id TEXT NOT NULL CONSTRAINT kiosk_issuances_pkey PRIMARY KEY,
  kiosk_id TEXT NOT NULL,
  kid TEXT NOT NULL CONSTRAINT kiosk_issuances_kid_fkey REFERENCES kiosk_keys (kid),
  holder TEXT NOT NULL CONSTRAINT kiosk_issuances_holder_check CHECK (holder IN ('card', 'phone')),
  certificate_serial TEXT NOT NULL,
  person_id TEXT NOT NULL,
  document TEXT NOT NULL,
  issued_at TEXT NOT NULL
);
`;
}

const sqlite = `${schema('BLOB')}
CREATE TABLE operators_rebuilt (
  id TEXT NOT NULL CONSTRAINT operators_pkey PRIMARY KEY,
  role TEXT NOT NULL CONSTRAINT operators_role_check CHECK (role IN ${ROLES}),
  token_hash TEXT NOT NULL CONSTRAINT operators_token_hash_key UNIQUE,
  created_at TEXT NOT NULL,
  disabled_at TEXT
);
INSERT INTO operators_rebuilt (id, role, token_hash, created_at, disabled_at) SELECT id, role, token_hash, created_at, disabled_at FROM operators;
DROP TABLE operators;
ALTER TABLE operators_rebuilt RENAME TO operators;
`;

const postgres = `${schema('BYTEA')}
ALTER TABLE operators DROP CONSTRAINT operators_role_check;
ALTER TABLE operators ADD CONSTRAINT operators_role_check CHECK (role IN ${ROLES});
`;

export const migration005: Migration = { id: 5, name: 'rp', sqlite, postgres };
