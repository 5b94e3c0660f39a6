import { createHmac, X509Certificate } from 'node:crypto';
import { toHex } from '../../bytes/index.js';
import { EMPTY_BIOMETRICS, type BiometricState, type Enrolment } from './biometrics/sensor.js';
import { PhoneError } from './errors.js';
import { EMPTY_KEYSTORE, type KeystoreState, type StoredKey } from './keystore/keystore.js';

export const PHONE_FORMAT = 'jpki-mobile/phone@1';

/** An installed app as the package manager records it. */
export interface InstalledAppState {
  readonly packageName: string;
  /** base64 of each DER signing certificate. */
  readonly signingCertificates: readonly string[];
  /** Holds `SECURE_ELEMENT_PRIVILEGED_OPERATION` (a system app). */
  readonly privileged: boolean;
  readonly installedAt: string;
}

/** The record of a factory reset that a handler has still to report (see factory-reset.ts). */
export interface ResetNotice {
  /** Random, 32 hex digits: lets a server recognise a repeated delivery. */
  readonly id: string;
  readonly deviceId: string;
  readonly resetAt: string;
}

export interface PendingResetNotice {
  readonly handler: string;
  readonly notice: ResetNotice;
  readonly attempts: number;
  /** The error code of the last failed attempt. */
  readonly lastError: string | null;
}

/**
 * The phone's non-volatile state, one JSON document saved atomically (0600) after every change.
 * Secrets in it: the keystore's key material, sealed under the device key (which is not in the
 * document). Everything else (apps and their certificates, finger names, settings) is not secret.
 */
export interface PhoneState {
  readonly format: typeof PHONE_FORMAT;
  readonly deviceId: string;
  readonly model: string;
  readonly createdAt: string;
  /** First 8 bytes of HMAC-SHA256(device key, "jpki-mobile/phone device key check"), hex: a wrong device key is caught at open. */
  readonly deviceKeyCheck: string;
  readonly settings: { readonly nfcEnabled: boolean; readonly online: boolean };
  readonly apps: readonly InstalledAppState[];
  readonly biometrics: BiometricState;
  readonly keystore: KeystoreState;
  /**
   * `wiping`: a reset ran its handlers but the wipe is not saved yet; the phone finishes the wipe at
   * its next start, so a power cut cannot leave a phone that reported a reset with its data.
   */
  readonly factoryReset: { readonly count: number; readonly wiping: boolean; readonly pending: readonly PendingResetNotice[] };
}

export function deviceKeyCheck(deviceKey: Uint8Array): string {
  if (!(deviceKey instanceof Uint8Array) || deviceKey.length !== 32) throw new PhoneError('ERR_PHONE_DEVICE_KEY', 'the device key is 32 bytes');
  return toHex(new Uint8Array(createHmac('sha256', deviceKey).update('jpki-mobile/phone device key check').digest()).subarray(0, 8));
}

/** A Java package name (JLS 7.4.1 as Android uses it): two or more dot-separated identifiers, at most 255 characters. */
const PACKAGE = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$/;

export function checkPackageName(name: unknown): string {
  if (typeof name !== 'string' || name.length > 255 || !PACKAGE.test(name)) {
    throw new PhoneError('ERR_PHONE_APP_INVALID', `'${String(name).slice(0, 64)}' is not a package name`);
  }
  return name;
}

/** Checks a DER X.509 certificate (node's parser) and returns a copy. */
export function checkCertificate(der: unknown): Uint8Array {
  if (!(der instanceof Uint8Array) || der.length === 0 || der.length > 65536) throw new PhoneError('ERR_PHONE_APP_INVALID', 'a signing certificate is DER bytes');
  try {
    new X509Certificate(der);
  } catch (err) {
    throw new PhoneError('ERR_PHONE_APP_INVALID', 'a signing certificate does not parse as X.509', { cause: err });
  }
  return Uint8Array.from(der);
}

