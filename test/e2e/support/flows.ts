import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JpkiApp } from '../../../src/app/index.js';
import { fromHex } from '../../../src/bytes/index.js';
import { main } from '../../../src/cli/program.js';
import { startSystem, type RunningSystem } from '../../../src/cli/runtime/jpki-system.js';
import type { IdCard } from '../../../src/devices/id-card/index.js';
import type { FetchLike } from '../../../src/devices/phone/index.js';
import { certIdFor, encodeOcspRequest, parseOcspResponse, verifyOcspResponseSignature, reasonName } from '../../../src/pki/revocation/index.js';
import type { BasicFour } from '../../../src/pki/x509/index.js';
import { MemoryChallengeStore, RelyingParty } from '../../../src/sdk/index.js';
import { CARD_PASSWORD, installApp, newCard as issueCard, newPhone, type SystemHarness, type TestPhone } from '../../app/helpers.js';
import { DEFAULT_PERSON, freePort } from '../../helpers/jpki.js';

/**
 * The whole system for the end-to-end flow tests (test/e2e/flow-*.test.ts): `jpki-mobile init` and
 * `startSystem` on a temporary home (CA, OCSP, push, TSMs, call centre, relying parties on one port of
 * 127.0.0.1), phones made as their maker makes them (a production secure element registered through the
 * maker endpoint), the JPKI app on each, cards issued by the municipal office over HTTP. What the tests
 * look at is what a party would: the CA's records (admin API), OCSP answers from the running responder,
 * the element's contents by GET STATUS through its ISD (support/element-status.ts), the SP-TSM's orders,
 * the push service's delivery records, the portal's answer to a login; and, for what GET STATUS cannot
 * show, the keys inside the JPKI applet (its persistent data in the element's registry).
 */

export const PIN = '2468';
export const PASSWORD = 'PHONEPW1';
export { CARD_PASSWORD, DEFAULT_PERSON };

function quietIo() {
  const err: string[] = [];
  return { io: { out: () => undefined, err: (t: string) => void err.push(t) }, err };
}

export interface E2e extends SystemHarness {
  readonly system: RunningSystem;
  readonly callCentre: string;
  /** The SP-TSM's push sender token (reads its messages' delivery records). */
  readonly spPush: string;
  api(method: string, path: string, body: unknown, token?: string): Promise<{ status: number; json: Record<string, unknown> }>;
  get(path: string, token?: string): Promise<{ status: number; json: Record<string, unknown> }>;
  stop(): Promise<void>;
}

export interface E2eOptions {
  /** Members of config.json's `tsm` (e.g. a short `pushTtlSeconds`). */
  readonly tsm?: Record<string, unknown>;
  /** 0: the order desk runs only when the test calls `system.dispatchOrders()`. */
  readonly ordersIntervalMs?: number;
}

