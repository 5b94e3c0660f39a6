import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MemoryChallengeStore, RelyingParty } from '../../src/sdk/index.js';
import { freePort } from '../helpers/jpki.js';
import { fromRoot } from '../helpers/paths.js';

/**
 * The phone and app commands against `jpki-mobile start` in its own process: phone new (element
 * registered through the maker endpoint), card issue, app install (preparation), app issue (secrets
 * from the environment), app login, app sign, shop check, phone reset — each a process of its own, the
 * phone living in its folder between them.
 */

const BIN = fromRoot('dist', 'src', 'cli', 'main.js');

describe('jpki-mobile phone / app / shop against a running system', () => {
  let home: string;
  let dir: string;
  let server: ChildProcess | undefined;
  let url: string;
  let env: NodeJS.ProcessEnv;

  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [BIN, ...args], { env: { ...env, ...extra }, encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
    });

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'jpki-app-cli-'));
    dir = join(home, 'phones', 'one');
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
  after(() => {
    if (server && server.exitCode === null) server.kill('SIGTERM');
    rmSync(home, { recursive: true, force: true });
  });

  it('walks phone new, app install, app issue, app login, app sign, shop check and phone reset', async () => {
    const made = await cli(['phone', 'new', '--out', dir, '--url', url, '--model', 'CLI Phone']);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /secure element [0-9A-F]{8}-[0-9A-F]{8}-[0-9A-F]{4} registered/);
    assert.equal(statSync(join(dir, 'device.key')).mode & 0o777, 0o600);
    assert.equal((await cli(['phone', 'new', '--out', dir, '--url', url])).code, 1);

    const clean = await cli(['shop', 'check', '--phone', dir]);
    assert.equal(clean.code, 0, clean.stderr);
    assert.match(clean.stdout, /^clean$/m);

    const installed = await cli(['app', 'install', '--phone', dir]);
    assert.equal(installed.code, 0, installed.stderr);
    assert.match(installed.stdout, /prepared: app instance app_/);

    const card = join(home, 'card.json');
    const issuedCard = await cli(['card', 'issue', '--out', card, '--name', '山田 花子', '--address', '東京都千代田区永田町1-7-1', '--birth', '1985-04-01', '--sex', '2'], { JPKI_CARD_PIN: '1234', JPKI_CARD_PASSWORD: 'CARDPW1' });
    assert.equal(issuedCard.code, 0, issuedCard.stderr);

    const secrets = { JPKI_CARD_PASSWORD: 'CARDPW1', JPKI_NEW_PIN: '2468', JPKI_NEW_PASSWORD: 'PHONEPW1' };
    const wrongCard = await cli(['app', 'issue', '--phone', dir, '--card', card], { ...secrets, JPKI_CARD_PASSWORD: 'WRONGPW' });
    assert.equal(wrongCard.code, 1);
    assert.match(wrongCard.stderr, /signature password is wrong; 4 tries left\. \[ERR_APP_CARD_PASSWORD_WRONG\]/);
    const issued = await cli(['app', 'issue', '--phone', dir, '--card', card], secrets);
    assert.equal(issued.code, 0, issued.stderr);
    assert.match(issued.stdout, /issued: user-authentication certificate [0-9A-F]+/);
    // No secret reached the app's data file or the output.
    const data = readFileSync(join(dir, 'app-data.json'), 'utf8');
    for (const s of ['2468', 'PHONEPW1', 'CARDPW1']) assert.ok(!data.includes(s) && !issued.stdout.includes(s), s);

    const rp = new RelyingParty({
      trustAnchors: { auth: [new Uint8Array(await (await fetch(`${url}/ca/auth/1.crt`)).arrayBuffer())], sign: [new Uint8Array(await (await fetch(`${url}/ca/sign/1.crt`)).arrayBuffer())] },
      rpId: 'portal.example.jp',
      login: { challengeStore: new MemoryChallengeStore() },
    });
    const challenge = await rp.generateLoginChallenge();
    const login = await cli(['app', 'login', '--phone', dir, '--challenge', Buffer.from(challenge.bytes).toString('hex')], { JPKI_PIN: '2468' });
    assert.equal(login.code, 0, login.stderr);
    const certificate = /^certificate (\S+)$/m.exec(login.stdout)![1]!;
    const signature = /^signature (\S+)$/m.exec(login.stdout)![1]!;
    const v = await rp.verifyLoginResponse({ challenge: challenge.encoded, certificate, signature });
    assert.equal(v.kind, 'phone-auth');
    const wrongPin = await cli(['app', 'login', '--phone', dir, '--challenge', '00'], { JPKI_PIN: '0000' });
    assert.equal(wrongPin.code, 1);
    assert.match(wrongPin.stderr, /The PIN is wrong; 2 tries left\. \[ERR_APP_SECRET_WRONG\]/);

    const doc = join(home, 'application.txt');
    writeFileSync(doc, 'moving-in notification\n');
    const signed = await cli(['app', 'sign', '--phone', dir, '--file', doc], { JPKI_PASSWORD: 'PHONEPW1' });
    assert.equal(signed.code, 0, signed.stderr);
    const verified = await rp.verifySignedDocument({ content: new Uint8Array(readFileSync(doc)), cms: new Uint8Array(readFileSync(`${doc}.p7s`)) });
    assert.equal(verified.basicFour.birthDate, '1985-04-01');

    const present = await cli(['shop', 'check', '--phone', dir], { JPKI_PIN: '2468' });
    assert.equal(present.code, 3, present.stderr);
    assert.match(present.stdout, /^certificates present \(valid\)$/m);
    assert.match(present.stdout, /token label JPKIAPGPSETOKEN/);

    const reset = await cli(['phone', 'reset', '--phone', dir]);
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /told: jpki-se-agent, push-agent/);
    assert.doesNotMatch(reset.stdout, /pending/);
    const afterReset = await cli(['shop', 'check', '--phone', dir]);
    assert.equal(afterReset.code, 0, afterReset.stderr);
    assert.match(afterReset.stdout, /^clean$/m);
    const gone = await cli(['app', 'login', '--phone', dir, '--challenge', '00'], { JPKI_PIN: '2468' });
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /\[ERR_APP_NOT_PREPARED\]/);
  });

  it('app uninstall: the push component ends the app\'s registration at the push service; the app\'s data goes with it', async () => {
    const two = join(home, 'phones', 'two');
    assert.equal((await cli(['phone', 'new', '--out', two, '--url', url, '--model', 'CLI Phone 2'])).code, 0);
    const installed = await cli(['app', 'install', '--phone', two]);
    assert.equal(installed.code, 0, installed.stderr);
    const device = JSON.parse(readFileSync(join(two, 'push.json'), 'utf8')) as { deviceId: string; deviceSecret: string };
    const registrations = async () => {
      const res = await fetch(`${url}/push/v1/devices/${device.deviceId}`, { headers: { authorization: `Bearer ${device.deviceSecret}` } });
      assert.equal(res.status, 200);
      return ((await res.json()) as { registrations: { appId: string }[] }).registrations.map((r) => r.appId);
    };
    assert.deepEqual(await registrations(), ['jp.go.jpki.mobile']);
    const removed = await cli(['app', 'uninstall', '--phone', two]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /^uninstalled jp\.go\.jpki\.mobile$/m);
    assert.match(removed.stdout, /the push service was told: the app's push token is dead/);
    assert.deepEqual(await registrations(), []);
    assert.equal(existsSync(join(two, 'app-data.json')), false);
    const again = await cli(['app', 'uninstall', '--phone', two]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /jp\.go\.jpki\.mobile is not installed on this phone \[ERR_CLI_PHONE\]/);
  });
});
