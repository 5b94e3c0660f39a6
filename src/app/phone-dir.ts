import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '../bytes/index.js';
import { FileCardStore } from '../card/index.js';
import { JpkiMobileError } from '../errors/index.js';
import { loadOrCreateDeviceKey, Phone, type PhoneState } from '../devices/phone/index.js';
import { createElement, SecureElement, type SeState } from '../devices/secure-element/index.js';
import { phoneElementOptions } from '../services/tsm/index.js';
import type { AppData } from './app-data.js';
import { JpkiApp } from './jpki-app.js';
import { PushAgent, type PushAgentState } from './push-agent.js';
import { elementCplc, seAgentResetHandler } from './se-agent.js';
import { certificateHash, createAppSigningIdentity, type AppSigningIdentity } from './signing-certificate.js';

/** Making a phone folder failed: the folder holds a phone already, or the maker's endpoints refused. */
export class PhoneDirError extends JpkiMobileError<'ERR_PHONE_DIR_EXISTS' | 'ERR_PHONE_DIR_MAKER'> {}

/**
 * A phone on disk (`jpki-mobile phone new --out DIR`, the web interface's phone shelf): everything the handset holds, one file each.
 *
 * | File | What |
 * |---|---|
 * | `phone.json` | the phone OS's state (apps, keystore with sealed key material, fingerprints, reset notices) |
 * | `device.key` | the hardware key the keystore seals under (0600; stands for a key fused into the phone) |
 * | `element.json` | the embedded secure element (its registry, keys, the JPKI applet's data) |
 * | `push.json` | the OS push component's device credential |
 * | `app-data.json` | the JPKI app's private data (no secret in clear) |
 * | `app-package.crt` | the JPKI app package's signing certificate (what the store would install) |
 * | `server.txt` | the system's URL the phone was registered with |
 */
export const PHONE_FILES = { phone: 'phone.json', deviceKey: 'device.key', element: 'element.json', push: 'push.json', app: 'app-data.json', appPackage: 'app-package.crt', server: 'server.txt' } as const;

export interface OpenedPhone {
  readonly phone: Phone;
  readonly push: PushAgent;
  readonly appStore: FileCardStore<AppData>;
  readonly serverUrl: string;
  close(): Promise<void>;
}

export async function openElement(dir: string): Promise<SecureElement> {
  return SecureElement.open(new FileCardStore<SeState>(join(dir, PHONE_FILES.element)), { packages: phoneElementOptions('production').packages });
}

/** Opens the phone of DIR, powers it on (pending reset notices go out if online), with the OS's reset handlers registered. */
export async function openPhoneDir(dir: string, options: { create?: { model: string } } = {}): Promise<OpenedPhone> {
  const serverUrl = readFileSync(join(dir, PHONE_FILES.server), 'utf8').trim();
  const element = await openElement(dir);
  const phoneOptions = {
    store: new FileCardStore<PhoneState>(join(dir, PHONE_FILES.phone)),
    deviceKey: await loadOrCreateDeviceKey(join(dir, PHONE_FILES.deviceKey)),
    secureElement: { contact: element.contact, contactless: element.contactless },
  };
  const phone = options.create ? await Phone.create(phoneOptions, { model: options.create.model }) : await Phone.open(phoneOptions);
  const pushStore = new FileCardStore<PushAgentState | null>(join(dir, PHONE_FILES.push));
  const push = new PushAgent(phone, pushStore);
  // Part of the OS image: registered at every start, before the phone boots.
  phone.onFactoryReset(seAgentResetHandler(serverUrl));
  phone.onFactoryReset(push.resetHandler());
  await phone.powerOn();
  return {
    phone,
    push,
    appStore: new FileCardStore<AppData>(join(dir, PHONE_FILES.app)),
    serverUrl,
    async close() {
      await push.stop();
      await phone.powerOff();
    },
  };
}

/** The installed JPKI app of an opened phone. */
export function openApp(p: OpenedPhone): Promise<JpkiApp> {
  return JpkiApp.open({ phone: p.phone, store: p.appStore, push: p.push });
}

