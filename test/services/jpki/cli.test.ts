import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { openDatabase, type Database, type DatabaseConfig } from '../../../src/store/index.js';
import { freePort, writePem, type JpkiHarness } from '../../helpers/jpki.js';
import { fromRoot } from '../../helpers/paths.js';
import { forEachDialect } from '../../helpers/postgres.js';
import { ocsp, verifyChain } from './support/revocation.js';
import { cardBody, keyPool, pemToDer } from './support/world.js';

/**
 * Issue 3 (interfaces): `jpki-mobile` as a user runs it — init, start and stop, operator add, ca
 * export/status/hold/release/revoke/rotate, audit verify — with exit codes and output; secrets in
 * owner-only files or the environment, never in flags. A revocation by the CLI (another process) shows
 * in the running service's OCSP within a second of its commit.
 */

const BIN = fromRoot('dist', 'src', 'cli', 'main.js');

interface Exit {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

forEachDialect('jpki-mobile CLI for the certification service', (ctx) => {
  let home: string;
  let port: number;
  let env: NodeJS.ProcessEnv;
  let database: DatabaseConfig;
  let server: ChildProcess | undefined;
  let serverOut = '';
  const base = () => `http://127.0.0.1:${port}`;
  const cli = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Exit> =>
    new Promise((resolve) => {
      execFile(process.execPath, [BIN, ...args], { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
    });
  const h = () => ({ dir: home }) as unknown as JpkiHarness;
  const secret = (name: string) => readFileSync(join(home, 'secrets', name), 'utf8').trim();
  const mode = (path: string) => statSync(path).mode & 0o777;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'jpki-cli-'));
    port = await freePort();
    database = await ctx.freshConfig();
    env = { PATH: process.env.PATH, ...(database.kind === 'postgres' ? { JPKI_MOBILE_DATABASE_URL: database.connectionString } : {}) };
    if (database.kind === 'sqlite') database = { kind: 'sqlite', path: join(home, 'jpki-mobile.db') };
  });
  after(async () => {
    if (server && server.exitCode === null) server.kill('SIGKILL');
    rmSync(home, { recursive: true, force: true });
  });

