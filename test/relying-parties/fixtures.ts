import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import type { Server } from 'node:http';
import { MemoryCardStore } from '../../src/card/index.js';
import { IdCard, issueCard, type IdCardState } from '../../src/devices/id-card/index.js';
import type { BasicFour } from '../../src/pki/x509/index.js';
import { Bank, HttpJpkiDirectory, Kiosk, Portal, relyingPartiesStatusOf, relyingPartyRoutes, type KioskOptions, type TrustAnchors } from '../../src/relying-parties/index.js';
import { close, createHttpServer, listen } from '../../src/services/http/index.js';
import { encodePhoneIssuanceApplication } from '../../src/services/jpki/application.js';
import { createOperator } from '../../src/services/jpki/operators.js';
import type { DatabaseConfig, Queryable } from '../../src/store/index.js';
import { JpkiApClient } from '../../src/transports/index.js';
import { PASSWORD, PIN, TEST_KDF } from '../devices/id-card/helpers.js';
import { DEFAULT_PERSON, rsaKey, spki, startJpki, type JpkiHarness } from '../helpers/jpki.js';
import { officeIssuer } from '../sdk/fixtures.js';
import { send, type Answer, type BadCase } from '../services/jpki/support/http.js';

/**
 * Fixtures of the relying-party tests (no test of its own): a running certification service, the
 * portal, the bank and the kiosk over its database with operator tokens of role relying-party, their
 * HTTP API on a port of its own, a clock the tests can move, Individual Number Cards issued by the
 * service and reached through the JPKI-AP client (PIN 1234, password ABC123), and the bad-input
 * check: each refused request answers its status and problem code, and writes nothing.
 */

export { PASSWORD, PIN };

export interface RpWorld {
  readonly h: JpkiHarness;
  readonly portal: Portal;
  readonly bank: Bank;
  readonly kiosk: Kiosk;
  readonly anchors: TrustAnchors;
  /** Base URL of the relying parties' HTTP API. */
  readonly url: string;
  /** Moves the parties' clock (not the certification service's). */
  shift(ms: number): void;
  stop(): Promise<void>;
}

export async function startWorld(options: { database?: DatabaseConfig; kiosk?: Partial<KioskOptions> } = {}): Promise<RpWorld> {
  const h = await startJpki(options.database ? { database: options.database } : {});
  let offset = 0;
  const clock = () => new Date(Date.now() + offset);
  const generations = h.service.ctx.authority.all();
  const anchors: TrustAnchors = {
    sign: generations.filter((g) => g.hierarchy === 'sign').map((g) => g.certificate),
    auth: generations.filter((g) => g.hierarchy === 'auth').map((g) => g.certificate),
  };
  const now = new Date();
  const directory = async (id: string) => new HttpJpkiDirectory({ baseUrl: h.url, token: await createOperator(h.db, id, 'relying-party', now) });
  const portal = new Portal({ db: h.db, trustAnchors: anchors, rpId: 'portal.jpki-mobile.test', directory: await directory('portal'), clock });
  const bank = new Bank({ db: h.db, trustAnchors: anchors, clock });
  const kiosk = await Kiosk.open({
    db: h.db,
    trustAnchors: anchors,
    directory: await directory('kiosk-1'),
    signingKey: generateKeyPairSync('ed25519').privateKey,
    kioskId: 'kiosk-1',
    clock,
    ...options.kiosk,
  });
  const server: Server = createHttpServer({ routes: relyingPartyRoutes({ portal, bank, kiosk }), statusOf: relyingPartiesStatusOf });
  const port = await listen(server);
  return {
    h,
    portal,
    bank,
    kiosk,
    anchors,
    url: `http://127.0.0.1:${port}`,
    shift: (ms) => void (offset = ms),
    async stop() {
      kiosk.close();
      await close(server);
      await h.stop();
    },
  };
}

/** An Individual Number Card issued by the service (keys generated in the card), PIN 1234, password ABC123. */
export interface TestCard {
  readonly state: IdCardState;
  readonly personId: string;
  /** A fresh power-up of the card through the JPKI-AP client. */
  client(): Promise<JpkiApClient>;
  /** The card itself on a fresh power-up (for a reader). */
  power(): Promise<IdCard>;
  readonly authSerial: string;
  readonly signSerial: string;
}

