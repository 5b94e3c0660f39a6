import { certificateHash, checkNewSecrets, JPKI_APP_PACKAGE, parseAppData, type AppData, type AppStatus, type IssuanceResult, type RevocationResult } from '../app/index.js';
import { Reason } from '../services/jpki/actors.js';
import type { JpkiService } from '../services/jpki/service.js';
import { storeApp } from './app-store.js';
import type { CardShelf } from './card-shelf.js';
import { asApp } from './phone-problems.js';
import type { PhoneInHand, PhoneShelf } from './phone-shelf.js';
import type { ReceivedNotification, ResetRecord } from './phone-notes.js';

/** What the browser may know of a shelved phone: model, settings, fingers, the app's progress; never a secret. */
export interface ShelvedPhone {
  readonly id: string;
  readonly model: string;
  readonly deviceId: string;
  readonly online: boolean;
  readonly fingerprints: readonly { readonly id: number; readonly finger: string; readonly enrolledAt: string }[];
  readonly app: ShelvedApp | null;
  readonly pendingResetNotices: number;
  /** Factory resets the phone went through, and the last one done on the shelf (flow 10). */
  readonly factoryResets: number;
  readonly lastReset: ResetRecord | null;
  readonly lastPoll: PhoneInHand['lastPoll'];
}

export interface ShelvedApp {
  readonly packageName: string;
  readonly installedAt: string;
  readonly certificateSha256: string;
  readonly seId: string | null;
  readonly appInstanceId: string | null;
  readonly pushRegistered: boolean;
  /** Flow states as the app saved them (`preparation`: ready, `issuance`: issued, …). */
  readonly flows: AppData['flows'];
  readonly certificates: AppData['certificates'];
  readonly fingerprintUnlock: boolean;
  readonly lastPushSession: AppData['lastPushSession'];
}

export async function appData(p: PhoneInHand): Promise<AppData | undefined> {
  const installed = p.opened.phone.app(JPKI_APP_PACKAGE);
  if (!installed) return undefined;
  if (p.app) return p.app.data;
  try {
    const data = parseAppData(await p.opened.appStore.load());
    return data.installedAt === installed.installedAt ? data : undefined;
  } catch {
    return undefined;
  }
}

export async function describePhone(p: PhoneInHand): Promise<ShelvedPhone> {
  const phone = p.opened.phone;
  const installed = phone.app(JPKI_APP_PACKAGE);
  const data = await appData(p);
  return {
    id: p.id,
    model: phone.model,
    deviceId: phone.deviceId,
    online: phone.online,
    fingerprints: phone.biometrics.enrolments.map((e) => ({ id: e.id, finger: e.finger, enrolledAt: e.enrolledAt })),
    app:
      installed && data
        ? {
            packageName: installed.packageName,
            installedAt: installed.installedAt,
            certificateSha256: certificateHash(installed.signingCertificates[0]!),
            seId: data.seId,
            appInstanceId: data.appInstanceId,
            pushRegistered: data.pushToken !== null,
            flows: { ...data.flows },
            certificates: data.certificates,
            fingerprintUnlock: data.biometric !== null,
            lastPushSession: data.lastPushSession,
          }
        : null,
    pendingResetNotices: phone.pendingResetNotices.length,
    factoryResets: phone.factoryResetCount,
    lastReset: (await p.notes.load()).resets?.at(-1) ?? null,
    lastPoll: p.lastPoll,
  };
}

/** Installs an app of the store on the phone. */
export function installFromStore(shelf: PhoneShelf, id: string, packageName: string): Promise<ShelvedPhone> {
  storeApp(packageName);
  return shelf.use(id, (p) => asApp(async () => {
    await shelf.install(p);
    return describePhone(p);
  }));
}

/** The app's first launch: flow 2 (push registration, app instance at the SP-TSM, the prepare session). */
export function prepare(shelf: PhoneShelf, id: string): Promise<{ sessionId: string; batches: number; phone: ShelvedPhone }> {
  return shelf.use(id, (p) => asApp(async () => {
    const outcome = await (await shelf.app(p)).prepare();
    return { sessionId: outcome.session.sessionId, batches: outcome.batches, phone: await describePhone(p) };
  }));
}

