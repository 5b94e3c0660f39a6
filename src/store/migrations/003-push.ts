import type { Migration } from './migration.js';

/**
 * The push service (src/services/push): senders, devices, registrations (one per app instance) and
 * messages. Same names on both dialects, as in 001. Notes:
 * - Secrets (sender tokens, device secrets, registration tokens) are stored only as SHA-256 hex.
 * - `push_messages.seq` is assigned under the database-wide write lock, so it runs in commit order: the
 *   long-poll of every process follows it as a feed of new messages (message-feed.ts).
 * - A message carries its payload (`data`) only while pending; a final state (delivered, expired,
 *   failed, collapsed) erases it and records `final_at`. The CHECKs hold those pairs together.
 * - On SQLite the unique partial index carries a constant expression column so that a violation names
 *   the index (see 001-jpki.ts); on PostgreSQL it is the plain index.
 */

const REASONS = "('app-removed', 're-registered', 'device-reset', 'inactive')";

function schema(d: { id: string; activeKey: string }): string {
  return `
CREATE TABLE push_senders (
  id TEXT NOT NULL CONSTRAINT push_senders_pkey PRIMARY KEY,
  token_hash TEXT NOT NULL CONSTRAINT push_senders_token_hash_key UNIQUE,
  created_at TEXT NOT NULL,
  disabled_at TEXT
);

CREATE TABLE push_devices (
  id TEXT NOT NULL CONSTRAINT push_devices_pkey PRIMARY KEY,
  secret_hash TEXT NOT NULL,
  state TEXT NOT NULL CONSTRAINT push_devices_state_check CHECK (state IN ('active', 'reset')),
  created_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  connected_until TEXT,
  reset_at TEXT,
  replaced_by TEXT,
  CONSTRAINT push_devices_reset_check CHECK ((state = 'reset') = (reset_at IS NOT NULL))
);
CREATE INDEX push_devices_last_seen ON push_devices (last_seen_at) WHERE state = 'active';

CREATE TABLE push_registrations (
  id TEXT NOT NULL CONSTRAINT push_registrations_pkey PRIMARY KEY,
  token_hash TEXT NOT NULL CONSTRAINT push_registrations_token_hash_key UNIQUE,
  device_id TEXT NOT NULL CONSTRAINT push_registrations_device_id_fkey REFERENCES push_devices (id),
  app_id TEXT NOT NULL,
  state TEXT NOT NULL CONSTRAINT push_registrations_state_check CHECK (state IN ('active', 'dead')),
  dead_reason TEXT CONSTRAINT push_registrations_dead_reason_check CHECK (dead_reason IN ${REASONS}),
  created_at TEXT NOT NULL,
  dead_at TEXT,
  CONSTRAINT push_registrations_dead_check CHECK ((state = 'dead') = (dead_reason IS NOT NULL) AND (state = 'dead') = (dead_at IS NOT NULL))
);
CREATE UNIQUE INDEX one_active_push_registration ON push_registrations (${d.activeKey}) WHERE state = 'active';
CREATE INDEX push_registrations_device ON push_registrations (device_id) WHERE state = 'active';

CREATE TABLE push_messages (
  ${d.id},
  id TEXT NOT NULL CONSTRAINT push_messages_id_key UNIQUE,
  sender_id TEXT NOT NULL CONSTRAINT push_messages_sender_id_fkey REFERENCES push_senders (id),
  registration_id TEXT NOT NULL CONSTRAINT push_messages_registration_id_fkey REFERENCES push_registrations (id),
  device_id TEXT NOT NULL CONSTRAINT push_messages_device_id_fkey REFERENCES push_devices (id),
  priority TEXT NOT NULL CONSTRAINT push_messages_priority_check CHECK (priority IN ('normal', 'high')),
  collapse_key TEXT,
  ttl_seconds INTEGER NOT NULL CONSTRAINT push_messages_ttl_seconds_check CHECK (ttl_seconds BETWEEN 0 AND 2419200),
  data TEXT,
  status TEXT NOT NULL CONSTRAINT push_messages_status_check CHECK (status IN ('pending', 'delivered', 'expired', 'failed', 'collapsed')),
  failure_reason TEXT CONSTRAINT push_messages_failure_reason_check CHECK (failure_reason IN ${REASONS}),
  replaced_by TEXT,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_attempt_at TEXT,
  final_at TEXT,
  CONSTRAINT push_messages_final_check CHECK ((status = 'pending') = (final_at IS NULL) AND (status = 'pending') = (data IS NOT NULL)),
  CONSTRAINT push_messages_failure_check CHECK ((status = 'failed') = (failure_reason IS NOT NULL)),
  CONSTRAINT push_messages_replaced_check CHECK ((status = 'collapsed') = (replaced_by IS NOT NULL))
);
CREATE INDEX push_messages_deliverable ON push_messages (device_id, seq) WHERE status = 'pending';
CREATE INDEX push_messages_pending_registration ON push_messages (registration_id, collapse_key) WHERE status = 'pending';
CREATE INDEX push_messages_pending_expiry ON push_messages (expires_at) WHERE status = 'pending';
CREATE INDEX push_messages_finished ON push_messages (final_at) WHERE status <> 'pending';
`;
}

const sqlite = schema({ id: 'seq INTEGER CONSTRAINT push_messages_pkey PRIMARY KEY AUTOINCREMENT', activeKey: "device_id, app_id, (state = 'active')" });
const postgres = schema({ id: 'seq BIGINT GENERATED ALWAYS AS IDENTITY CONSTRAINT push_messages_pkey PRIMARY KEY', activeKey: 'device_id, app_id' });

export const migration003: Migration = { id: 3, name: 'push', sqlite, postgres };