export async function newCard(h: JpkiHarness, person: Partial<BasicFour> = {}): Promise<TestCard> {
  const state = await issueCard({ person: { ...DEFAULT_PERSON, ...person }, cardExpiry: '2035-12-31', pin: PIN, password: PASSWORD }, officeIssuer(h), { kdf: TEST_KDF });
  const power = async () => {
    const card = new IdCard(structuredClone(state), new MemoryCardStore<IdCardState>(structuredClone(state)));
    await card.powerOn();
    return card;
  };
  const serials = await h.db.query<{ serial: string; hierarchy: string }>("SELECT serial, hierarchy FROM certificates WHERE person_id = $1 AND device = 'card' AND status = 'good'", [state.holder.personId]);
  return {
    state,
    personId: state.holder.personId,
    power,
    async client() {
      const card = await power();
      return new JpkiApClient({ transmit: (c) => card.transmit(c) });
    },
    authSerial: serials.find((s) => s.hierarchy === 'auth')!.serial,
    signSerial: serials.find((s) => s.hierarchy === 'sign')!.serial,
  };
}

export interface TestPhone {
  readonly seId: string;
  /** The keys "in the secure element" (node:crypto here; the kiosk test uses the JPKI applet's own). */
  readonly signKey?: KeyObject;
  readonly authKey?: KeyObject;
  readonly signCert: Uint8Array;
  readonly authCert: Uint8Array;
  readonly signSerial: string;
  readonly authSerial: string;
}

/**
 * Phone issuance (flow 3) as the SP-TSM runs it: an application carrying the public keys of the
 * secure element (given, or generated here), signed by the card through its JPKI-AP after the
 * password, sent to the service.
 */
