import { createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BasicFour, PolicyMode } from '../../src/pki/x509/index.js';
import { close, listen } from '../../src/services/http/index.js';
import { encodeHolderRevocationRequest, encodePhoneIssuanceApplication } from '../../src/services/jpki/application.js';
import { Authority } from '../../src/services/jpki/authority.js';
import { createJpkiServer } from '../../src/services/jpki/http-server.js';
import { createOperator } from '../../src/services/jpki/operators.js';
import { JpkiService } from '../../src/services/jpki/service.js';
import { openDatabase, type Database, type DatabaseConfig } from '../../src/store/index.js';
import { freePort } from './net.js';

export { freePort };

/**
 * A running certification service for tests: a database (SQLite file or a PostgreSQL database),
 * a first CA generation, one operator per role, the HTTP API on 127.0.0.1, and helpers that act as a
 * municipal office, a card and a phone. Everything real: keys, signatures, SQL, sockets.
 */
export interface JpkiHarness {
  readonly url: string;
  readonly port: number;
  readonly db: Database;
  readonly service: JpkiService;
  readonly passphrase: string;
  readonly tokens: { readonly admin: string; readonly office: string; readonly callCentre: string; readonly spTsm: string };
  /** A temp directory for files the test writes (removed by stop). */
  readonly dir: string;
  /** PEM files of the CA generations and responders: `${dir}/sign-1.pem`, `${dir}/sign-1-ocsp.pem`, … */
  exportCa(): { sign: string; auth: string; signResponder: string; authResponder: string };
  api(method: string, path: string, body?: unknown, token?: string, headers?: Record<string, string>): Promise<ApiResponse>;
  stop(): Promise<void>;
}

