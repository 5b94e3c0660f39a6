/**
 * The whole system for the app benchmarks, as `jpki-mobile start` runs it (a temporary home made by
 * `jpki-mobile init`, on SQLite, every service on one port of 127.0.0.1), phones made as their maker
 * makes them (a production secure element whose ISD keys go to the SEI-TSM over the maker endpoint, the
 * JPKI app installed and prepared: flow 2), and Individual Number Cards issued by that system over HTTP
 * with an office operator's token, their keys generated in the card. The default scrypt cost everywhere
 * (N = 16384), as a real phone and card would have.
 *
 * Every HTTP request a phone makes is logged on that phone (`PhoneRig.requests`); every other request
 * of the process (the SP-TSM calling the certification service over HTTP) in `serverRequests`.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { JpkiApp, PushAgent, certificateHash, createAppSigningIdentity, elementCplc, type AppData, type PushAgentState } from '../../src/app/index.js';
import { toHex } from '../../src/bytes/index.js';
import { MemoryCardStore } from '../../src/card/index.js';
import { main } from '../../src/cli/program.js';
import { startSystem, type RunningSystem } from '../../src/cli/runtime/jpki-system.js';
import { IdCard, issueCard, type CardCertificateRequest, type CardCertificates } from '../../src/devices/id-card/index.js';
import { Phone, type PhoneState } from '../../src/devices/phone/index.js';
import { createElement, SecureElement, type SeState } from '../../src/devices/secure-element/index.js';
import type { IsoDate } from '../../src/pki/x509/index.js';
import { phoneElementOptions } from '../../src/services/tsm/index.js';
import { freePort } from './proc.js';

export const CARD_PIN = '1234';
export const CARD_PASSWORD = 'CARDPW1';

/** One HTTP request: method, path, and when it left and its answer's body was read (performance.now()). */
export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  readonly start: number;
  end: number;
  status: number;
}

const baseFetch = globalThis.fetch;

function logged(log: RequestRecord[]): typeof fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const record: RequestRecord = { method: init?.method ?? (input instanceof Request ? input.method : 'GET'), path: new URL(url).pathname, start: performance.now(), end: NaN, status: 0 };
    log.push(record);
    const res = await baseFetch(input, init);
    record.status = res.status;
    // The callers read the whole body at once: the request ends when it has been read.
    const body = await res.arrayBuffer();
    record.end = performance.now();
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

/** Requests of this process not made by a phone (the SP-TSM's calls to the CA). */
export const serverRequests: RequestRecord[] = [];
globalThis.fetch = logged(serverRequests);

function io() {
  const text: string[] = [];
  return { io: { out: (t: string) => void text.push(t), err: (t: string) => void text.push(t) }, text };
}

export interface BenchSystem {
  readonly home: string;
  readonly system: RunningSystem;
  readonly url: string;
  api(method: string, path: string, body: unknown, token: string): Promise<{ status: number; json: Record<string, unknown> }>;
  newPhone(): Promise<PhoneRig>;
  newCard(person: number): Promise<IdCard>;
}

export interface PhoneRig {
  readonly phone: Phone;
  readonly app: JpkiApp;
  /** Every HTTP request this phone made, in order. */
  readonly requests: RequestRecord[];
}