export async function issuePhoneFor(h: JpkiHarness, card: TestCard, seId: string, keys?: { sign: Uint8Array; auth: Uint8Array }): Promise<TestPhone> {
  const own = keys ? undefined : { sign: rsaKey(), auth: rsaKey() };
  const publicKeys = keys ?? { sign: spki(own!.sign), auth: spki(own!.auth) };
  const application = encodePhoneIssuanceApplication({ seId, signPublicKey: publicKeys.sign, authPublicKey: publicKeys.auth, nonce: randomBytes(16).toString('base64url'), time: new Date() });
  const client = await card.client();
  await client.verify('password', PASSWORD);
  const body = { application: b64(application), signature: b64(await client.signSha256('sign', application)), cardCertificate: b64(await client.readCertificate('sign')) };
  const res = await h.api('POST', '/api/v1/phone-certificates', body, h.tokens.spTsm);
  assert.equal(res.status, 201, JSON.stringify(res.json));
  const der = (text: string) => new Uint8Array(Buffer.from(text.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64'));
  return {
    seId,
    ...(own ? { signKey: own.sign, authKey: own.auth } : {}),
    signCert: der(res.json.sign.pem),
    authCert: der(res.json.auth.pem),
    signSerial: res.json.sign.serial,
    authSerial: res.json.auth.serial,
  };
}

export const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
export const fromB64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

/** A JSON request to the relying parties (with an optional session token or cookie). */
export async function call(w: RpWorld, method: string, path: string, json?: unknown, headers: Record<string, string> = {}): Promise<Answer & { headers: Headers }> {
  const res = await fetch(w.url + path, {
    method,
    headers: { ...(json !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const contentType = res.headers.get('content-type') ?? '';
  return { status: res.status, contentType, bytes, json: contentType.includes('json') ? JSON.parse(Buffer.from(bytes).toString('utf8')) : undefined, headers: res.headers };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Every table a relying party or the service writes: row counts and the audit head. */
const TABLES = ['rp_login_challenges', 'portal_sessions', 'portal_drafts', 'portal_applications', 'bank_openings', 'bank_accounts', 'kiosk_keys', 'kiosk_issuances', 'certificates', 'operators', 'audit_log'];

export async function snapshot(db: Queryable): Promise<string> {
  const counts: string[] = [];
  for (const t of TABLES) counts.push(`${t}:${Number((await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t}`))[0]!.n)}`);
  const used = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM rp_login_challenges WHERE consumed_at IS NOT NULL');
  const drafts = await db.query<{ n: number }>('SELECT (SELECT COUNT(*) FROM portal_drafts WHERE used_at IS NOT NULL) + (SELECT COUNT(*) FROM bank_openings WHERE used_at IS NOT NULL) + (SELECT COUNT(*) FROM portal_sessions WHERE ended_at IS NOT NULL) AS n');
  return `${counts.join(' ')} consumed:${Number(used[0]!.n)} used:${Number(drafts[0]!.n)}`;
}

/** Sends each case to the relying parties; asserts the status, the problem document and that nothing was written. */
export async function expectRefusals(w: RpWorld, cases: readonly (BadCase & { headers?: Record<string, string> })[]): Promise<void> {
  for (const c of cases) {
    const before = await snapshot(w.h.db);
    const res = c.headers ? await sendWithHeaders(w.url, c, c.headers) : await send(w.url, c);
    const label = `${c.name} (${c.method ?? (c.json !== undefined || c.raw !== undefined ? 'POST' : 'GET')} ${c.path.slice(0, 80)})`;
    assert.equal(res.status, c.status, `${label}: ${Buffer.from(res.bytes).toString('utf8').slice(0, 300)}`);
    assert.equal(res.contentType, 'application/problem+json', label);
    assert.equal(res.json.code, c.code, label);
    assert.equal(res.json.type, `urn:jpki-mobile:problem:${c.code}`, label);
    assert.equal(await snapshot(w.h.db), before, `${label}: nothing may be written`);
  }
}

async function sendWithHeaders(base: string, c: BadCase, headers: Record<string, string>): Promise<Answer> {
  const h: Record<string, string> = { ...headers };
  let body: string | Uint8Array | undefined;
  if (c.json !== undefined) {
    body = JSON.stringify(c.json);
    h['content-type'] = 'application/json';
  } else if (c.raw !== undefined) {
    body = c.raw;
    if (c.contentType !== undefined) h['content-type'] = c.contentType;
  }
  const res = await fetch(base + c.path, { method: c.method ?? (body === undefined ? 'GET' : 'POST'), headers: h, ...(body !== undefined ? { body } : {}) });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const contentType = res.headers.get('content-type') ?? '';
  return { status: res.status, contentType, bytes, json: contentType.includes('json') ? JSON.parse(Buffer.from(bytes).toString('utf8')) : undefined };
}

/** The JSON-level faults every JSON endpoint refuses the same way. */
export function jsonFaults(path: string, extra: Partial<BadCase> & { headers?: Record<string, string> } = {}): (BadCase & { headers?: Record<string, string> })[] {
  const base = { path, method: 'POST', ...extra };
  return [
    { ...base, name: 'malformed JSON', raw: '{"a":', contentType: 'application/json', status: 400, code: 'ERR_HTTP_JSON' },
    { ...base, name: 'not JSON', raw: 'challengeId=1', contentType: 'application/x-www-form-urlencoded', status: 415, code: 'ERR_HTTP_MEDIA_TYPE' },
    { ...base, name: 'no content type', raw: '{}', status: 415, code: 'ERR_HTTP_MEDIA_TYPE' },
    { ...base, name: 'an array', json: [], status: 400, code: 'ERR_REQUEST_FIELD' },
    { ...base, name: 'a string', json: 'x', status: 400, code: 'ERR_REQUEST_FIELD' },
    { ...base, name: 'null', json: null, status: 400, code: 'ERR_REQUEST_FIELD' },
    { ...base, name: 'an unknown member', json: { surprise: 1 }, status: 400, code: 'ERR_REQUEST_FIELD' },
    { ...base, name: 'oversized', raw: `{"x":"${'A'.repeat(40 * 1024)}"}`, contentType: 'application/json', status: 413, code: 'ERR_HTTP_BODY_TOO_LARGE' },
  ];
}
