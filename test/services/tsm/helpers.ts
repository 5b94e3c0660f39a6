import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeCommand } from '../../../src/apdu/index.js';
import { concat, constantTimeEqual, toHex } from '../../../src/bytes/index.js';
import { MemoryCardStore } from '../../../src/card/index.js';
import { AesCmac, cardCryptogram, deriveSessionKeys, hostCryptogram, parseInitializeUpdateResponse, type Scp03KeySet } from '../../../src/crypto/index.js';
import { JPKI_AID, jpkiAppletPackage } from '../../../src/devices/applets/jpki/index.js';
import { IdCard, issueCard as officeIssueCard, type CardCertificateRequest, type CardCertificates, type IdCardState } from '../../../src/devices/id-card/index.js';
import { createElement, SecureElement, type SeState } from '../../../src/devices/secure-element/index.js';
import { parseCertificate } from '../../../src/pki/x509/index.js';
import { close, createHttpServer, listen } from '../../../src/services/http/index.js';
import {
  cardPortChannels,
  HttpPhoneCertifier,
  phoneElementOptions,
  readCplc,
  registerAppInstance,
  RelayClient,
  RelayService,
  replaceTemporarySecrets,
  SeiTsm,
  SpTsm,
  tsmRoutes,
  tsmStatusOf,
  type CardSignature,
  type Handover,
  type RelayClientOptions,
  type SeChannels,
  type PushPort,
} from '../../../src/services/tsm/index.js';
import { PushSender, PushService, pushRoutes, pushStatusOf } from '../../../src/services/push/index.js';
import type { Queryable, DatabaseConfig } from '../../../src/store/index.js';
import { JpkiApClient } from '../../../src/transports/jpki-ap/index.js';
import { DEFAULT_PERSON, freePort, startJpki, type JpkiHarness } from '../../helpers/jpki.js';

/**
 * Fixtures of the TSM tests (no test of its own): a certification service (its own HTTP server), the
 * SEI-TSM, SP-TSM and relay on a second server, phones (a real secure element made as a phone's), apps
 * registered with the SP, Individual Number Cards issued by the service, and the relay client over the
 * element's contact port. Nothing is mocked: the SP calls the CA over HTTP with its operator token.
 */

/** A cheap scrypt cost for the applet's and the card's PIN hashes. */
export const TEST_KDF = { N: 1024, r: 8, p: 1 } as const;
export const JPKI_PACKAGE = jpkiAppletPackage({ kdf: TEST_KDF });
export const CARD_PIN = '1234';
export const CARD_PASSWORD = 'CARDPW1';

/** The SP-TSM, recording what the SEI hands it (so tests can try the initial keys after rotation). */
export class RecordingSp extends SpTsm {
  readonly handovers: Handover[] = [];
  override async acceptInitialKeys(q: Queryable, handover: Handover): Promise<void> {
    this.handovers.push(handover);
    return super.acceptInitialKeys(q, handover);
  }
}

