import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { PushDeviceClient, PushSender } from '../../../src/services/push/index.js';
import { freePort } from '../../helpers/jpki.js';
import { fromRoot } from '../../helpers/paths.js';
import { forEachDialect } from '../../helpers/postgres.js';
import { isCode } from './support/expect.js';

/**
 * The push service as `jpki-mobile start` runs it, next to the certification service: a sender
 * created by `jpki-mobile push sender add`, messages committed before the process is killed
 * (SIGKILL: no shutdown code runs) and delivered by the restarted process from the same database
 * (a file-backed SQLite database, or PostgreSQL), and a clean stop that does not wait for long-polls.
 */

const BIN = fromRoot('dist', 'src', 'cli', 'main.js');
const APP = 'jp.go.jpki.mobile';

interface Exit {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

forEachDialect('push: jpki-mobile start, push sender add, kill and restart', (ctx) => {
  let home: string;
  let port: number;
  let env: NodeJS.ProcessEnv;
  let server: ChildProcess | undefined;
  const base = () => `http://127.0.0.1:${port}`;
  const cli = (args: string[]): Promise<Exit> =>
    new Promise((resolve) => {
      execFile(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
    });
  const start = async (): Promise<ChildProcess> => {
    const child = spawn(process.execPath, [BIN, 'start', '--home', home, '--port', String(port)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "running at" in: ${out}`)), 30_000);
      child.stdout!.on('data', () => out.includes('running at') && (clearTimeout(timer), resolve()));
      child.once('exit', (code) => reject(new Error(`start exited with ${code}: ${out}`)));
    });
    return child;
  };
  const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'jpki-push-'));
    port = await freePort();
    const database = await ctx.freshConfig();
    env = { PATH: process.env.PATH, ...(database.kind === 'postgres' ? { JPKI_MOBILE_DATABASE_URL: database.connectionString } : {}) };
    const init = await cli(['init', '--home', home, '--port', String(port)]);
    assert.equal(init.code, 0, init.stderr);
  });
  after(async () => {
    if (server && server.exitCode === null) server.kill('SIGKILL');
    rmSync(home, { recursive: true, force: true });
  });

  it('push sender add writes an owner-only token file, never prints the token, and refuses a duplicate or a bad name', async () => {
    const r = await cli(['push', 'sender', 'add', 'sei-tsm', '--home', home]);
    assert.equal(r.code, 0, r.stderr);
    const file = join(home, 'secrets', 'push-senders', 'sei-tsm.token');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(home, 'secrets', 'push-senders')).mode & 0o777, 0o700);
    const token = readFileSync(file, 'utf8').trim();
    assert.match(token, /^push_[A-Za-z0-9_-]{43}$/);
    assert.ok(!r.stdout.includes(token));
    const [again, bad, usage, noName] = await Promise.all([
      cli(['push', 'sender', 'add', 'sei-tsm', '--home', home]),
      cli(['push', 'sender', 'add', 'SP TSM', '--home', home]),
      cli(['push', 'topic', 'add', 'x', '--home', home]),
      cli(['push', 'sender', 'add', '--home', home]),
    ]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /\[ERR_PUSH_REQUEST\]/);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /\[ERR_PUSH_REQUEST\]/);
    assert.equal(usage.code, 2);
    assert.equal(noName.code, 2);
  });

  it('a message committed before a SIGKILL is delivered by the restarted process; acknowledged ones stay delivered', async () => {
    server = await start();
    // The certification service still answers next to the push service.
    assert.equal((await fetch(`${base()}/healthz`)).status, 200);
    const sender = new PushSender({ baseUrl: base(), token: readFileSync(join(home, 'secrets', 'push-senders', 'sei-tsm.token'), 'utf8').trim() });
    const enrolled = await PushDeviceClient.enrol({ baseUrl: base() });
    const { token } = await enrolled.register(APP);
    const first = await sender.send({ token, data: { order: 'first' } });
    assert.deepEqual((await enrolled.poll(0)).map((m) => m.id), [first.id]);
    await enrolled.ack([first.id]);
    const handedOver = await sender.send({ token, data: { order: 'handed over, not acknowledged' } });
    assert.deepEqual((await enrolled.poll(0)).map((m) => m.id), [handedOver.id]);
    const waiting = await sender.send({ token, data: { order: 'still waiting' }, collapseKey: 'k' });

    server.kill('SIGKILL');
    await exited(server);
    await assert.rejects(sender.status(first.id), isCode('ERR_PUSH_CLIENT_NETWORK'));

    server = await start();
    // The device kept its credential across the service's restart.
    const phone = new PushDeviceClient({ baseUrl: base(), credential: enrolled.credential });
    const again = await phone.poll(0);
    assert.deepEqual(again.map((m) => [m.id, m.attempt]), [[handedOver.id, 2], [waiting.id, 1]]);
    assert.deepEqual(again[1]!.data, { order: 'still waiting' });
    await phone.ack(again.map((m) => m.id));
    for (const m of [first, handedOver, waiting]) assert.equal((await sender.status(m.id)).status, 'delivered');
    assert.equal((await sender.status(first.id)).attempts, 1);
  });

  it('SIGTERM stops at once even with a long-poll waiting (it is answered empty)', async () => {
    const phone = await PushDeviceClient.enrol({ baseUrl: base() });
    await phone.register(APP);
    const poll = phone.poll(20).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    server!.kill('SIGTERM');
    assert.equal(await exited(server!), 0);
    assert.ok(Date.now() - t0 < 10_000, `stopped in ${Date.now() - t0} ms, not after the poll's 20 s`);
    assert.deepEqual(await poll, []);
  });
});