/** `jpki-mobile init` in `home` on a free port, an office operator, then the system started in process. */
export async function startBenchSystem(home: string): Promise<BenchSystem> {
  const port = await freePort();
  const init = io();
  if ((await main(['init', '--home', home, '--port', String(port)], init.io)) !== 0) throw new Error(`jpki-mobile init: ${init.text.join('')}`);
  const op = io();
  if ((await main(['operator', 'add', '--home', home, '--id', 'office-1', '--role', 'office'], op.io)) !== 0) throw new Error(`jpki-mobile operator add: ${op.text.join('')}`);
  const system = await startSystem(home, { port });
  const secret = (name: string) => readFileSync(join(home, 'secrets', name), 'utf8').trim();
  const admin = secret('admin.token');
  const office = secret('operators/office-1.token');
  const api: BenchSystem['api'] = async (method, path, body, token) => {
    const res = await baseFetch(system.url + path, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const identity = createAppSigningIdentity({ commonName: 'JPKI smartphone app (bench)' });
  const allowed = await api('POST', '/tsm/v1/app-certificates', { sha256: certificateHash(identity.certificate), label: 'JPKI app (bench)' }, admin);
  if (allowed.status !== 200) throw new Error(`app certificate: ${allowed.status} ${JSON.stringify(allowed.json)}`);
  const caCertificates = { sign: new Uint8Array(0), auth: new Uint8Array(0) };
  for (const which of ['sign', 'auth'] as const) caCertificates[which] = new Uint8Array(await (await baseFetch(`${system.url}/ca/${which}/1.crt`)).arrayBuffer());
  let phones = 0;

  return {
    home,
    system,
    url: system.url,
    api,
    async newPhone() {
      const model = `Bench Phone ${++phones}`;
      const options = phoneElementOptions('production');
      const made = createElement(options);
      const element = await SecureElement.open(new MemoryCardStore<SeState>(made.state), { packages: options.packages });
      const requests: RequestRecord[] = [];
      const phone = await Phone.create(
        { store: new MemoryCardStore<PhoneState>(), deviceKey: new Uint8Array(randomBytes(32)), secureElement: { contact: element.contact, contactless: element.contactless }, fetch: logged(requests) },
        { model },
      );
      await phone.powerOn();
      const k = made.isdKeys;
      const registered = await api('POST', '/tsm/v1/elements', { cplc: toHex(await elementCplc(phone)), profile: 'production', maker: 'bench maker', model, isdKeys: { kvn: '30', enc: toHex(k.enc), mac: toHex(k.mac), dek: toHex(k.dek) } }, admin);
      if (registered.status !== 201) throw new Error(`element registration: ${registered.status} ${JSON.stringify(registered.json)}`);
      const push = new PushAgent(phone, new MemoryCardStore<PushAgentState | null>(null));
      const app = await JpkiApp.install({ phone, store: new MemoryCardStore<AppData>(), push, signingCertificate: identity.certificate, serverUrl: system.url });
      const prepared = await app.prepare();
      if (prepared.session.state !== 'completed') throw new Error(`preparation: ${prepared.session.state}`);
      requests.length = 0;
      return { phone, app, requests };
    },
    async newCard(person: number) {
      const issue = async (req: CardCertificateRequest): Promise<CardCertificates> => {
        const body = { person: req.person, cardExpiry: req.cardExpiry, signPublicKey: Buffer.from(req.signPublicKey).toString('base64'), authPublicKey: Buffer.from(req.authPublicKey).toString('base64') };
        const r = await api('POST', '/api/v1/card-certificates', body, office);
        if (r.status !== 201) throw new Error(`card issuance: ${r.status} ${JSON.stringify(r.json)}`);
        const der = (pem: unknown) => new Uint8Array(Buffer.from(String((pem as { pem: string }).pem).replace(/-----[^-]+-----|\s+/g, ''), 'base64'));
        return { personId: String(r.json.personId), cardId: String(r.json.cardId), signCertificate: der(r.json.sign), authCertificate: der(r.json.auth), signCaCertificate: caCertificates.sign, authCaCertificate: caCertificates.auth };
      };
      // A person of their own for each card: no issuance supersedes another's certificates.
      const holder = { name: '山田\u3000太郎', address: `東京都千代田区永田町1-7-${person + 1}`, birthDate: '1990-01-02' as IsoDate, sex: 1 as const };
      const state = await issueCard({ person: holder, cardExpiry: '2035-12-31' as IsoDate, pin: CARD_PIN, password: CARD_PASSWORD }, issue);
      const card = new IdCard(state, new MemoryCardStore(state));
      await card.powerOn();
      return card;
    },
  };
}