export interface TsmHarness {
  readonly jpki: JpkiHarness;
  readonly relay: RelayService;
  readonly sei: SeiTsm;
  readonly sp: RecordingSp;
  readonly url: string;
  readonly masterSecret: Uint8Array;
  readonly storageSecret: Uint8Array;
  /** The JPKI app's signing certificate (DER, self-signed by openssl) and its SHA-256. */
  readonly appCertificate: Uint8Array;
  readonly appCertificateHash: string;
  api(method: string, path: string, body?: unknown, token?: string, headers?: Record<string, string>): Promise<{ status: number; json: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  stop(): Promise<void>;
}

let appCertificate: Uint8Array | undefined;

/** A self-signed P-256 certificate standing for the JPKI app's signing certificate. */
function appSigningCertificate(): Uint8Array {
  if (appCertificate) return appCertificate;
  const dir = mkdtempSync(join(tmpdir(), 'jpki-app-cert-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k.pem'), '-subj', '/CN=JPKI smartphone app (test)', '-days', '2', '-outform', 'DER', '-out', join(dir, 'c.der')], { stdio: 'ignore' });
    appCertificate = new Uint8Array(readFileSync(join(dir, 'c.der')));
    return appCertificate;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function startTsm(options: { database?: DatabaseConfig; developmentElements?: boolean; sessionTtlMs?: number; clock?: () => Date; push?: boolean; pushTtlSeconds?: number } = {}): Promise<TsmHarness> {
  const jpki = await startJpki({ ...(options.database ? { database: options.database } : {}) });
  // The push service on the TSMs' server, and the SP-TSM as one of its senders (reached over HTTP).
  const pushService = options.push ? await PushService.open({ db: jpki.db, sweepIntervalMs: 0 }) : undefined;
  const senderToken = pushService ? await pushService.createSender('sp-tsm') : undefined;
  let sender: PushSender | undefined;
  const push: PushPort | undefined = senderToken
    ? { send: (m) => (sender ??= new PushSender({ baseUrl: url, token: senderToken })).send(m), status: (id) => (sender ??= new PushSender({ baseUrl: url, token: senderToken })).status(id) }
    : undefined;
  const masterSecret = new Uint8Array(randomBytes(32));
  const sei = new SeiTsm({ db: jpki.db, masterSecret, acceptDevelopmentElements: options.developmentElements ?? true, ...(options.clock ? { clock: options.clock } : {}) });
  const storageSecret = new Uint8Array(randomBytes(32));
  const sp = new RecordingSp({
    db: jpki.db,
    storageSecret,
    ca: new HttpPhoneCertifier({ baseUrl: jpki.url, token: jpki.tokens.spTsm }),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(push ? { push } : {}),
    ...(options.pushTtlSeconds !== undefined ? { pushTtlSeconds: options.pushTtlSeconds } : {}),
  });
  let url = '';
  const relay = new RelayService({ db: jpki.db, sei, sp, ...(options.sessionTtlMs ? { sessionTtlMs: options.sessionTtlMs } : {}), ...(options.clock ? { clock: options.clock } : {}) });
  const server: Server = createHttpServer({
    routes: [...tsmRoutes(relay, jpki.db), ...(pushService ? pushRoutes(pushService) : [])],
    statusOf: (code) => tsmStatusOf(code) ?? pushStatusOf(code),
  });
  const port = await freePort();
  await listen(server, port);
  url = `http://127.0.0.1:${port}`;
  const cert = appSigningCertificate();
  const appCertificateHash = createHash('sha256').update(cert).digest('hex').toUpperCase();
  await sp.allowAppCertificate(appCertificateHash, 'JPKI smartphone app (test)');
  return {
    jpki,
    relay,
    sei,
    sp,
    url,
    masterSecret,
    storageSecret,
    appCertificate: cert,
    appCertificateHash,
    async api(method, path, body, token, headers = {}) {
      const res = await fetch(url + path, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: res.status, json: parsed };
    },
    async stop() {
      await pushService?.close();
      await close(server);
      await jpki.stop();
    },
  };
}

export interface Phone {
  readonly element: SecureElement;
  readonly store: MemoryCardStore<SeState>;
  readonly isdKeys: Scp03KeySet;
  readonly cplc: Uint8Array;
  readonly seId: string;
  readonly channels: SeChannels;
}

/** A phone's secure element, made and handed over to the SEI by its maker (the admin API). */
export async function newPhone(h: TsmHarness, profile: 'development' | 'production' = 'development', keyPolicy: 'derive' | 'keep' = 'derive'): Promise<Phone> {
  const made = createElement({ ...phoneElementOptions(profile, { jpkiPackage: JPKI_PACKAGE }) });
  const store = new MemoryCardStore<SeState>(made.state);
  const element = await SecureElement.open(store, { packages: phoneElementOptions(profile, { jpkiPackage: JPKI_PACKAGE }).packages });
  await element.contact.powerOn();
  const channels = cardPortChannels(element.contact);
  const cplc = await readCplc(channels);
  const k = made.isdKeys;
  const res = await h.api(
    'POST',
    '/tsm/v1/elements',
    {
      cplc: toHex(cplc),
      profile,
      maker: 'test maker',
      ...(profile === 'production' ? { keyPolicy, isdKeys: { kvn: k.kvn.toString(16).padStart(2, '0'), enc: toHex(k.enc), mac: toHex(k.mac), dek: toHex(k.dek) } } : {}),
    },
    h.jpki.tokens.admin,
  );
  if (res.status !== 201) throw new Error(`element registration: ${res.status} ${JSON.stringify(res.json)}`);
  return { element, store, isdKeys: k, cplc, seId: res.json.seId, channels };
}

export interface App {
  readonly appInstanceId: string;
  readonly credential: string;
  readonly seId: string;
}

export async function registerApp(h: TsmHarness, phone: Phone, pushToken = 'push-token-test'): Promise<App> {
  return registerAppInstance(h.url, { cplc: phone.cplc, appCertificateHash: h.appCertificateHash, pushToken });
}

export function relayClient(h: TsmHarness, phone: Phone, app: App, options: Partial<RelayClientOptions> = {}): RelayClient {
  return new RelayClient({ baseUrl: h.url, appInstanceId: app.appInstanceId, credential: app.credential, channels: phone.channels, retry: { attempts: 4, initialDelayMs: 5, maxDelayMs: 20 }, ...options });
}

export interface Card {
  readonly state: IdCardState;
  readonly device: IdCard;
  readonly client: JpkiApClient;
}

/** An Individual Number Card issued at the office by the running service (keys generated in the card). */
export async function newCard(h: TsmHarness, person: Partial<typeof DEFAULT_PERSON> = {}): Promise<Card> {
  const service = h.jpki.service;
  const issue = async (req: CardCertificateRequest): Promise<CardCertificates> => {
    const r = await service.issueCard({ kind: 'office', id: 'office-1' }, req);
    const ca = (der: Uint8Array) => service.ctx.authority.issuerOf(parseCertificate(der))!.certificate;
    return { personId: r.personId, cardId: r.cardId, signCertificate: r.sign.der, authCertificate: r.auth.der, signCaCertificate: ca(r.sign.der), authCaCertificate: ca(r.auth.der) };
  };
  const state = await officeIssueCard({ person: { ...DEFAULT_PERSON, ...person }, cardExpiry: '2035-12-31', pin: CARD_PIN, password: CARD_PASSWORD }, issue, { kdf: TEST_KDF });
  const device = new IdCard(state, new MemoryCardStore(state));
  await device.powerOn();
  return { state, device, client: new JpkiApClient({ transmit: (c) => device.transmit(c) }) };
}

/** What the app does with the card (flows.md 3.4): VERIFY the password, sign the application, read the certificate. */
export function cardSigner(card: Card, password = CARD_PASSWORD): (application: Uint8Array) => Promise<CardSignature> {
  return async (application) => {
    card.client.forgetSession();
    await card.client.verify('password', password);
    const signature = await card.client.signSha256('sign', application);
    const cardCertificate = await card.client.readCertificate('sign');
    return { signature, cardCertificate };
  };
}

/**
 * The app's part at the end of an issuance or re-initialisation session (a `replaceSecrets` hook): the
 * user's own values (never equal to the temporary ones) replace the temporary ones on a channel of its own.
 */
export function ownSecrets(phone: Phone, own: { pin: string; password: string } = { pin: '4321', password: 'OWNPASSWORD7' }) {
  return (temporary: { readonly pin?: string; readonly password?: string }): Promise<void> =>
    replaceTemporarySecrets(phone.channels, temporary, { pin: temporary.pin === own.pin ? '4322' : own.pin, password: own.password });
}

/** Channels whose commands and responses a test can alter (an agent that tampers, or a broken one). */
export function tampering(inner: SeChannels, alter: { command?: (c: Uint8Array) => Uint8Array; response?: (r: Uint8Array, c: Uint8Array) => Uint8Array; open?: (aid: Uint8Array) => void }): SeChannels {
  return {
    async open(aid) {
      alter.open?.(aid);
      const opened = await inner.open(aid);
      return {
        selectResponse: opened.selectResponse,
        channel: {
          async transmit(c) {
            const sent = alter.command ? alter.command(c) : c;
            const r = await opened.channel.transmit(sent);
            return alter.response ? alter.response(r, c) : r;
          },
          close: () => opened.channel.close(),
        },
      };
    },
  };
}

/** Runs the real openssl without blocking the event loop (the services under test are in this process). */
export function openssl(...args: string[]): Promise<{ status: number; out: string }> {
  return new Promise((resolve) => {
    execFile('openssl', args, { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

/**
 * What a holder of `keys` gets from a security domain: INITIALIZE UPDATE with KVN `p1` on a new
 * logical channel, then (when the card answers) EXTERNAL AUTHENTICATE with a host cryptogram and
 * C-MAC computed from `keys` whatever the card cryptogram says. Returns the status words and whether
 * the card cryptogram verified.
 */
export async function tryKeys(channels: SeChannels, aid: Uint8Array, keys: Scp03KeySet, p1: number): Promise<{ initializeUpdate: string; cardCryptogram?: boolean; externalAuthenticate?: string }> {
  const { channel } = await channels.open(aid);
  try {
    const hostChallenge = new Uint8Array(randomBytes(8));
    const iu = await channel.transmit(encodeCommand({ cla: 0x80, ins: 0x50, p1, p2: 0, data: hostChallenge, ne: 256 }));
    const sw = toHex(iu.subarray(iu.length - 2));
    if (sw !== '9000') return { initializeUpdate: sw };
    const card = parseInitializeUpdateResponse(iu.subarray(0, iu.length - 2));
    const session = deriveSessionKeys(keys, hostChallenge, card.cardChallenge);
    const cardOk = constantTimeEqual(cardCryptogram(session.sMac, hostChallenge, card.cardChallenge), card.cardCryptogram);
    const cryptogram = hostCryptogram(session.sMac, hostChallenge, card.cardChallenge);
    const mac = new AesCmac(session.sMac).mac(new Uint8Array(16), Uint8Array.of(0x84, 0x82, 0x33, 0x00, 0x10), cryptogram);
    const ea = await channel.transmit(encodeCommand({ cla: 0x84, ins: 0x82, p1: 0x33, p2: 0, data: concat(cryptogram, mac.subarray(0, 8)) }));
    return { initializeUpdate: sw, cardCryptogram: cardOk, externalAuthenticate: toHex(ea.subarray(ea.length - 2)) };
  } finally {
    await channel.close();
  }
}

/** A JPKI-AP client on a logical channel of the phone's element (what the app gets through OMAPI). */
export async function appletClient(phone: Phone): Promise<{ client: JpkiApClient; close(): Promise<void> }> {
  const { channel, selectResponse } = await phone.channels.open(JPKI_AID);
  if (toHex(selectResponse.subarray(selectResponse.length - 2)) !== '9000') throw new Error(`SELECT JPKI applet: ${toHex(selectResponse)}`);
  return { client: new JpkiApClient({ transmit: (c) => channel.transmit(c) }), close: () => channel.close() };
}
