import { hasCode } from '../errors/index.js';
import { buildSignedData } from '../sdk/index.js';
import { sha256DigestInfo, type JpkiApClient } from '../transports/jpki-ap/index.js';
import { appletRefusal, withApplet } from './applet-channel.js';
import { AppError } from './errors.js';
import type { JpkiApp } from './jpki-app.js';
import { PIN_UNLOCK_KEY } from './jpki-app.js';
import type { TransitionTable } from './state-machine.js';
import { toUserError } from './user-errors.js';

/**
 * Flow 4, use (flows.md 4). Each login or signature is a short machine:
 *
 * ```
 * idle ─unlock→ unlocking ─unlocked→ signing ─signed→ done
 * unlocking|signing ─fail→ failed
 * ```
 * Unlocking is the PIN (login), a fingerprint that releases the PIN from the keystore (login), or the
 * signature password (signing).
 */
export type UseState = 'idle' | 'unlocking' | 'signing' | 'done' | 'failed';
export type UseEvent = 'unlock' | 'unlocked' | 'signed' | 'fail';

export const USE: TransitionTable<UseState, UseEvent> = {
  idle: { unlock: 'unlocking' },
  unlocking: { unlocked: 'signing', fail: 'failed' },
  signing: { signed: 'done', fail: 'failed' },
  done: {},
  failed: {},
};

/** How the user unlocks the user-authentication key: the PIN, or an enrolled finger. */
export type LoginInput = { readonly challenge: Uint8Array } & ({ readonly pin: string; readonly finger?: never } | { readonly finger: string; readonly pin?: never });

export interface LoginResult {
  /** The user-authentication certificate (DER). */
  readonly certificate: Uint8Array;
  /** RSASSA-PKCS1-v1_5 SHA-256 over the challenge bytes. */
  readonly signature: Uint8Array;
  readonly via: 'pin' | 'fingerprint';
}

export interface SignInput {
  readonly password: string;
}

async function unsealPin(app: JpkiApp, finger: string): Promise<string> {
  const sealed = app.data.biometric?.sealedPin;
  if (!sealed || !app.phone.keystore.aliases(app.packageName).includes(PIN_UNLOCK_KEY)) {
    throw new AppError('ERR_APP_BIOMETRIC_UNAVAILABLE', 'Fingerprint unlock is not set up: enter your PIN.');
  }
  try {
    const op = await app.phone.keystore.begin(app.packageName, PIN_UNLOCK_KEY, 'decrypt');
    const result = await app.phone.biometrics.authenticate(finger, { challenge: op.challenge });
    if (!result.ok) throw new AppError('ERR_APP_BIOMETRIC_FAILED', `Fingerprint not recognised; ${result.failuresLeft} more ${result.failuresLeft === 1 ? 'try' : 'tries'} before the sensor locks: try again or enter your PIN.`, { triesLeft: result.failuresLeft });
    return Buffer.from(await op.finish(new Uint8Array(Buffer.from(sealed, 'base64')))).toString('utf8');
  } catch (err) {
    if (hasCode(err, 'ERR_KEYSTORE_KEY_PERMANENTLY_INVALIDATED')) {
      // The fingerprints changed since the PIN was sealed: the key is dead for good; fall back to the PIN.
      await disableBiometricUnlock(app);
      throw new AppError('ERR_APP_BIOMETRIC_UNAVAILABLE', 'Your fingerprints changed, so fingerprint unlock was turned off: enter your PIN, then turn it on again.', { cause: err });
    }
    if (hasCode(err, 'ERR_BIOMETRIC_LOCKOUT')) throw new AppError('ERR_APP_BIOMETRIC_FAILED', 'Too many fingerprint attempts: enter your PIN, or wait 30 seconds.', { cause: err, triesLeft: 0 });
    throw err;
  }
}

export async function login(app: JpkiApp, input: LoginInput): Promise<LoginResult> {
  const m = app.machine<UseState, UseEvent>('use', USE, 'idle');
  await m.fire('unlock');
  try {
    const via = input.finger !== undefined ? 'fingerprint' : 'pin';
    const pin = input.finger !== undefined ? await unsealPin(app, input.finger) : input.pin!;
    return await withApplet(app.openSeService(), async (applet) => {
      try {
        await applet.verify('pin', pin);
      } catch (err) {
        throw toUserError(appletRefusal(err), { secret: 'pin', doing: 'checking the PIN' });
      }
      await m.fire('unlocked');
      try {
        const certificate = await applet.readCertificate('auth');
        const signature = await applet.sign('auth', sha256DigestInfo(input.challenge));
        await m.fire('signed');
        return { certificate, signature, via };
      } catch (err) {
        throw appletRefusal(err);
      }
    });
  } catch (err) {
    if (m.can('fail')) await m.fire('fail');
    throw toUserError(err, { secret: 'pin', doing: 'the login' });
  }
}

