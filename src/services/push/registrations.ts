import { appendAudit, toDbTimestamp } from '../../store/index.js';
import type { PushContext } from './context.js';
import { PushError } from './errors.js';
import { APP_ID_PATTERN, newRegistrationId, newToken, secretHash } from './identifiers.js';
import { activeRegistration, activeRegistrations, insertRegistration, killRegistrations, touchDevice, type DeviceRow } from './repository.js';

/**
 * Registrations: one per app instance on a device (FCM's registration token). The token is returned
 * once, to the app, which hands it to its servers (the JPKI app gives it to the SP-TSM, flows.md
 * section 2); only its SHA-256 is kept. A token is bound to (device, app id): registering the same
 * app again (a reinstall, cleared app data) gives a new token and kills the old one (`re-registered`);
 * removing the app kills it (`app-removed`). A dead token stays known, so its senders are told it is
 * dead (`ERR_PUSH_UNREGISTERED`) rather than that it never existed.
 */

export interface Registration {
  readonly token: string;
  readonly appId: string;
  readonly createdAt: string;
  /** True when an earlier token of this app on this device died with this registration. */
  readonly replaced: boolean;
}

export interface Unregistration {
  readonly appId: string;
  /** Messages that were pending for the token and failed (reason `app-removed`). */
  readonly failedMessages: number;
}

export interface RegisteredApp {
  readonly appId: string;
  readonly createdAt: string;
}

export function checkAppId(appId: string): string {
  if (!APP_ID_PATTERN.test(appId)) throw new PushError('ERR_PUSH_REQUEST', 'an app id is 1-128 of A-Z a-z 0-9 . _ - (e.g. jp.go.jpki.mobile)');
  return appId;
}

export async function register(ctx: PushContext, device: DeviceRow, appId: string): Promise<Registration> {
  checkAppId(appId);
  const now = ctx.clock();
  const at = toDbTimestamp(now);
  const token = newToken(ctx.random);
  const id = newRegistrationId(ctx.random);
  const replaced = await ctx.db.transaction(async (tx) => {
    // The device may have been reset since the request was authenticated.
    if (!(await touchDevice(tx, device.id, at, null))) throw new PushError('ERR_PUSH_DEVICE_RESET', 'this device identity was reset: enrol again');
    const old = await activeRegistration(tx, device.id, appId);
    const failed = old ? await killRegistrations(tx, [old.id], 're-registered', at) : 0;
    await insertRegistration(tx, { id, tokenHash: secretHash(token), deviceId: device.id, appId, at });
    await appendAudit(tx, {
      at: now,
      actor: `device:${device.id}`,
      action: 'push-token-registered',
      subject: device.id,
      payload: { deviceId: device.id, appId, registration: id, replaced: old?.id ?? null, failedMessages: failed },
    });
    return old !== undefined;
  });
  return { token, appId, createdAt: at, replaced };
}

/** The app was removed from the device: its token dies and its pending messages fail (`app-removed`). */
export async function unregister(ctx: PushContext, device: DeviceRow, appId: string): Promise<Unregistration> {
  checkAppId(appId);
  const now = ctx.clock();
  const at = toDbTimestamp(now);
  return ctx.db.transaction(async (tx) => {
    if (!(await touchDevice(tx, device.id, at, null))) throw new PushError('ERR_PUSH_DEVICE_RESET', 'this device identity was reset: enrol again');
    const old = await activeRegistration(tx, device.id, appId);
    if (!old) throw new PushError('ERR_PUSH_NOT_REGISTERED', `no live registration of ${appId} on this device`);
    const failedMessages = await killRegistrations(tx, [old.id], 'app-removed', at);
    await appendAudit(tx, {
      at: now,
      actor: `device:${device.id}`,
      action: 'push-token-unregistered',
      subject: device.id,
      payload: { deviceId: device.id, appId, registration: old.id, failedMessages },
    });
    return { appId, failedMessages };
  });
}

export async function registeredApps(ctx: PushContext, device: DeviceRow): Promise<RegisteredApp[]> {
  return (await activeRegistrations(ctx.db, device.id)).map((r) => ({ appId: r.app_id, createdAt: r.created_at }));
}
