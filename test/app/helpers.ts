import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../../src/bytes/index.js';
import { MemoryCardStore } from '../../src/card/index.js';
import { startSystem, type RunningSystem } from '../../src/cli/runtime/jpki-system.js';
import { main } from '../../src/cli/program.js';
import { JpkiApp, PushAgent, createAppSigningIdentity, certificateHash, elementCplc, seAgentResetHandler, type AppData, type PushAgentState } from '../../src/app/index.js';
import { Phone, type FetchLike, type PhoneState } from '../../src/devices/phone/index.js';
import { IdCard, issueCard as officeIssueCard, type CardCertificateRequest, type CardCertificates } from '../../src/devices/id-card/index.js';
import { createElement, SecureElement, type SeState } from '../../src/devices/secure-element/index.js';
import type { BasicFour } from '../../src/pki/x509/index.js';
import { phoneElementOptions } from '../../src/services/tsm/index.js';
import { DEFAULT_PERSON, freePort } from '../helpers/jpki.js';
import { JPKI_PACKAGE, TEST_KDF } from '../services/tsm/helpers.js';

/**
 * The whole system as `jpki-mobile start` runs it (a temp home: CA, push, TSMs on one port), and phones
 * made as their maker makes them: a production secure element whose ISD keys are handed to the SEI-TSM
 * over its maker endpoint, soldered into a `Phone`. Cards are issued by the same system over HTTP with an
 * office operator's token, their keys generated in the card.
 */

export const CARD_PASSWORD = 'CARDPW1';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

export interface SystemHarness {
  readonly home: string;
  readonly system: RunningSystem;
  readonly url: string;
  readonly admin: string;
  readonly office: string;
  api(method: string, path: string, body: unknown, token: string): Promise<{ status: number; json: Record<string, unknown> }>;
}

export async function startHome(): Promise<SystemHarness> {
  const home = mkdtempSync(join(tmpdir(), 'jpki-app-'));
  const port = await freePort();
  const init = io();
  if ((await main(['init', '--home', home, '--port', String(port)], init.io)) !== 0) throw new Error(init.err.join(''));
  if ((await main(['operator', 'add', '--home', home, '--id', 'office-1', '--role', 'office'], io().io)) !== 0) throw new Error('operator add');
  const system = await startSystem(home, { port });
  const secret = (name: string) => readFileSync(join(home, 'secrets', name), 'utf8').trim();
  return {
    home,
    system,
    url: system.url,
    admin: secret('admin.token'),
    office: secret('operators/office-1.token'),
    async api(method, path, body, token) {
      const res = await fetch(system.url + path, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    },
  };
}

export interface TestPhone {
  readonly phone: Phone;
  readonly element: SecureElement;
  readonly store: MemoryCardStore<PhoneState>;
  readonly appStore: MemoryCardStore<AppData>;
  readonly push: PushAgent;
  readonly seId: string;
}

/** A phone with a production element registered at the SEI-TSM by its maker; powered on, online (`fetch`: the network under it). */
export async function newPhone(h: SystemHarness, model = 'Test Phone', network: { fetch?: FetchLike } = {}): Promise<TestPhone> {
  const options = phoneElementOptions('production', { jpkiPackage: JPKI_PACKAGE });
  const made = createElement(options);
  const element = await SecureElement.open(new MemoryCardStore<SeState>(made.state), { packages: options.packages });
  const store = new MemoryCardStore<PhoneState>();
  const phone = await Phone.create({ store, deviceKey: new Uint8Array(randomBytes(32)), secureElement: { contact: element.contact, contactless: element.contactless }, ...(network.fetch ? { fetch: network.fetch } : {}) }, { model });
  await phone.powerOn();
  const k = made.isdKeys;
  const cplc = await elementCplc(phone);
  const r = await h.api('POST', '/tsm/v1/elements', { cplc: toHex(cplc), profile: 'production', maker: 'test maker', model, isdKeys: { kvn: '30', enc: toHex(k.enc), mac: toHex(k.mac), dek: toHex(k.dek) } }, h.admin);
  if (r.status !== 201) throw new Error(`element registration ${r.status} ${JSON.stringify(r.json)}`);
  const push = new PushAgent(phone, new MemoryCardStore<PushAgentState | null>(null));
  phone.onFactoryReset(seAgentResetHandler(h.url));
  phone.onFactoryReset(push.resetHandler());
  return { phone, element, store, appStore: new MemoryCardStore<AppData>(), push, seId: String(r.json.seId) };
}

let identity: ReturnType<typeof createAppSigningIdentity> | undefined;

/** The JPKI app's publisher identity (one per test process), allowed at the SP-TSM. */
export async function appCertificate(h: SystemHarness): Promise<Uint8Array> {
  identity ??= createAppSigningIdentity();
  const r = await h.api('POST', '/tsm/v1/app-certificates', { sha256: certificateHash(identity.certificate), label: 'JPKI app (test)' }, h.admin);
  if (r.status !== 200) throw new Error(`app certificate ${r.status}`);
  return identity.certificate;
}

export async function installApp(h: SystemHarness, p: TestPhone): Promise<JpkiApp> {
  return JpkiApp.install({ phone: p.phone, store: p.appStore, push: p.push, signingCertificate: await appCertificate(h), serverUrl: h.url, retry: { attempts: 3, initialDelayMs: 5, maxDelayMs: 20 } });
}

/** An Individual Number Card issued by the system's certification service (office operator, HTTP). */
export async function newCard(h: SystemHarness, person: BasicFour = DEFAULT_PERSON): Promise<IdCard> {
  const pemToDer = (text: string) => new Uint8Array(Buffer.from(text.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64'));
  const issue = async (req: CardCertificateRequest): Promise<CardCertificates> => {
    const r = await h.api(
      'POST',
      '/api/v1/card-certificates',
      { person: req.person, cardExpiry: req.cardExpiry, signPublicKey: Buffer.from(req.signPublicKey).toString('base64'), authPublicKey: Buffer.from(req.authPublicKey).toString('base64') },
      h.office,
    );
    if (r.status !== 201) throw new Error(`card issuance ${r.status} ${JSON.stringify(r.json)}`);
    const ca = async (which: string) => new Uint8Array(await (await fetch(`${h.url}/ca/${which}/1.crt`)).arrayBuffer());
    return { personId: String(r.json.personId), cardId: String(r.json.cardId), signCertificate: pemToDer((r.json.sign as { pem: string }).pem), authCertificate: pemToDer((r.json.auth as { pem: string }).pem), signCaCertificate: await ca('sign'), authCaCertificate: await ca('auth') };
  };
  const state = await officeIssueCard({ person, cardExpiry: '2035-12-31', pin: '1234', password: CARD_PASSWORD }, issue, { kdf: TEST_KDF });
  const card = new IdCard(state, new MemoryCardStore(state));
  await card.powerOn();
  return card;
}

/** The CA certificates of the system (first generation), for a relying party's trust anchors. */
export async function anchors(h: SystemHarness): Promise<{ sign: Uint8Array[]; auth: Uint8Array[] }> {
  const get = async (which: string) => new Uint8Array(await (await fetch(`${h.url}/ca/${which}/1.crt`)).arrayBuffer());
  return { sign: [await get('sign')], auth: [await get('auth')] };
}