export interface ApiResponse {
  readonly status: number;
  readonly contentType: string;
  readonly bytes: Uint8Array;
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function pem(label: string, der: Uint8Array): string {
  return `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

export interface HarnessOptions {
  readonly database?: DatabaseConfig;
  readonly clock?: () => Date;
  readonly pollMs?: number;
  /** The policies the service writes: production (default) or the test policies (src/pki/x509 oids.ts). */
  readonly mode?: PolicyMode;
}

export async function startJpki(options: HarnessOptions = {}): Promise<JpkiHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'jpki-harness-'));
  const database = options.database ?? { kind: 'sqlite', path: join(dir, 'jpki.db') };
  const db = await openDatabase(database);
  const passphrase = randomBytes(16).toString('base64url');
  const now = options.clock?.() ?? new Date();
  await Authority.initialise(db, now, { passphrase });
  const tokens = {
    admin: await createOperator(db, 'admin', 'admin', now),
    office: await createOperator(db, 'office-1', 'office', now),
    callCentre: await createOperator(db, 'callcentre-1', 'call-centre', now),
    spTsm: await createOperator(db, 'sp-tsm', 'sp-tsm', now),
  };
  return serveJpki({ db, passphrase, tokens, dir, ...(options.clock ? { clock: options.clock } : {}), ...(options.mode ? { mode: options.mode } : {}), pollMs: options.pollMs ?? 100 });
}

/**
 * Runs the service over an initialised database on a free port and wraps it as a harness (startJpki
 * after initialising; a restart reuses it on the same database with the same passphrase and tokens).
 */
export async function serveJpki(p: { db: Database; passphrase: string; tokens: JpkiHarness['tokens']; dir: string; clock?: () => Date; pollMs?: number; mode?: PolicyMode }): Promise<JpkiHarness> {
  const { db, passphrase, tokens, dir } = p;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const service = await JpkiService.open({ db, passphrase, baseUrl: url, ...(p.clock ? { clock: p.clock } : {}), ...(p.mode ? { mode: p.mode } : {}), pollMs: p.pollMs ?? 100 });
  const server: Server = createJpkiServer(service);
  await listen(server, port);
  return {
    url,
    port,
    db,
    service,
    passphrase,
    tokens,
    dir,
    exportCa() {
      const files = { sign: '', auth: '', signResponder: '', authResponder: '' };
      for (const g of service.ctx.authority.all()) {
        const ca = join(dir, `${g.hierarchy}-${g.generation}.pem`);
        const responder = join(dir, `${g.hierarchy}-${g.generation}-ocsp.pem`);
        writeFileSync(ca, pem('CERTIFICATE', g.certificate));
        writeFileSync(responder, pem('CERTIFICATE', g.responderCertificate));
        if (g.state === 'active') {
          if (g.hierarchy === 'sign') Object.assign(files, { sign: ca, signResponder: responder });
          else Object.assign(files, { auth: ca, authResponder: responder });
        }
      }
      return files;
    },
    async api(method, path, body, token, headers = {}) {
      const res = await fetch(url + path, {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const bytes = new Uint8Array(await res.arrayBuffer());
      const contentType = res.headers.get('content-type') ?? '';
      let parsed: unknown;
      if (contentType.includes('json')) parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
      return { status: res.status, contentType, bytes, json: parsed };
    },
    async stop() {
      await close(server);
      service.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function rsaKey(): KeyObject {
  return generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 }).privateKey;
}

export function spki(key: KeyObject): Uint8Array {
  return new Uint8Array(createPublicKey(key).export({ type: 'spki', format: 'der' }));
}

/** The DER inside a PEM text (the first block; labels and line breaks dropped). */
export function pemToDer(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64'));
}

export const DEFAULT_PERSON: BasicFour = { name: '山田\u3000太郎', address: '東京都千代田区永田町1-7-1', birthDate: '1990-01-02', sex: 1 };

/** A card as the municipal office issues it: keys "generated in the card", certificates from the service. */
export interface IssuedCard {
  readonly personId: string;
  readonly cardId: string;
  readonly signKey: KeyObject;
  readonly authKey: KeyObject;
  readonly signCert: Uint8Array;
  readonly authCert: Uint8Array;
  readonly signSerial: string;
  readonly authSerial: string;
}

export async function issueCard(h: JpkiHarness, person: Partial<BasicFour> = {}, options: { personId?: string; cardExpiry?: string } = {}): Promise<IssuedCard> {
  const signKey = rsaKey();
  const authKey = rsaKey();
  const res = await h.api(
    'POST',
    '/api/v1/card-certificates',
    {
      person: { ...DEFAULT_PERSON, ...person },
      ...(options.personId ? { personId: options.personId } : {}),
      cardExpiry: options.cardExpiry ?? '2035-12-31',
      signPublicKey: Buffer.from(spki(signKey)).toString('base64'),
      authPublicKey: Buffer.from(spki(authKey)).toString('base64'),
    },
    h.tokens.office,
  );
  return issuedCard(res, signKey, authKey);
}

/** The card a card issuance (POST /api/v1/card-certificates) answered, holding `signKey` and `authKey`; throws unless 201. */
export function issuedCard(res: ApiResponse, signKey: KeyObject, authKey: KeyObject): IssuedCard {
  if (res.status !== 201) throw new Error(`card issuance failed: ${res.status} ${JSON.stringify(res.json)}`);
  return {
    personId: res.json.personId,
    cardId: res.json.cardId,
    signKey,
    authKey,
    signCert: pemToDer(res.json.sign.pem),
    authCert: pemToDer(res.json.auth.pem),
    signSerial: res.json.sign.serial,
    authSerial: res.json.auth.serial,
  };
}

/** What a phone's secure element generated, and the application the card signed for it. */
export interface PhoneApplication {
  readonly seId: string;
  readonly signKey: KeyObject;
  readonly authKey: KeyObject;
  readonly body: { application: string; signature: string; cardCertificate: string };
}

/** The public keys a secure element generated (SubjectPublicKeyInfo DER), as an application carries them. */
export interface PhoneKeys {
  readonly sign: Uint8Array;
  readonly auth: Uint8Array;
}

/** The request body of a phone issuance for these public keys, the application signed with the card's key. */
export function phoneApplicationBody(
  card: IssuedCard,
  seId: string,
  keys: PhoneKeys,
  options: { time?: Date; nonce?: string; signWith?: KeyObject; cardCertificate?: Uint8Array } = {},
): PhoneApplication['body'] {
  const application = encodePhoneIssuanceApplication({
    seId,
    signPublicKey: keys.sign,
    authPublicKey: keys.auth,
    nonce: options.nonce ?? randomBytes(16).toString('base64url'),
    time: options.time ?? new Date(),
  });
  const signature = sign('sha256', application, options.signWith ?? card.signKey);
  return {
    application: Buffer.from(application).toString('base64'),
    signature: signature.toString('base64'),
    cardCertificate: Buffer.from(options.cardCertificate ?? card.signCert).toString('base64'),
  };
}

export function phoneApplication(card: IssuedCard, seId: string, options: { time?: Date; nonce?: string; signWith?: KeyObject } = {}): PhoneApplication {
  const signKey = rsaKey();
  const authKey = rsaKey();
  return { seId, signKey, authKey, body: phoneApplicationBody(card, seId, { sign: spki(signKey), auth: spki(authKey) }, options) };
}

export interface IssuedPhone extends PhoneApplication {
  readonly signCert: Uint8Array;
  readonly authCert: Uint8Array;
  readonly signSerial: string;
  readonly authSerial: string;
  readonly superseded: string[];
}

export async function issuePhone(h: JpkiHarness, card: IssuedCard, seId: string): Promise<IssuedPhone> {
  const app = phoneApplication(card, seId);
  return issuedPhone(await h.api('POST', '/api/v1/phone-certificates', app.body, h.tokens.spTsm), app);
}

/** The phone a phone issuance (POST /api/v1/phone-certificates) of `app` answered; throws unless 201. */
export function issuedPhone(res: ApiResponse, app: PhoneApplication): IssuedPhone {
  if (res.status !== 201) throw new Error(`phone issuance failed: ${res.status} ${JSON.stringify(res.json)}`);
  return {
    ...app,
    signCert: pemToDer(res.json.sign.pem),
    authCert: pemToDer(res.json.auth.pem),
    signSerial: res.json.sign.serial,
    authSerial: res.json.auth.serial,
    superseded: res.json.superseded,
  };
}

/** The certificates the service issued for keys a secure element generated, with the active CA certificates. */
export interface PhoneCertificates {
  readonly sign: Uint8Array;
  readonly auth: Uint8Array;
  readonly signCa: Uint8Array;
  readonly authCa: Uint8Array;
  readonly signSerial: string;
  readonly authSerial: string;
}

/**
 * Phone issuance (flow 3) for public keys generated inside a secure element: the application carrying
 * them is signed with the card's signature key, the SP-TSM posts it, and the service answers the two
 * certificates; the CA certificates are those of the active generations.
 */
export async function issuePhoneFor(h: JpkiHarness, card: IssuedCard, seId: string, keys: PhoneKeys): Promise<PhoneCertificates> {
  const res = await h.api('POST', '/api/v1/phone-certificates', phoneApplicationBody(card, seId, keys), h.tokens.spTsm);
  if (res.status !== 201) throw new Error(`phone issuance failed: ${res.status} ${JSON.stringify(res.json)}`);
  const authority = h.service.ctx.authority;
  return {
    sign: pemToDer(res.json.sign.pem),
    auth: pemToDer(res.json.auth.pem),
    signCa: authority.active('sign').certificate,
    authCa: authority.active('auth').certificate,
    signSerial: res.json.sign.serial,
    authSerial: res.json.auth.serial,
  };
}

/** A holder's revocation request signed with the phone's authentication key (flow 7). */
export function holderRevocation(phone: IssuedPhone, reason: 'cessationOfOperation' | 'keyCompromise' = 'cessationOfOperation', options: { time?: Date; nonce?: string } = {}) {
  const request = encodeHolderRevocationRequest({ serial: phone.authSerial, reason, nonce: options.nonce ?? randomBytes(16).toString('base64url'), time: options.time ?? new Date() });
  return { request: Buffer.from(request).toString('base64'), signature: sign('sha256', request, phone.authKey).toString('base64') };
}

export function writePem(h: JpkiHarness, name: string, der: Uint8Array): string {
  const path = join(h.dir, name);
  writeFileSync(path, pem('CERTIFICATE', der));
  return path;
}