  it('init creates a home with owner-only secrets, refuses an existing one, and takes no secret from a flag', async () => {
    // Initialised for another port than the one it will be started on (start --port): certificates must
    // name the address the service really answers on.
    const initPort = port === 65535 ? port - 1 : port + 1;
    const r = await cli(['init', '--home', home, '--port', String(initPort)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /CA generations: sign\/1, auth\/1/);
    assert.match(r.stdout, /admin token: .*secrets\/admin\.token/);
    assert.equal(mode(join(home, 'secrets')), 0o700);
    for (const s of ['ca-passphrase', 'admin.token']) assert.equal(mode(join(home, 'secrets', s)), 0o600, s);
    assert.ok(!r.stdout.includes(secret('admin.token')), 'the token is not printed');
    const config = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8'));
    assert.equal(config.database.kind, database.kind);
    assert.equal(config.publicBaseUrl, `http://127.0.0.1:${initPort}`);

    const [again, flag] = await Promise.all([cli(['init', '--home', home]), cli(['init', '--home', join(home, 'other'), '--passphrase', 'secret'])]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /\[ERR_HOME_EXISTS\]/);
    assert.equal(flag.code, 2, 'no --passphrase flag');
  });

  it('operator add writes each token to an owner-only file and never prints it', async () => {
    const [office, bad] = await Promise.all([
      cli(['operator', 'add', '--home', home, '--id', 'office-1', '--role', 'office']),
      cli(['operator', 'add', '--home', home, '--id', 'x', '--role', 'mayor']),
    ]);
    assert.equal(office.code, 0, office.stderr);
    const file = join(home, 'secrets', 'operators', 'office-1.token');
    assert.equal(mode(file), 0o600);
    assert.equal(mode(join(home, 'secrets', 'operators')), 0o700);
    assert.ok(!office.stdout.includes(secret('operators/office-1.token')));
    assert.equal(bad.code, 2);
    // The token file is written inside the operator's transaction: adding an existing id fails and
    // leaves the existing operator's token file as it was.
    const token = secret('operators/office-1.token');
    const again = await cli(['operator', 'add', '--home', home, '--id', 'office-1', '--role', 'office']);
    assert.equal(again.code, 1, again.stderr);
    assert.equal(secret('operators/office-1.token'), token);
  });

  it('start serves the home on the port, with the CA certificates that ca export writes', async () => {
    server = spawn(process.execPath, [BIN, 'start', '--home', home, '--port', String(port)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.setEncoding('utf8').on('data', (d: string) => (serverOut += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "running at" in: ${serverOut}`)), 30_000);
      const check = () => serverOut.includes('running at') && (clearTimeout(timer), resolve());
      server!.stdout!.on('data', check);
      server!.once('exit', (code) => reject(new Error(`start exited with ${code}: ${serverOut}`)));
    });
    assert.match(serverOut, new RegExp(`jpki-mobile is running at ${base()}`));
    assert.equal((await fetch(`${base()}/healthz`)).status, 200);

    const out = join(home, 'export');
    const r = await cli(['ca', 'export', '--home', home, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /sign-1\.pem \(active\)/);
    assert.match(r.stdout, /auth-1\.pem \(active\)/);
    for (const hierarchy of ['sign', 'auth']) {
      const served = await (await fetch(`${base()}/ca/${hierarchy}/1.pem`)).text();
      assert.deepEqual(pemToDer(readFileSync(join(out, `${hierarchy}-1.pem`), 'utf8')), pemToDer(served));
      assert.deepEqual(pemToDer(readFileSync(join(out, `${hierarchy}-1-ocsp.pem`), 'utf8')), new Uint8Array(await (await fetch(`${base()}/ca/${hierarchy}/1-ocsp.crt`)).arrayBuffer()));
    }
  });

  it('ca status, hold, release and revoke act on certificates issued through the running service', async () => {
    const keys = await keyPool();
    const issue = async (i: number) => {
      const res = await fetch(`${base()}/api/v1/card-certificates`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret('operators/office-1.token')}` },
        body: JSON.stringify(cardBody(keys[i]!, keys[i + 1]!)),
      });
      assert.equal(res.status, 201);
      return (await res.json()) as { sign: { serial: string; pem: string }; auth: { serial: string; pem: string } };
    };
    const a = await issue(0);
    const b = await issue(2);
    assert.match(new X509Certificate(a.sign.pem).infoAccess ?? '', new RegExp(`OCSP - URI:${base()}/ocsp/sign`), 'the OCSP address of the running service');
    const caFile = (hierarchy: string) => join(home, 'export', `${hierarchy}-1.pem`);
    const aAuth = writePem(h(), 'a-auth.pem', pemToDer(a.auth.pem));
    const ask = (cert: string, hierarchy: string, noNonce = false) => ocsp({ issuer: caFile(hierarchy), certs: [cert], url: `${base()}/ocsp/${hierarchy}`, noNonce });

    const r = await cli(['ca', 'status', '--home', home, '--serial', a.sign.serial.toLowerCase()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${a.sign.serial} card sign \\(CA generation 1\\)\\n  status: good\\n`));
    assert.equal((await cli(['ca', 'hold', '--home', home, '--serial', a.auth.serial])).stdout, 'held\n');
    const held = await ask(aAuth, 'auth');
    assert.equal(`${held.status}/${held.reason}`, 'revoked/certificateHold', held.out);
    assert.equal((await cli(['ca', 'release', '--home', home, '--serial', a.auth.serial])).stdout, 'released\n');
    assert.equal((await ask(aAuth, 'auth')).status, 'good');

    // A revocation by the CLI process: the running service's pre-signed answer flips within a second of the commit.
    const bSign = writePem(h(), 'b-sign.pem', pemToDer(b.sign.pem));
    assert.equal((await ask(bSign, 'sign', true)).status, 'good');
    const db: Database = await openDatabase(database);
    try {
      const revoking = cli(['ca', 'revoke', '--home', home, '--serial', b.sign.serial, '--reason', 'keyCompromise']);
      let committed = 0;
      let flipped = 0;
      const deadline = Date.now() + 20_000;
      while (flipped === 0 && Date.now() < deadline) {
        const [row] = await db.query<{ status: string }>('SELECT status FROM certificates WHERE serial = $1', [b.sign.serial]);
        const seen = Date.now();
        if (committed === 0 && row!.status === 'revoked') committed = seen;
        if (committed !== 0 && (await ask(bSign, 'sign', true)).status === 'revoked') flipped = Date.now();
        if (committed === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const revoked = await revoking;
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.equal(revoked.stdout, `revoked: ${b.sign.serial}\n`);
      assert.ok(committed > 0 && flipped > 0, 'the revocation was committed and answered');
      assert.ok(flipped - committed < 1_000, `visible ${flipped - committed} ms after the commit`);
    } finally {
      await db.close();
    }

    const [holdReason, twice, wrongPassphrase, noHome] = await Promise.all([
      cli(['ca', 'revoke', '--home', home, '--serial', a.auth.serial, '--reason', 'certificateHold']),
      cli(['ca', 'revoke', '--home', home, '--serial', b.sign.serial, '--reason', 'keyCompromise']),
      // The environment's passphrase comes before the file's: a wrong one does not open the CA keys.
      cli(['ca', 'status', '--home', home, '--serial', a.auth.serial], { JPKI_CA_PASSPHRASE: 'not-the-passphrase' }),
      cli(['ca', 'status', '--home', join(home, 'nowhere'), '--serial', '01']),
    ]);
    assert.equal(holdReason.code, 2, 'certificateHold is ca hold, not a revocation reason');
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /\[ERR_JPKI_ALREADY_REVOKED\]/);
    assert.equal(wrongPassphrase.code, 1);
    assert.match(wrongPassphrase.stderr, /\[ERR_JPKI_PASSPHRASE\]/);
    assert.equal(noHome.code, 1);
    assert.match(noHome.stderr, /\[ERR_HOME_MISSING\]/);
    const aSign = writePem(h(), 'a-sign.pem', pemToDer(a.sign.pem));
    assert.ok((await verifyChain(caFile('sign'), aSign)).ok);
  });

  it('ca rotate introduces a new generation that ca export lists, and audit verify passes', async () => {
    const rotated = await cli(['ca', 'rotate', '--home', home, '--hierarchy', 'sign']);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.equal(rotated.stdout, 'new CA generation sign/2\n');
    const out = join(home, 'export-2');
    const r = await cli(['ca', 'export', '--home', home, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /sign-1\.pem \(retired\)/);
    assert.match(r.stdout, /sign-2\.pem \(active\)/);
    assert.notDeepEqual(readFileSync(join(out, 'sign-2.pem')), readFileSync(join(out, 'sign-1.pem')));
    // The running service (another process) takes the new generation up from the change feed: what it
    // issues next is signed by sign/2 and served its OCSP answer.
    const deadline = Date.now() + 10_000;
    while ((await fetch(`${base()}/ca/sign/2.pem`)).status !== 200) {
      assert.ok(Date.now() < deadline, 'the running service serves generation 2 within 10 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const keys = await keyPool();
    const issued = await fetch(`${base()}/api/v1/card-certificates`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret('operators/office-1.token')}` },
      body: JSON.stringify(cardBody(keys[4]!, keys[5]!)),
    });
    assert.equal(issued.status, 201);
    const { sign } = (await issued.json()) as { sign: { serial: string; pem: string } };
    assert.ok(new X509Certificate(sign.pem).verify(new X509Certificate(readFileSync(join(out, 'sign-2.pem'))).publicKey), 'signed by generation 2');
    const signPem = writePem(h(), 'gen2-sign.pem', pemToDer(sign.pem));
    const answer = await ocsp({ issuer: join(out, 'sign-2.pem'), certs: [signPem], url: `${base()}/ocsp/sign` });
    assert.equal(answer.status, 'good');
    assert.equal(answer.verified, true);
    const audit = await cli(['audit', 'verify', '--home', home]);
    assert.equal(audit.code, 0, audit.stderr);
    assert.match(audit.stdout, /^audit log ok: \d+ entries, head \d+\n$/);
  });

  it('start stops on SIGTERM, saying so, with exit code 0', async () => {
    assert.ok(server && server.exitCode === null, 'still running');
    const exited = new Promise<number | null>((resolve) => server!.once('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(serverOut, /\nstopped\n$/);
    await assert.rejects(fetch(`${base()}/healthz`));
  });
});