export async function startE2e(options: E2eOptions = {}): Promise<E2e> {
  const home = mkdtempSync(join(tmpdir(), 'jpki-e2e-'));
  const port = await freePort();
  const run = async (args: string[]) => {
    const q = quietIo();
    if ((await main([...args, '--home', home], q.io)) !== 0) throw new Error(`${args.join(' ')}: ${q.err.join('')}`);
  };
  await run(['init', '--port', String(port)]);
  await run(['operator', 'add', '--id', 'office-1', '--role', 'office']);
  await run(['operator', 'add', '--id', 'callcentre-1', '--role', 'call-centre']);
  if (options.tsm) {
    const path = join(home, 'config.json');
    const config = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify({ ...config, tsm: { ...(config.tsm as object), ...options.tsm } }, null, 2));
  }
  let system: RunningSystem;
  try {
    system = await startSystem(home, { port, ...(options.ordersIntervalMs !== undefined ? { ordersIntervalMs: options.ordersIntervalMs } : {}) });
  } catch (err) {
    rmSync(home, { recursive: true, force: true });
    throw err;
  }
  const secret = (name: string) => readFileSync(join(home, 'secrets', name), 'utf8').trim();
  const request = async (method: string, path: string, body: unknown, token: string | undefined) => {
    const res = await fetch(system.url + path, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
  return {
    home,
    system,
    url: system.url,
    admin: secret('admin.token'),
    office: secret('operators/office-1.token'),
    callCentre: secret('operators/callcentre-1.token'),
    spPush: secret('push-senders/sp-tsm.token'),
    api: (method, path, body, token) => request(method, path, body, token),
    get: (path, token) => request('GET', path, undefined, token),
    async stop() {
      await system.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export interface Handset extends TestPhone {
  readonly app: JpkiApp;
}

/** A phone with the JPKI app installed and prepared (flow 2); `fetch`: the network under the phone. */
export async function preparedHandset(h: E2e, model: string, options: { fetch?: FetchLike } = {}): Promise<Handset> {
  const p = await newPhone(h, model, options);
  const app = await installApp(h, p);
  const outcome = await app.prepare();
  assert.equal(outcome.session.state, 'completed');
  return { ...p, app };
}

/** A card of `person` (the default holder unless another is given), issued by the office over HTTP. */
export function newCard(h: E2e, person: Partial<BasicFour> = {}): Promise<IdCard> {
  return issueCard(h, { ...DEFAULT_PERSON, ...person });
}

/** Flow 3 on a handset with the card held to it; the user's PIN and password are `PIN` and `PASSWORD`. */
export async function issue(x: Handset, card: IdCard): Promise<{ auth: string; sign: string }> {
  const r = await x.app.issue({ card, cardPassword: async () => CARD_PASSWORD, newSecrets: async () => ({ pin: PIN, pinConfirm: PIN, password: PASSWORD, passwordConfirm: PASSWORD }) });
  return { auth: r.authSerial, sign: r.signSerial };
}

export interface CaRecord {
  readonly status: 'good' | 'held' | 'revoked';
  readonly reason: number | null;
  readonly personId: string;
  readonly seId: string | null;
  readonly linkedSerial: string | null;
  readonly device: string;
  readonly hierarchy: string;
  readonly pem: string;
}

/** The certification service's record of a certificate (admin API). */
export async function caRecord(h: E2e, serial: string): Promise<CaRecord> {
  const r = await h.get(`/api/v1/certificates/${serial}`, h.admin);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as unknown as CaRecord;
}

export type OcspAnswer = { readonly kind: 'good' } | { readonly kind: 'revoked'; readonly reason: string | undefined } | { readonly kind: 'unknown' };

/** Asks the running OCSP responder (`POST /ocsp/{hierarchy}`) and checks the answer's signature. */
export async function ocsp(h: E2e, serial: string, hierarchy: 'sign' | 'auth'): Promise<OcspAnswer> {
  const ca = new Uint8Array(await (await fetch(`${h.url}/ca/${hierarchy}/1.crt`)).arrayBuffer());
  const request = encodeOcspRequest([certIdFor(ca, fromHex(serial), 'sha1')]);
  const res = await fetch(`${h.url}/ocsp/${hierarchy}`, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: request.der });
  assert.equal(res.status, 200);
  const parsed = parseOcspResponse(new Uint8Array(await res.arrayBuffer()));
  assert.equal(parsed.status, 'successful');
  // Signed by the CA, or by a responder certificate the CA issued.
  const caCert = new X509Certificate(ca);
  const signer = parsed.certs[0] ? new X509Certificate(parsed.certs[0]) : caCert;
  assert.ok(signer === caCert || signer.verify(caCert.publicKey), 'the responder certificate is the CA\'s');
  assert.ok(verifyOcspResponseSignature(parsed, signer.publicKey), 'the OCSP answer is signed');
  const status = parsed.responses[0]!.status;
  if (status.kind === 'revoked') return { kind: 'revoked', reason: status.reason === undefined ? undefined : reasonName(status.reason) };
  return status;
}

export interface AppletContents {
  /** Key EF → 'key' (a private key), or 'revoked' (destroyed when told the certificate was revoked). */
  readonly keys: Readonly<Record<string, 'key' | 'revoked'>>;
  readonly certificates: readonly string[];
  readonly pins: readonly string[];
}

/** What the JPKI applet instance holds, read from the secure element's registry (its persistent state). */
export function appletContents(x: Pick<Handset, 'element'>): AppletContents | undefined {
  const entry = x.element.state.registry.find((e) => e.kind === 'application' && e.aid.toUpperCase() === 'D392F000260100000001');
  if (!entry || entry.kind !== 'application') return undefined;
  const data = entry.data as { keys: Record<string, { pkcs8?: string; revoked?: true }>; certificates: Record<string, string>; pins: Record<string, unknown> };
  return {
    keys: Object.fromEntries(Object.entries(data.keys).map(([fid, k]) => [fid, k.revoked ? 'revoked' : 'key'])),
    certificates: Object.keys(data.certificates).sort(),
    pins: Object.keys(data.pins).sort(),
  };
}

/** The certificate files the applet holds (EF → DER, hex). */
export function appletCertificates(x: Pick<Handset, 'element'>): Readonly<Record<string, string>> {
  const entry = x.element.state.registry.find((e) => e.kind === 'application' && e.aid.toUpperCase() === 'D392F000260100000001');
  return entry?.kind === 'application' ? { ...(entry.data as { certificates: Record<string, string> }).certificates } : {};
}

/** The public key (SPKI DER, hex) of a private key the applet holds (key EF '0017' or '001A'). */
export function appletPublicKey(x: Pick<Handset, 'element'>, fid: '0017' | '001A'): string {
  const entry = x.element.state.registry.find((e) => e.kind === 'application' && e.aid.toUpperCase() === 'D392F000260100000001');
  const key = entry?.kind === 'application' ? (entry.data as { keys: Record<string, { pkcs8?: string }> }).keys[fid]?.pkcs8 : undefined;
  assert.ok(key, `the applet holds no key in ${fid}`);
  return createPublicKey(createPrivateKey({ key: Buffer.from(key, 'hex'), format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' }).toString('hex');
}

/** True when the applet holds a usable private key. */
export function holdsKeys(x: Pick<Handset, 'element'>): boolean {
  return Object.values(appletContents(x)?.keys ?? {}).includes('key');
}

/** A login at the portal (`/portal/v1`): its challenge signed by the phone after the PIN. */
export async function portalLogin(h: E2e, x: Handset, pin = PIN): Promise<{ status: number; code?: string; serial?: string }> {
  const c = await h.api('POST', '/portal/v1/login/challenges', {}, undefined);
  assert.equal(c.status, 201, JSON.stringify(c.json));
  const r = await x.app.login({ challenge: new Uint8Array(Buffer.from(String(c.json.challenge), 'base64url')), pin });
  const res = await h.api('POST', '/portal/v1/login', { challengeId: c.json.challengeId, certificate: Buffer.from(r.certificate).toString('base64'), signature: Buffer.from(r.signature).toString('base64') }, undefined);
  const session = res.json.session as { certificateSerial?: string } | undefined;
  return { status: res.status, ...(typeof res.json.code === 'string' ? { code: res.json.code } : {}), ...(session?.certificateSerial ? { serial: session.certificateSerial } : {}) };
}

/** A relying party of the SDK trusting the system's CAs, asking OCSP every time. */
export async function relyingParty(h: E2e): Promise<RelyingParty> {
  const get = async (which: string) => new Uint8Array(await (await fetch(`${h.url}/ca/${which}/1.crt`)).arrayBuffer());
  return new RelyingParty({ trustAnchors: { sign: [await get('sign')], auth: [await get('auth')] }, rpId: 'e2e.example.jp', login: { challengeStore: new MemoryChallengeStore() }, status: { cache: { ocspEntries: 0, crlEntries: 0 } } });
}

/** The SP-TSM's deletion orders for an element (admin API). */
export async function ordersOf(h: E2e, seId: string): Promise<{ orderId: string; state: string; deletion: string; push: { status: string; messageId: string | null }; serials: string[]; reason: number | null }[]> {
  const r = await h.get(`/tsm/v1/orders?seId=${seId}`, h.admin);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.orders as never;
}

/** The push service's record of a message the SP-TSM sent. */
export async function pushRecord(h: E2e, messageId: string): Promise<{ status: string; attempts: number; deliveredAt: string | null; expiredAt: string | null }> {
  const r = await h.get(`/push/v1/messages/${messageId}`, h.spPush);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as never;
}

/** Polls `probe` until it gives a value (bounded: `timeoutMs`, default 15 s). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000, everyMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
