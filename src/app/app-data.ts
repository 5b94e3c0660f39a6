import { AppError } from './errors.js';

/** The flows whose state the app keeps between runs. */
export type FlowName = 'preparation' | 'issuance' | 'secret-change' | 'secret-reset' | 'use' | 'revocation';

/**
 * The app's private data (Android's app-private storage), one JSON document saved whole after each
 * change. It holds no secret in clear: the SP-TSM credential and the biometric-unlock PIN are
 * AES-256-GCM ciphertexts under the app's keystore keys (IV || ciphertext || tag, base64), which only
 * this phone's keystore opens, for this app. `installedAt` ties the document to one installation: after
 * an uninstall or a factory reset the package is new and the old document is discarded.
 */
export interface AppData {
  readonly format: 'jpki-mobile/app@1';
  readonly packageName: string;
  readonly installedAt: string;
  /** The system's base URL (SP-TSM relay, push, CA). */
  readonly serverUrl: string;
  readonly pushToken: string | null;
  readonly appInstanceId: string | null;
  readonly seId: string | null;
  /** The SP-TSM credential, sealed under the keystore key `relay-credential`. */
  readonly sealedCredential: string | null;
  readonly flows: Partial<Record<FlowName, string>>;
  /** Serials of the phone certificates issued to this installation. */
  readonly certificates: { readonly auth: string; readonly sign: string } | null;
  /**
   * The same two certificates (DER, base64), read from the applet when they were written, so that the
   * app can show their status (OCSP) without the PIN or password. Public data. Absent in data saved
   * before this member existed.
   */
  readonly certificateDer?: { readonly auth: string; readonly sign: string } | null;
  /** Fingerprint unlock: the PIN sealed under the biometric-bound key `pin-unlock`. */
  readonly biometric: { readonly sealedPin: string } | null;
  /** The last push-triggered session (purpose, id, outcome) for display. */
  readonly lastPushSession: { readonly purpose: string; readonly sessionId: string; readonly state: string; readonly at: string } | null;
}

export function newAppData(packageName: string, installedAt: string, serverUrl: string): AppData {
  return {
    format: 'jpki-mobile/app@1',
    packageName,
    installedAt,
    serverUrl,
    pushToken: null,
    appInstanceId: null,
    seId: null,
    sealedCredential: null,
    flows: {},
    certificates: null,
    biometric: null,
    lastPushSession: null,
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strOrNull = (v: unknown) => v === null || (typeof v === 'string' && v.length <= 4096);

/** Checks a loaded document field by field (`ERR_APP_DATA_INVALID`). */
export function parseAppData(value: unknown): AppData {
  const bad = (what: string) => new AppError('ERR_APP_DATA_INVALID', `the app's data is damaged (${what}): reinstall the app`);
  if (!isObject(value) || value.format !== 'jpki-mobile/app@1') throw bad('format');
  for (const k of ['packageName', 'installedAt', 'serverUrl'] as const) if (typeof value[k] !== 'string' || (value[k] as string).length > 2048) throw bad(k);
  for (const k of ['pushToken', 'appInstanceId', 'seId', 'sealedCredential'] as const) if (!strOrNull(value[k])) throw bad(k);
  if (!isObject(value.flows) || !Object.values(value.flows).every((s) => typeof s === 'string' && s.length <= 64)) throw bad('flows');
  const c = value.certificates;
  if (c !== null && !(isObject(c) && typeof c.auth === 'string' && typeof c.sign === 'string')) throw bad('certificates');
  const d = value.certificateDer;
  const base64 = (v: unknown) => typeof v === 'string' && v.length <= 16_384 && /^[A-Za-z0-9+/]*={0,2}$/.test(v);
  if (d !== undefined && d !== null && !(isObject(d) && base64(d.auth) && base64(d.sign))) throw bad('certificateDer');
  const b = value.biometric;
  if (b !== null && !(isObject(b) && typeof b.sealedPin === 'string')) throw bad('biometric');
  const p = value.lastPushSession;
  if (p !== null && !(isObject(p) && typeof p.purpose === 'string' && typeof p.sessionId === 'string' && typeof p.state === 'string' && typeof p.at === 'string')) throw bad('lastPushSession');
  return value as unknown as AppData;
}
