import { constantTimeEqual } from '../../bytes/index.js';
import { appendAudit, toDbTimestamp, type Queryable } from '../../store/index.js';
import { bearerToken } from '../http/bearer.js';
import type { PushContext } from './context.js';
import { PushError } from './errors.js';
import { DEVICE_ID_PATTERN, DEVICE_SECRET_PATTERN, newDeviceId, newDeviceSecret, secretHash } from './identifiers.js';
import { activeRegistrations, deviceById, insertDevice, killRegistrations, markDeviceReset, type DeviceRow } from './repository.js';

/**
 * Devices: the phone's push client (the OS part that keeps one connection for every app, as Google
 * Play services does for FCM). A device enrols once and gets an identity, a random id and a secret;
 * it presents the secret as `Authorization: Bearer` on every call, so only it can register its apps
 * and fetch their messages.
 */

export interface DeviceCredential {
  readonly deviceId: string;
  readonly deviceSecret: string;
}

/** What a reset (or a re-enrolment) did to the old identity. */
export interface ResetOutcome {
  readonly deviceId: string;
  /** Registration tokens that died (reason `device-reset`). */
  readonly deadTokens: number;
  /** Pending messages that failed with them. */
  readonly failedMessages: number;
}

const UNAUTHENTICATED = 'a device id in the path and its device secret as a bearer token are required';
/** Compared against when the device does not exist, so that an unknown id costs the same as a wrong secret. */
const NO_DEVICE = '0'.repeat(64);

/** The active device a request is from, or `ERR_PUSH_DEVICE_UNAUTHENTICATED` / `ERR_PUSH_DEVICE_RESET`. */
export async function authenticateDevice(q: Queryable, deviceId: string, authorization: string | undefined): Promise<DeviceRow> {
  const secret = bearerToken(authorization);
  if (!DEVICE_ID_PATTERN.test(deviceId) || secret === undefined || !DEVICE_SECRET_PATTERN.test(secret)) throw new PushError('ERR_PUSH_DEVICE_UNAUTHENTICATED', UNAUTHENTICATED);
  const row = await deviceById(q, deviceId);
  const same = constantTimeEqual(Buffer.from(secretHash(secret), 'hex'), Buffer.from(row?.secret_hash ?? NO_DEVICE, 'hex'));
  if (!row || !same) throw new PushError('ERR_PUSH_DEVICE_UNAUTHENTICATED', 'unknown device or wrong device secret');
  // Only the holder of the secret learns that the identity ended: it must enrol again.
  if (row.state === 'reset') throw new PushError('ERR_PUSH_DEVICE_RESET', 'this device identity was reset: enrol again');
  return row;
}

/** Ends a device identity in the caller's transaction: every token dies, every pending message fails. */
async function endDevice(tx: Queryable, device: DeviceRow, now: Date, replacedBy: string | null): Promise<ResetOutcome> {
  const at = toDbTimestamp(now);
  if (!(await markDeviceReset(tx, device.id, at, replacedBy))) throw new PushError('ERR_PUSH_DEVICE_RESET', 'this device identity was reset: enrol again');
  const registrations = await activeRegistrations(tx, device.id);
  const failedMessages = await killRegistrations(tx, registrations.map((r) => r.id), 'device-reset', at);
  await appendAudit(tx, {
    at: now,
    actor: `device:${device.id}`,
    action: 'push-device-reset',
    subject: device.id,
    payload: { deviceId: device.id, deadTokens: registrations.length, failedMessages, replacedBy },
  });
  return { deviceId: device.id, deadTokens: registrations.length, failedMessages };
}

/**
 * Enrols a new device. With `replaces` (an authenticated device), this is a re-enrolment: the old
 * identity ends as by a reset, in the same transaction, and the new one is returned.
 */
export async function enrolDevice(ctx: PushContext, replaces?: DeviceRow): Promise<DeviceCredential & { replaced?: ResetOutcome }> {
  const now = ctx.clock();
  const deviceId = newDeviceId(ctx.random);
  const deviceSecret = newDeviceSecret(ctx.random);
  const replaced = await ctx.db.transaction(async (tx) => {
    const outcome = replaces ? await endDevice(tx, replaces, now, deviceId) : undefined;
    await insertDevice(tx, { id: deviceId, secretHash: secretHash(deviceSecret), at: toDbTimestamp(now) });
    await appendAudit(tx, { at: now, actor: `device:${deviceId}`, action: 'push-device-enrolled', subject: deviceId, payload: { deviceId, replaces: replaces?.id ?? null } });
    return outcome;
  });
  if (replaces) ctx.release([replaces.id]);
  return { deviceId, deviceSecret, ...(replaced ? { replaced } : {}) };
}

/** The device says it was reset (or is about to be): its identity ends, with all its tokens. */
export async function resetDevice(ctx: PushContext, device: DeviceRow): Promise<ResetOutcome> {
  const outcome = await ctx.db.transaction((tx) => endDevice(tx, device, ctx.clock(), null));
  ctx.release([device.id]);
  return outcome;
}