function fail(what: string): never {
  throw new PhoneError('ERR_PHONE_STATE_INVALID', `phone state: ${what}`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isTime = (v: unknown): v is string => isString(v) && !Number.isNaN(Date.parse(v));
const isHex16 = (v: unknown): v is string => isString(v) && /^[0-9A-F]{16}$/.test(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function arrayOf<T>(v: unknown, what: string, check: (item: unknown) => item is T): T[] {
  if (!Array.isArray(v) || !v.every(check)) fail(what);
  return v as T[];
}

const isApp = (v: unknown): v is InstalledAppState =>
  isObject(v) && isString(v.packageName) && PACKAGE.test(v.packageName) && Array.isArray(v.signingCertificates) && v.signingCertificates.every(isString) &&
  typeof v.privileged === 'boolean' && isTime(v.installedAt);

const isEnrolment = (v: unknown): v is Enrolment => isObject(v) && isCount(v.id) && isString(v.finger) && isTime(v.enrolledAt);

const isKey = (v: unknown): v is StoredKey =>
  isObject(v) && isString(v.packageName) && isString(v.alias) && typeof v.userAuthenticationRequired === 'boolean' &&
  typeof v.invalidatedByBiometricEnrollment === 'boolean' && isCount(v.authValiditySeconds) && isTime(v.createdAt) &&
  typeof v.invalidated === 'boolean' && (v.authenticatorId === null || isHex16(v.authenticatorId)) && isString(v.material);

const isPending = (v: unknown): v is PendingResetNotice =>
  isObject(v) && isString(v.handler) && isObject(v.notice) && isString(v.notice.id) && isString(v.notice.deviceId) && isTime(v.notice.resetAt) &&
  isCount(v.attempts) && (v.lastError === null || isString(v.lastError));

/** Checks a document read from the store: `ERR_PHONE_STATE_INVALID` unless it is a whole phone state. */
export function parsePhoneState(doc: unknown): PhoneState {
  if (!isObject(doc) || doc.format !== PHONE_FORMAT) fail(`format is not ${PHONE_FORMAT}`);
  if (!isString(doc.deviceId) || !isString(doc.model) || !isTime(doc.createdAt) || !isHex16(doc.deviceKeyCheck)) fail('identity');
  const s = doc.settings;
  if (!isObject(s) || typeof s.nfcEnabled !== 'boolean' || typeof s.online !== 'boolean') fail('settings');
  arrayOf(doc.apps, 'apps', isApp);
  const b = doc.biometrics;
  if (!isObject(b) || !isCount(b.nextId) || !isCount(b.failures) || !(b.authenticatorId === null || isHex16(b.authenticatorId)) || !(b.lockoutUntil === null || isTime(b.lockoutUntil))) {
    fail('biometrics');
  }
  arrayOf(b.enrolments, 'biometrics.enrolments', isEnrolment);
  if (!isObject(doc.keystore)) fail('keystore');
  arrayOf(doc.keystore.keys, 'keystore.keys', isKey);
  const r = doc.factoryReset;
  if (!isObject(r) || !isCount(r.count) || typeof r.wiping !== 'boolean') fail('factoryReset');
  arrayOf(r.pending, 'factoryReset.pending', isPending);
  return structuredClone(doc) as unknown as PhoneState;
}

export interface PhoneIdentity {
  /** Default: 16 random bytes, hex. */
  readonly deviceId?: string;
  /** e.g. "JPKI Phone 1". */
  readonly model: string;
}

const IDENTITY = /^[^\p{Cc}]{1,64}$/u;

/** The state of a phone out of the box: no apps, no fingers, no keys, NFC on, online. */
export function newPhoneState(identity: PhoneIdentity, deviceKey: Uint8Array, now: Date, random: (n: number) => Uint8Array): PhoneState {
  const deviceId = identity.deviceId ?? toHex(random(16));
  if (!IDENTITY.test(deviceId) || !IDENTITY.test(identity.model)) throw new PhoneError('ERR_PHONE_CONFIG', 'device id and model are 1 to 64 printable characters');
  return {
    format: PHONE_FORMAT,
    deviceId,
    model: identity.model,
    createdAt: now.toISOString(),
    deviceKeyCheck: deviceKeyCheck(deviceKey),
    settings: { nfcEnabled: true, online: true },
    apps: [],
    biometrics: EMPTY_BIOMETRICS,
    keystore: EMPTY_KEYSTORE,
    factoryReset: { count: 0, wiping: false, pending: [] },
  };
}
