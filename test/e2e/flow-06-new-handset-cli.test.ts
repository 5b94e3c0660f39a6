import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openPhoneDir } from '../../src/app/index.js';
import { freePort } from '../helpers/jpki.js';
import { fromRoot } from '../helpers/paths.js';
import { ISSUED, jpkiOnElement, WIPED, type JpkiOnElement } from './support/element-status.js';

/**
 * Flow 6 across separate processes over real HTTP: `jpki-mobile start` in a child process, and every
 * step of two phones a `jpki-mobile` process of its own, each phone living in its folder between them:
 * phone new, app install and app issue on each (the same card), app status on the new one showing that
 * the old phone has not deleted its keys yet, app run --once on the old one wiping its applet (seen in
 * its element.json, and by GET STATUS through the ISD), the warning gone; then flow 7 from the new phone
 * with app revoke, and the bounded push loop (app run --timeout). Between two commands the test opens a
 * phone's folder itself to read its element's contents by GET STATUS, with the SEI-TSM's ISD keys from
 * the home (support/element-status.ts), as the issuer would.
 */

const BIN = fromRoot('dist', 'src', 'cli', 'main.js');

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The JPKI applet's keys and certificates in a phone's element.json (the secure element's persistent registry). */
function appletOf(dir: string): { keys: Record<string, unknown>; certificates: Record<string, unknown> } {
  const state = JSON.parse(readFileSync(join(dir, 'element.json'), 'utf8')) as { registry: { aid: string; data: { keys: Record<string, unknown>; certificates: Record<string, unknown> } }[] };
  const entry = state.registry.find((e) => e.aid.toUpperCase() === 'D392F000260100000001');
  assert.ok(entry, 'the JPKI applet is installed');
  return entry.data;
}

/** The JPKI entries of the element of the phone in DIR, by GET STATUS through its ISD (no CLI process holds the folder meanwhile). */
async function jpkiIn(home: string, dir: string, seId: string): Promise<JpkiOnElement> {
  const opened = await openPhoneDir(dir);
  try {
    return await jpkiOnElement({ home }, { phone: opened.phone, seId });
  } finally {
    await opened.close();
  }
}

describe('flow 6 with the CLI: two phones, each step a process of its own', () => {
  let home: string;
  let server: ChildProcess | undefined;
  let url: string;
  let env: NodeJS.ProcessEnv;
  const oldDir = () => join(home, 'phones', 'old');
  const newDir = () => join(home, 'phones', 'new');
  let oldSeId: string;
  let newSeId: string;

  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}, input = '') =>
    new Promise<Run>((resolve) => {
      const child = execFile(process.execPath, [BIN, ...args], { env: { ...env, ...extra }, encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
      child.stdin!.end(input);
    });

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'jpki-e2e-cli-'));
    env = { PATH: process.env.PATH, JPKI_MOBILE_HOME: home };
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    let out = '';
    server = spawn(process.execPath, [BIN, 'start', '--port', String(port)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "running at" in: ${out}`)), 60_000);
      server!.stdout!.on('data', () => out.includes('running at') && (clearTimeout(timer), resolve()));
      server!.once('exit', (code) => reject(new Error(`start exited with ${code}: ${out}`)));
    });
    assert.equal((await cli(['operator', 'add', '--id', 'office-1', '--role', 'office'])).code, 0);
  });
  after(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('two phones issued with the same card: the new one warns that the old one has not deleted its keys', async () => {
    const made = await cli(['phone', 'new', '--out', oldDir(), '--url', url, '--model', 'Old Phone']);
    assert.equal(made.code, 0, made.stderr);
    oldSeId = /secure element (\S+) registered/.exec(made.stdout)![1]!;
    const madeNew = await cli(['phone', 'new', '--out', newDir(), '--url', url, '--model', 'New Phone']);
    assert.equal(madeNew.code, 0, madeNew.stderr);
    newSeId = /secure element (\S+) registered/.exec(madeNew.stdout)![1]!;
    for (const dir of [oldDir(), newDir()]) {
      const r = await cli(['app', 'install', '--phone', dir]);
      assert.equal(r.code, 0, r.stderr);
    }
    const card = join(home, 'card.json');
    const issuedCard = await cli(['card', 'issue', '--out', card, '--name', '山田 花子', '--address', '東京都千代田区永田町1-7-1', '--birth', '1985-04-01', '--sex', '2'], { JPKI_CARD_PIN: '1234', JPKI_CARD_PASSWORD: 'CARDPW1' });
    assert.equal(issuedCard.code, 0, issuedCard.stderr);
    const secrets = { JPKI_CARD_PASSWORD: 'CARDPW1', JPKI_NEW_PIN: '2468', JPKI_NEW_PASSWORD: 'PHONEPW1' };
    for (const dir of [oldDir(), newDir()]) {
      const r = await cli(['app', 'issue', '--phone', dir, '--card', card], secrets);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.ok(Object.keys(appletOf(oldDir()).keys).length === 2);
    assert.deepEqual(await jpkiIn(home, oldDir(), oldSeId), ISSUED);
    assert.deepEqual(await jpkiIn(home, newDir(), newSeId), ISSUED);

    // The server's order desk runs every 2 s: ask until the order and its push message are there (bounded).
    let status: Run | undefined;
    for (let i = 0; i < 30 && !status; i++) {
      const r = await cli(['app', 'status', '--phone', newDir()]);
      assert.equal(r.code, 0, r.stderr);
      if (r.stdout.includes('push pending')) status = r;
      else await new Promise((res) => setTimeout(res, 500));
    }
    assert.ok(status, 'the deletion order appeared');
    assert.match(status.stdout, /^user-authentication certificate [0-9A-F]+: good \(ocsp\)$/m);
    assert.match(status.stdout, /^signature certificate [0-9A-F]+: good \(ocsp\)$/m);
    assert.match(status.stdout, new RegExp(`^old phone ${oldSeId}: deletion waiting \\(order del_[0-9a-f]+ pending, push pending\\)$`, 'm'));
    assert.match(status.stdout, new RegExp(`^warning: Your old phone \\(secure element ${oldSeId}\\) has not deleted its JPKI keys yet.*reset it \\(factory reset\\) or take it to a shop\\.$`, 'm'));
    const json = await cli(['app', 'status', '--phone', oldDir(), '--json']);
    assert.equal(json.code, 0, json.stderr);
    const oldStatus = JSON.parse(json.stdout) as { certificates: { state: string; reason?: string }[] };
    assert.deepEqual(oldStatus.certificates.map((c) => [c.state, c.reason]), [['revoked', 'superseded'], ['revoked', 'superseded']]);
  });

  it('app run --once on the old phone takes the push message and wipes its applet; the warning goes', async () => {
    const run = await cli(['app', 'run', '--phone', oldDir(), '--once']);
    assert.equal(run.code, 0, run.stderr);
    // The session marks the superseded certificates revoked, then wipes.
    assert.match(run.stdout, /^push: delete session ses_[0-9a-f]+ completed \(wiped; marked revoked: [0-9A-F]+, [0-9A-F]+\)$/m);
    assert.match(run.stdout, /^sync: session ses_[0-9a-f]+ completed$/m);
    assert.match(run.stdout, /^done: 1 poll, 2 sessions, 0 errors$/m);
    assert.deepEqual(appletOf(oldDir()), { ...appletOf(oldDir()), keys: {}, certificates: {} });
    assert.deepEqual(await jpkiIn(home, oldDir(), oldSeId), WIPED);
    const old = await cli(['app', 'status', '--phone', oldDir()]);
    assert.match(old.stdout, /^no certificate on this phone$/m);
    const status = await cli(['app', 'status', '--phone', newDir()]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`^old phone ${oldSeId}: deletion confirmed \\(order del_[0-9a-f]+ done, push (pending|delivered)\\)$`, 'm'));
    assert.doesNotMatch(status.stdout, /^warning:/m);
  });

  it('app revoke on the new phone asks first; with --yes and the PIN it revokes both and deletes the keys (flow 7)', async () => {
    const refused = await cli(['app', 'revoke', '--phone', newDir()], { JPKI_PIN: '2468' }, 'no\n');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /nothing was revoked \[ERR_CLI_NOT_CONFIRMED\]/);
    assert.equal(Object.keys(appletOf(newDir()).keys).length, 2);
    const wrong = await cli(['app', 'revoke', '--phone', newDir(), '--yes'], { JPKI_PIN: '0000' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /The PIN is wrong; 2 tries left\. \[ERR_APP_SECRET_WRONG\]/);
    // Confirmation and PIN on standard input, one line each.
    const revoked = await cli(['app', 'revoke', '--phone', newDir()], {}, 'yes\n2468\n');
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, /^revoked \(cessationOfOperation\): (user-authentication|signature) certificate [0-9A-F]+, (user-authentication|signature) certificate [0-9A-F]+$/m);
    assert.match(revoked.stdout, /the keys and certificates on this phone are deleted/);
    assert.deepEqual(appletOf(newDir()).keys, {});
    assert.deepEqual(await jpkiIn(home, newDir(), newSeId), WIPED);
    const again = await cli(['app', 'revoke', '--phone', newDir(), '--yes'], { JPKI_PIN: '2468' });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /\[ERR_APP_NOT_ISSUED\]/);
  });

  it('app run --timeout is bounded; bad options are usage errors', async () => {
    const started = Date.now();
    const run = await cli(['app', 'run', '--phone', newDir(), '--timeout', '2', '--poll', '1']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^done: \d+ polls, 1 session, 0 errors$/m);
    assert.ok(Date.now() - started < 30_000);
    for (const args of [['--timeout', '0'], ['--timeout', 'x'], ['--once', '--timeout', '5'], ['--poll', '26']]) {
      const r = await cli(['app', 'run', '--phone', newDir(), ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    }
  });
});
