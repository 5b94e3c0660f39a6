import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JpkiApp, PushAgent, createAppSigningIdentity, seAgentResetHandler, type AppData, type AppSigningIdentity, type PushAgentState } from '../../app/index.js';
import { FileCardStore } from '../../card/index.js';
import { loadOrCreateDeviceKey, Phone, type PhoneState } from '../../devices/phone/index.js';
import { SecureElement, type SeState } from '../../devices/secure-element/index.js';
import { phoneElementOptions } from '../../services/tsm/index.js';

/**
 * A phone on disk (`jpki-mobile phone new --out DIR`): everything the handset holds, one file each.
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