export interface IssuanceRequest {
  readonly cardId: string;
  readonly cardPassword: string;
  readonly pin: string;
  readonly pinConfirm: string;
  readonly password: string;
  readonly passwordConfirm: string;
}

/**
 * Flow 3 with a card of the card shelf held to the phone: the card signs the application after its
 * password, the certificates are written, the user's PIN and password replace the temporary ones. The
 * new values are checked before the session starts (the page asks for them first: the server cannot ask
 * in the middle of a request), so a typo costs nothing. The phone is taken, then the card.
 */
export async function issueWithCard(shelf: PhoneShelf, cards: CardShelf, id: string, r: IssuanceRequest): Promise<IssuanceResult> {
  const secrets = { pin: r.pin, pinConfirm: r.pinConfirm, password: r.password, passwordConfirm: r.passwordConfirm };
  await asApp(async () => checkNewSecrets(secrets));
  await cards.describe(r.cardId);
  return shelf.use(id, (p) => asApp(async () => {
    const app = await shelf.app(p);
    const result = await cards.onReader(r.cardId, (card) => app.issue({ card, cardPassword: async () => r.cardPassword, newSecrets: async () => secrets }));
    await p.notes.addIssued(result.authSerial, result.signSerial, new Date());
    return result;
  }));
}

export type PhoneSignatureRequest =
  | { readonly key: 'auth'; readonly challenge: Uint8Array; readonly pin: string; readonly finger?: never }
  | { readonly key: 'auth'; readonly challenge: Uint8Array; readonly finger: string; readonly pin?: never }
  | { readonly key: 'sign'; readonly digestInfo: Uint8Array; readonly password: string };

/**
 * Flow 4 on the phone: the user-authentication key over a relying party's login challenge (the app
 * computes its DigestInfo) after the PIN or a fingerprint, or the signature key over a DigestInfo after
 * the password.
 */
export function signOnPhone(shelf: PhoneShelf, id: string, r: PhoneSignatureRequest): Promise<{ certificate: Uint8Array; signature: Uint8Array; via: 'pin' | 'fingerprint' | 'password' }> {
  return shelf.use(id, (p) => asApp(async () => {
    const app = await shelf.app(p);
    if (r.key === 'sign') return { ...(await app.signDigestInfo({ digestInfo: r.digestInfo, password: r.password })), via: 'password' as const };
    const out = r.finger !== undefined ? await app.login({ challenge: r.challenge, finger: r.finger }) : await app.login({ challenge: r.challenge, pin: r.pin! });
    return { certificate: out.certificate, signature: out.signature, via: out.via };
  }));
}

export function enrolFinger(shelf: PhoneShelf, id: string, finger: string): Promise<ShelvedPhone> {
  return shelf.use(id, async (p) => {
    await p.opened.phone.biometrics.enrol(finger);
    return describePhone(p);
  });
}

export function removeFinger(shelf: PhoneShelf, id: string, enrolment: number): Promise<ShelvedPhone> {
  return shelf.use(id, async (p) => {
    await p.opened.phone.biometrics.remove(enrolment);
    return describePhone(p);
  });
}

/** Flow 3.8: the PIN (checked on the applet) sealed under a fingerprint-bound keystore key; or turned off. */
export function fingerprintUnlock(shelf: PhoneShelf, id: string, on: { pin: string; finger: string } | undefined): Promise<ShelvedPhone> {
  return shelf.use(id, (p) => asApp(async () => {
    const app = await shelf.app(p);
    if (on) await app.enableBiometricUnlock(on);
    else await app.disableBiometricUnlock();
    return describePhone(p);
  }));
}

/** Flow 7: the phone's certificates revoked with its own PIN, the applet wiped. */
export function revokeFromPhone(shelf: PhoneShelf, id: string, pin: string): Promise<RevocationResult> {
  return shelf.use(id, (p) => asApp(async () => (await shelf.app(p)).revoke({ pin: () => Promise.resolve(pin) })));
}

