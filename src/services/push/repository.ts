import type { Queryable } from '../../store/index.js';

/** The push service's rows as the store returns them (schema: src/store/migrations/003-push.ts). */

/** Why a registration token died; a message still pending then fails with the same reason. */
export type DeadReason = 'app-removed' | 're-registered' | 'device-reset' | 'inactive';

export interface SenderRow {
  id: string;
  token_hash: string;
  created_at: string;
  disabled_at: string | null;
}

export interface DeviceRow {
  id: string;
  secret_hash: string;
  state: 'active' | 'reset';
  created_at: string;
  last_seen_at: string;
  connected_until: string | null;
  reset_at: string | null;
  replaced_by: string | null;
}

export interface RegistrationRow {
  id: string;
  token_hash: string;
  device_id: string;
  app_id: string;
  state: 'active' | 'dead';
  dead_reason: DeadReason | null;
  created_at: string;
  dead_at: string | null;
}

export async function insertSender(q: Queryable, s: { id: string; tokenHash: string; at: string }): Promise<void> {
  await q.execute('INSERT INTO push_senders (id, token_hash, created_at) VALUES ($1, $2, $3)', [s.id, s.tokenHash, s.at]);
}

export async function senderByTokenHash(q: Queryable, hash: string): Promise<SenderRow | undefined> {
  return (await q.query<SenderRow>('SELECT * FROM push_senders WHERE token_hash = $1', [hash]))[0];
}

export async function senderById(q: Queryable, id: string): Promise<SenderRow | undefined> {
  return (await q.query<SenderRow>('SELECT * FROM push_senders WHERE id = $1', [id]))[0];
}

export async function insertDevice(q: Queryable, d: { id: string; secretHash: string; at: string }): Promise<void> {
  await q.execute("INSERT INTO push_devices (id, secret_hash, state, created_at, last_seen_at) VALUES ($1, $2, 'active', $3, $3)", [d.id, d.secretHash, d.at]);
}

export async function deviceById(q: Queryable, id: string): Promise<DeviceRow | undefined> {
  return (await q.query<DeviceRow>('SELECT * FROM push_devices WHERE id = $1', [id]))[0];
}

export async function markDeviceReset(q: Queryable, id: string, at: string, replacedBy: string | null): Promise<boolean> {
  const r = await q.execute("UPDATE push_devices SET state = 'reset', reset_at = $2, replaced_by = $3, connected_until = NULL WHERE id = $1 AND state = 'active'", [id, at, replacedBy]);
  return r.changes === 1;
}

/** Records that the device was seen, and until when it counts as connected (null: not changed); false when it is no longer active. */
export async function touchDevice(q: Queryable, id: string, at: string, connectedUntil: string | null): Promise<boolean> {
  const r = await q.execute(
    "UPDATE push_devices SET last_seen_at = $2, connected_until = COALESCE($3, connected_until) WHERE id = $1 AND state = 'active'",
    [id, at, connectedUntil],
  );
  return r.changes === 1;
}

export async function insertRegistration(q: Queryable, r: { id: string; tokenHash: string; deviceId: string; appId: string; at: string }): Promise<void> {
  await q.execute(
    "INSERT INTO push_registrations (id, token_hash, device_id, app_id, state, created_at) VALUES ($1, $2, $3, $4, 'active', $5)",
    [r.id, r.tokenHash, r.deviceId, r.appId, r.at],
  );
}

export async function registrationByTokenHash(q: Queryable, hash: string): Promise<RegistrationRow | undefined> {
  return (await q.query<RegistrationRow>('SELECT * FROM push_registrations WHERE token_hash = $1', [hash]))[0];
}

export async function activeRegistration(q: Queryable, deviceId: string, appId: string): Promise<RegistrationRow | undefined> {
  return (await q.query<RegistrationRow>("SELECT * FROM push_registrations WHERE device_id = $1 AND app_id = $2 AND state = 'active'", [deviceId, appId]))[0];
}

export async function activeRegistrations(q: Queryable, deviceId: string): Promise<RegistrationRow[]> {
  return q.query<RegistrationRow>("SELECT * FROM push_registrations WHERE device_id = $1 AND state = 'active' ORDER BY app_id", [deviceId]);
}

/**
 * Kills registrations and fails every message still pending for them (one whose time to live had
 * run out expires instead), in the caller's transaction:
 * from then on a send to one of their tokens is `ERR_PUSH_UNREGISTERED`, and the senders of the failed
 * messages read `failed` with the reason. Returns how many messages failed.
 */
export async function killRegistrations(q: Queryable, ids: readonly string[], reason: DeadReason, at: string): Promise<number> {
  if (ids.length === 0) return 0;
  const list = ids.map((_, i) => `$${i + 3}`).join(', ');
  await q.execute(`UPDATE push_registrations SET state = 'dead', dead_reason = $1, dead_at = $2 WHERE state = 'active' AND id IN (${list})`, [reason, at, ...ids]);
  // A message whose time to live had already run out expired (at its expiry time); it did not fail.
  await q.execute(
    `UPDATE push_messages SET status = 'expired', final_at = expires_at, data = NULL WHERE status = 'pending' AND expires_at <= $1 AND registration_id IN (${ids.map((_, i) => `$${i + 2}`).join(', ')})`,
    [at, ...ids],
  );
  const failed = await q.execute(
    `UPDATE push_messages SET status = 'failed', failure_reason = $1, final_at = $2, data = NULL WHERE status = 'pending' AND registration_id IN (${list})`,
    [reason, at, ...ids],
  );
  return failed.changes;
}