/** The app publisher's signing identity in a home (`app-signing/`), made once. */
export function publisherIdentity(home: string): AppSigningIdentity {
  const dir = join(home, 'app-signing');
  const cert = join(dir, 'signing.crt');
  const key = join(dir, 'signing.key');
  if (existsSync(cert) && existsSync(key)) return { certificate: new Uint8Array(readFileSync(cert)), privateKey: new Uint8Array(readFileSync(key)) };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const identity = createAppSigningIdentity();
  writeFileSync(key, identity.privateKey, { mode: 0o600 });
  writeFileSync(cert, identity.certificate, { mode: 0o644 });
  return identity;
}

export interface MakePhoneOptions {
  /** The running system the phone is registered with (its SEI-TSM, SP-TSM, push service). */
  readonly url: string;
  /** The phone's model name. */
  readonly model: string;
  /** The system's home: the app publisher's signing identity is kept in `HOME/app-signing/`. */
  readonly home: string;
  /** The admin operator token the maker's endpoints need. */
  readonly adminToken: string;
}

export interface MadePhone {
  readonly dir: string;
  readonly model: string;
  readonly deviceId: string;
  readonly seId: string;
  /** SHA-256 of the JPKI app package's signing certificate (hex). */
  readonly appCertificateSha256: string;
}

async function postMaker(url: string, body: unknown, token: string, expected: number): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  } catch (cause) {
    throw new PhoneDirError('ERR_PHONE_DIR_MAKER', `${url} cannot be reached: is the system running?`, { cause });
  }
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: reported by status below
  }
  if (res.status !== expected) throw new PhoneDirError('ERR_PHONE_DIR_MAKER', `${url} answered ${res.status} ${String(json.code ?? '')} ${String(json.detail ?? '')}`.trim());
  return json;
}

/**
 * Makes a phone in DIR as its maker would: a production secure element (random ISD keys, handed to the
 * SEI-TSM through its maker endpoint `POST /tsm/v1/elements` with the admin token, written nowhere else
 * but in the element), the phone OS around it, the system's URL, and the JPKI app package (its
 * publisher's certificate, made once per home and allowed at the SP-TSM, `POST /tsm/v1/app-certificates`).
 * Refuses a DIR that holds a phone (`ERR_PHONE_DIR_EXISTS`); a refusal of the maker's endpoints is
 * `ERR_PHONE_DIR_MAKER` (the files already written stay: the caller removes a folder it made).
 */
export async function makePhoneDir(dir: string, options: MakePhoneOptions): Promise<MadePhone> {
  const url = options.url.replace(/\/$/, '');
  if (existsSync(join(dir, PHONE_FILES.phone)) || existsSync(join(dir, PHONE_FILES.element))) throw new PhoneDirError('ERR_PHONE_DIR_EXISTS', `${dir} holds a phone already`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const elementOptions = phoneElementOptions('production');
  const made = createElement(elementOptions);
  await new FileCardStore<SeState>(join(dir, PHONE_FILES.element)).create(made.state);
  writeFileSync(join(dir, PHONE_FILES.server), url + '\n', { mode: 0o600 });
  const opened = await openPhoneDir(dir, { create: { model: options.model } });
  try {
    const cplc = await elementCplc(opened.phone);
    const k = made.isdKeys;
    const element = await postMaker(
      `${url}/tsm/v1/elements`,
      { cplc: toHex(cplc), profile: 'production', maker: 'jpki-mobile phone new', model: options.model, isdKeys: { kvn: k.kvn.toString(16).padStart(2, '0'), enc: toHex(k.enc), mac: toHex(k.mac), dek: toHex(k.dek) } },
      options.adminToken,
      201,
    );
    const publisher = publisherIdentity(options.home);
    const hash = certificateHash(publisher.certificate);
    await postMaker(`${url}/tsm/v1/app-certificates`, { sha256: hash, label: 'JPKI smartphone app' }, options.adminToken, 200);
    writeFileSync(join(dir, PHONE_FILES.appPackage), publisher.certificate, { mode: 0o644 });
    return { dir, model: options.model, deviceId: opened.phone.deviceId, seId: String(element.seId), appCertificateSha256: hash };
  } finally {
    await opened.close();
  }
}