export function setOnline(shelf: PhoneShelf, id: string, online: boolean): Promise<ShelvedPhone> {
  return shelf.use(id, async (p) => {
    await p.opened.phone.setOnline(online);
    return describePhone(p);
  });
}

export async function notifications(shelf: PhoneShelf, id: string): Promise<{ notifications: ReceivedNotification[]; lastPoll: PhoneInHand['lastPoll'] }> {
  const p = await shelf.peek(id);
  return { notifications: [...(await p.notes.load()).notifications].reverse(), lastPoll: p.lastPoll };
}

const REASONS: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(Reason).map(([name, value]) => [value, name]));

export interface PhoneCertificate {
  readonly serial: string;
  readonly use: 'auth' | 'sign';
  readonly issuedAt: string;
  /** On the phone now (the app's current certificates). */
  readonly current: boolean;
  readonly status: 'good' | 'held' | 'revoked' | 'unknown';
  readonly reason: string | null;
  readonly revokedAt: string | null;
  readonly notAfter: string | null;
}

/** What the app's status screen says (`JpkiApp.status()`): this phone's certificates by OCSP, and the warnings. */
export interface PhoneStatusView {
  readonly certificates: AppStatus['certificates'];
  readonly deletionNotConfirmed: boolean;
  /** The app's own sentences (English), in order: the page words them in the reader's language from the data. */
  readonly warnings: readonly string[];
}

function codeOf(err: unknown, fallback: string): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : fallback;
}

/**
 * Certificate management: every certificate the phone was issued, newest first, with the CA's state
 * (read from its database by the server, which holds the service); and what the app itself says
 * (`JpkiApp.status()`): its current certificates' status asked by OCSP, and (flow 6.4) the deletion
 * orders of the person's other phones as the SP-TSM shows them to this app with its credential, with
 * "deletion on the old phone is not confirmed" among the warnings.
 */
export async function phoneCertificates(
  service: JpkiService,
  shelf: PhoneShelf,
  id: string,
): Promise<{ certificates: PhoneCertificate[]; status: PhoneStatusView | null; statusCode: string | null; orders: { orders: AppStatus['orders']; deletionNotConfirmed: boolean } | null; ordersCode: string | null }> {
  return shelf.use(id, async (p) => {
    const data = await appData(p);
    const issued = [...(await p.notes.load()).issued].reverse();
    if (data?.certificates && !issued.some((i) => i.auth === data.certificates!.auth)) issued.unshift({ ...data.certificates, at: '' });
    const certificates: PhoneCertificate[] = [];
    for (const i of issued) {
      for (const use of ['auth', 'sign'] as const) {
        const serial = i[use];
        const current = data?.certificates?.[use] === serial;
        try {
          const s = await service.status(serial);
          certificates.push({ serial, use, issuedAt: i.at, current, status: s.status, reason: s.reason === null ? null : (REASONS[s.reason] ?? String(s.reason)), revokedAt: s.revokedAt, notAfter: s.notAfter });
        } catch {
          certificates.push({ serial, use, issuedAt: i.at, current, status: 'unknown', reason: null, revokedAt: null, notAfter: null });
        }
      }
    }
    if (data?.flows.preparation !== 'ready') return { certificates, status: null, statusCode: 'ERR_APP_NOT_PREPARED', orders: null, ordersCode: 'ERR_APP_NOT_PREPARED' };
    try {
      const s = await (await shelf.app(p)).status();
      return {
        certificates,
        status: { certificates: s.certificates, deletionNotConfirmed: s.deletionNotConfirmed, warnings: s.warnings },
        statusCode: null,
        orders: { orders: s.orders, deletionNotConfirmed: s.deletionNotConfirmed },
        ordersCode: null,
      };
    } catch (err) {
      const code = codeOf(err, 'ERR_APP_SERVER');
      return { certificates, status: null, statusCode: code, orders: null, ordersCode: code };
    }
  });
}