async function withPassword<T>(app: JpkiApp, password: string, work: (applet: JpkiApClient) => Promise<T>): Promise<T> {
  const m = app.machine<UseState, UseEvent>('use', USE, 'idle');
  await m.fire('unlock');
  try {
    return await withApplet(app.openSeService(), async (applet) => {
      try {
        await applet.verify('password', password);
      } catch (err) {
        throw toUserError(appletRefusal(err), { secret: 'password', doing: 'checking the signature password' });
      }
      await m.fire('unlocked');
      try {
        const out = await work(applet);
        await m.fire('signed');
        return out;
      } catch (err) {
        throw appletRefusal(err);
      }
    });
  } catch (err) {
    if (m.can('fail')) await m.fire('fail');
    throw toUserError(err, { secret: 'password', doing: 'the signature' });
  }
}

export function signDigestInfo(app: JpkiApp, input: SignInput & { digestInfo: Uint8Array }): Promise<{ signature: Uint8Array; certificate: Uint8Array }> {
  return withPassword(app, input.password, async (applet) => ({ certificate: await applet.readCertificate('sign'), signature: await applet.sign('sign', input.digestInfo) }));
}

export function signDocument(app: JpkiApp, input: SignInput & { content: Uint8Array; signingTime?: Date }): Promise<Uint8Array> {
  return withPassword(app, input.password, async (applet) =>
    buildSignedData({ content: input.content, certificate: await applet.readCertificate('sign'), signingTime: input.signingTime ?? new Date(), sign: (digestInfo) => applet.sign('sign', digestInfo) }),
  );
}

/** Seals the PIN (checked on the applet first) under a new biometric-bound key, with one fingerprint. */
export async function enableBiometricUnlock(app: JpkiApp, input: { pin: string; finger: string }): Promise<void> {
  if (!app.data.certificates) throw new AppError('ERR_APP_NOT_ISSUED', 'No certificate on this phone yet: issue your certificates with your card first.');
  await withApplet(app.openSeService(), async (applet) => {
    try {
      await applet.verify('pin', input.pin);
    } catch (err) {
      throw toUserError(appletRefusal(err), { secret: 'pin', doing: 'checking the PIN' });
    }
  });
  const keystore = app.phone.keystore;
  if (keystore.aliases(app.packageName).includes(PIN_UNLOCK_KEY)) await keystore.deleteKey(app.packageName, PIN_UNLOCK_KEY);
  try {
    await keystore.generateKey(app.packageName, { alias: PIN_UNLOCK_KEY, userAuthenticationRequired: true, invalidatedByBiometricEnrollment: true });
  } catch (err) {
    if (hasCode(err, 'ERR_KEYSTORE_NO_BIOMETRIC_ENROLLED')) throw new AppError('ERR_APP_BIOMETRIC_UNAVAILABLE', 'No fingerprint is enrolled on this phone: enrol one in the settings first.', { cause: err });
    throw err;
  }
  const op = await keystore.begin(app.packageName, PIN_UNLOCK_KEY, 'encrypt');
  const result = await app.phone.biometrics.authenticate(input.finger, { challenge: op.challenge });
  if (!result.ok) throw new AppError('ERR_APP_BIOMETRIC_FAILED', `Fingerprint not recognised; ${result.failuresLeft} more ${result.failuresLeft === 1 ? 'try' : 'tries'}: try again.`, { triesLeft: result.failuresLeft });
  const sealed = await op.finish(new Uint8Array(Buffer.from(input.pin, 'utf8')));
  await app.update({ biometric: { sealedPin: Buffer.from(sealed).toString('base64') } });
}

export async function disableBiometricUnlock(app: JpkiApp): Promise<void> {
  if (app.phone.keystore.aliases(app.packageName).includes(PIN_UNLOCK_KEY)) await app.phone.keystore.deleteKey(app.packageName, PIN_UNLOCK_KEY);
  await app.update({ biometric: null });
}
