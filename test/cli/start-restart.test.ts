import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { fromHex } from '../../src/bytes/index.js';
import { certIdFor, encodeOcspRequest, parseOcspResponse, reasonName, verifyOcspResponseSignature } from '../../src/pki/revocation/index.js';
import { freePort } from '../helpers/net.js';
import { fromRoot } from '../helpers/paths.js';
import { forEachDialect } from '../helpers/postgres.js';

/*
 * Issue 7, "one command": `jpki-mobile start` shuts down cleanly on Ctrl-C (SIGINT: exit 0 within a
 * bound, the port closed) and finds its state again on the next start on the same home — certificates
 * with their states at the CA and in OCSP, a push message still pending for its device, the audit chain
 * whole. The built CLI in processes of its own, on SQLite in the home and on PostgreSQL
 * (JPKI_MOBILE_DATABASE_URL, a throwaway server).
 */

const BIN = fromRoot('dist', 'src', 'cli', 'main.js');
const STOP_WITHIN_MS = 10_000;

forEachDialect('jpki-mobile start: Ctrl-C, then a restart on the same home', (ctx) => {
  let dir: string;
  let home: string;
  let port: number;
  let env: NodeJS.ProcessEnv;
  let server: ChildProcess | undefined;
  let serverOut = '';
  const base = () => `http://127.0.0.1:${port}`;
  const secret = (name: string) => readFileSync(join(home, 'secrets', name), 'utf8').trim();
  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [BIN, ...args], { env: { ...env, ...extra }, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
    });
  const api = async (method: string, path: string, body: unknown, token: string | undefined) => {
    const res = await fetch(base() + path, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };

  async function start(): Promise<void> {
    serverOut = '';
    server = spawn(process.execPath, [BIN, 'start', '--home', home, '--port', String(port)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.setEncoding('utf8').on('data', (d: string) => (serverOut += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "running at" in: ${serverOut}`)), 60_000);
      server!.stdout!.on('data', () => serverOut.includes('running at') && (clearTimeout(timer), resolve()));
      server!.once('exit', (code) => (clearTimeout(timer), reject(new Error(`start exited with ${code}: ${serverOut}`))));
    });
  }

  /** Ctrl-C: SIGINT, then the exit code and how long it took. */
  async function interrupt(): Promise<{ code: number | null; ms: number }> {
    assert.ok(server && server.exitCode === null, 'running');
    const began = Date.now();
    const exited = new Promise<number | null>((resolve) => server!.once('exit', (code) => resolve(code)));
    server.kill('SIGINT');
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), STOP_WITHIN_MS).unref());
    const code = await Promise.race([exited, timeout]);
    assert.notEqual(code, 'timeout', `start did not stop within ${STOP_WITHIN_MS} ms of SIGINT`);
    return { code: code as number | null, ms: Date.now() - began };
  }

  /** True when nothing accepts connections on the port any more. */
  const portClosed = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => (socket.destroy(), resolve(false)));
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
    });

  async function ocsp(serial: string, hierarchy: 'sign' | 'auth'): Promise<string> {
    const ca = new Uint8Array(await (await fetch(`${base()}/ca/${hierarchy}/1.crt`)).arrayBuffer());
    const res = await fetch(`${base()}/ocsp/${hierarchy}`, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: encodeOcspRequest([certIdFor(ca, fromHex(serial), 'sha1')]).der });
    assert.equal(res.status, 200);
    const parsed = parseOcspResponse(new Uint8Array(await res.arrayBuffer()));
    assert.equal(parsed.status, 'successful');
    const { X509Certificate } = await import('node:crypto');
    const caCert = new X509Certificate(ca);
    const signer = parsed.certs[0] ? new X509Certificate(parsed.certs[0]) : caCert;
    assert.ok(signer === caCert || signer.verify(caCert.publicKey));
    assert.ok(verifyOcspResponseSignature(parsed, signer.publicKey), 'signed');
    const s = parsed.responses[0]!.status;
    return s.kind === 'revoked' ? `revoked:${s.reason === undefined ? '-' : reasonName(s.reason)}` : s.kind;
  }

  // What the first run leaves behind, to be found by the second.
  let serials: { sign: string; auth: string };
  let device: { deviceId: string; deviceSecret: string };
  let senderToken: string;
  let messageId: string;
  let auditBefore: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jpki-restart-'));
    home = join(dir, 'home');
    port = await freePort();
    const database = await ctx.freshConfig();
    env = { PATH: process.env.PATH, ...(database.kind === 'postgres' ? { JPKI_MOBILE_DATABASE_URL: database.connectionString } : {}) };
  });
  after(() => {
    if (server && server.exitCode === null) server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('init, start, and state made through the running system: a card, a hold, a pending push message', { timeout: 180_000 }, async () => {
    const init = await cli(['init', '--home', home, '--port', String(port)]);
    assert.equal(init.code, 0, init.stderr);
    await start();
    const card = await cli(['card', 'issue', '--home', home, '--out', join(dir, 'card.json'), '--name', '山田 太郎', '--address', '東京都千代田区永田町1-7-1', '--birth', '1990-01-02', '--sex', '1'], {
      JPKI_CARD_PIN: '1234',
      JPKI_CARD_PASSWORD: 'CARDPW1',
    });
    assert.equal(card.code, 0, card.stderr);
    serials = { sign: /signature certificate: ([0-9A-F]+)/.exec(card.stdout)![1]!, auth: /user-authentication certificate: ([0-9A-F]+)/.exec(card.stdout)![1]! };
    // An operator action over HTTP: the user-authentication certificate held.
    const held = await api('POST', `/api/v1/certificates/${serials.auth}/hold`, undefined, secret('admin.token'));
    assert.equal(held.status, 200, JSON.stringify(held.json));
    assert.equal(await ocsp(serials.auth, 'auth'), 'revoked:certificateHold');
    assert.equal(await ocsp(serials.sign, 'sign'), 'good');
    // A push message that waits for its (offline) device.
    assert.equal((await cli(['push', 'sender', 'add', 'restart-test', '--home', home])).code, 0);
    senderToken = secret('push-senders/restart-test.token');
    const enrolled = await api('POST', '/push/v1/devices', {}, undefined);
    assert.equal(enrolled.status, 201);
    device = enrolled.json as unknown as typeof device;
    const registered = await api('POST', `/push/v1/devices/${device.deviceId}/registrations`, { appId: 'jp.go.jpki.mobile' }, device.deviceSecret);
    assert.equal(registered.status, 201);
    const sent = await api('POST', '/push/v1/messages', { token: registered.json.token, data: { hello: 'after the restart' }, ttl: 3600 }, senderToken);
    assert.equal(sent.status, 201);
    messageId = String(sent.json.id);
    const audit = await cli(['audit', 'verify', '--home', home]);
    assert.equal(audit.code, 0, audit.stderr);
    auditBefore = Number(/(\d+) entries/.exec(audit.stdout)![1]);
    assert.ok(auditBefore > 0);
  });

  it('Ctrl-C (SIGINT) stops it cleanly: exit code 0 within the bound, "stopped", the port closed', { timeout: 30_000 }, async () => {
    const { code, ms } = await interrupt();
    assert.equal(code, 0, serverOut);
    assert.ok(ms < STOP_WITHIN_MS, `${ms} ms`);
    assert.match(serverOut, /\nstopped\n$/);
    assert.equal(await portClosed(), true);
  });

  it('the next start on the same home finds its state: certificates and their OCSP answers, the pending message, the audit chain', { timeout: 120_000 }, async () => {
    await start();
    assert.match(serverOut, new RegExp(`jpki-mobile is running at ${base()}`));
    assert.doesNotMatch(serverOut, /CA generations/, 'not initialised again');
    const admin = secret('admin.token');
    const sign = await api('GET', `/api/v1/certificates/${serials.sign}`, undefined, admin);
    const auth = await api('GET', `/api/v1/certificates/${serials.auth}`, undefined, admin);
    assert.equal(sign.status, 200);
    assert.deepEqual([sign.json.status, auth.json.status, auth.json.reason], ['good', 'held', 6]);
    assert.equal(await ocsp(serials.sign, 'sign'), 'good');
    assert.equal(await ocsp(serials.auth, 'auth'), 'revoked:certificateHold');

    const status = await api('GET', `/push/v1/messages/${messageId}`, undefined, senderToken);
    assert.equal(status.status, 200);
    assert.equal(status.json.status, 'pending');
    const polled = await api('GET', `/push/v1/devices/${device.deviceId}/poll?wait=0`, undefined, device.deviceSecret);
    assert.equal(polled.status, 200);
    const messages = polled.json.messages as { id: string; data: unknown }[];
    assert.deepEqual(messages.map((m) => [m.id, m.data]), [[messageId, { hello: 'after the restart' }]]);
    const acked = await api('POST', `/push/v1/devices/${device.deviceId}/ack`, { ids: [messageId] }, device.deviceSecret);
    assert.deepEqual(acked.json.delivered, [messageId]);

    const audit = await cli(['audit', 'verify', '--home', home]);
    assert.equal(audit.code, 0, audit.stderr);
    assert.ok(Number(/(\d+) entries/.exec(audit.stdout)![1]) >= auditBefore);

    const { code } = await interrupt();
    assert.equal(code, 0, serverOut);
    assert.equal(await portClosed(), true);
  });
});
