import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileCardStore } from '../../../src/card/index.js';
import { IdCard, type IdCardState } from '../../../src/devices/id-card/index.js';
import { fromRoot } from '../../helpers/paths.js';
import { SELECT_AP, selectEf, send, verifyApdu } from './helpers.js';

/** `jpki-mobile card …` as a user runs it: a separate process, a home made by `jpki-mobile init`. */

const BIN = fromRoot('dist', 'src', 'cli', 'main.js');

interface Result {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    const clean = { ...process.env };
    delete clean.JPKI_CARD_PIN;
    delete clean.JPKI_CARD_PASSWORD;
    const child = execFile(cmd, args, { env: { ...clean, ...env }, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    child.stdin?.end();
  });
}

const cli = (args: string[], env: Record<string, string> = {}) => run(process.execPath, [BIN, ...args], env);

let dir: string;
let home: string;
let card: string;
const SECRETS = { JPKI_CARD_PIN: '1234', JPKI_CARD_PASSWORD: 'ABC123' };
const PERSON = ['--name', '鈴木\u3000一郎', '--address', '北海道札幌市中央区北1条西2丁目', '--birth', '1985-07-07', '--sex', '1'];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'card-cli-'));
  home = join(dir, 'home');
  card = join(dir, 'card.json');
  const init = await cli(['init', '--home', home]);
  assert.equal(init.status, 0, init.stderr);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('jpki-mobile card', () => {
  it('issue: certificates from the home\'s service, an owner-only card file; never overwrites it', async () => {
    const r = await cli(['card', 'issue', '--home', home, '--out', card, ...PERSON, '--card-expiry', '2034-12-31'], SECRETS);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^issued card .*card\.json\n/);
    assert.match(r.stdout, /signature certificate: [0-9A-F]+ /);
    assert.equal(statSync(card).mode & 0o777, 0o600);
    assert.ok(!r.stdout.includes('ABC123') && !r.stdout.includes('1234\n'));
    const again = await cli(['card', 'issue', '--home', home, '--out', card, ...PERSON], SECRETS);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /\[ERR_CARD_STATE_EXISTS\]/);
  });

  it('issue: without the variables and without a terminal it says how to give the PIN; a malformed PIN is refused; no file is left', async () => {
    const out = join(dir, 'none.json');
    const issue = (env: Record<string, string>, person = PERSON) => cli(['card', 'issue', '--home', home, '--out', out, ...person], env);
    const [noSecret, noPassword, badPin, badPassword, badSex] = await Promise.all([
      issue({}),
      issue({ JPKI_CARD_PIN: '1234' }),
      issue({ ...SECRETS, JPKI_CARD_PIN: '12345' }),
      issue({ ...SECRETS, JPKI_CARD_PASSWORD: 'abc123' }),
      issue(SECRETS, [...PERSON.slice(0, -1), '4']),
    ]);
    assert.equal(noSecret.status, 1);
    assert.match(noSecret.stderr, /JPKI_CARD_PIN.*terminal.*\[ERR_CLI_SECRET_UNAVAILABLE\]/);
    assert.match(noPassword.stderr, /JPKI_CARD_PASSWORD/);
    assert.equal(badPin.status, 1);
    assert.match(badPin.stderr, /\[ERR_ID_CARD_PIN_FORMAT\]/);
    assert.match(badPassword.stderr, /\[ERR_ID_CARD_PASSWORD_FORMAT\]/);
    assert.equal(badSex.status, 2);
    assert.equal(existsSync(out), false);
  });

  it('show: holder, serials, validity, tries left; no secret', async () => {
    const r = await cli(['card', 'show', card]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /holder: 鈴木\u3000一郎/);
    assert.match(r.stdout, /card expiry: 2034-12-31/);
    assert.match(r.stdout, /signature certificate \(EF 0001\): serial [0-9A-F]+\n/);
    assert.match(r.stdout, /valid: \S+ \.\. \S+/);
    assert.match(r.stdout, /PIN \(EF 0018\): 3 of 3 tries left\n/);
    assert.match(r.stdout, /password \(EF 001B\): 5 of 5 tries left\n/);
    const state = JSON.parse(readFileSync(card, 'utf8')) as IdCardState;
    for (const secret of ['PRIVATE KEY', state.jpki.files['0018'].hash, state.jpki.files['001B'].salt]) assert.ok(!r.stdout.includes(secret));
  });

  it('export-certs: sign.pem and auth.pem verify with openssl against the exported CA certificates', async () => {
    const out = join(dir, 'certs');
    const r = await cli(['card', 'export-certs', card, '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    for (const f of ['sign.pem', 'auth.pem', 'sign-ca.pem', 'auth-ca.pem']) assert.ok(existsSync(join(out, f)), f);
    const sign = await run('openssl', ['verify', '-CAfile', join(out, 'sign-ca.pem'), join(out, 'sign.pem')]);
    assert.equal(sign.status, 0, sign.stderr);
    assert.match(sign.stdout, /sign\.pem: OK/);
    const auth = await run('openssl', ['verify', '-CAfile', join(out, 'auth-ca.pem'), join(out, 'auth.pem')]);
    assert.equal(auth.status, 0, auth.stderr);
    const crossed = await run('openssl', ['verify', '-CAfile', join(out, 'auth-ca.pem'), join(out, 'sign.pem')]);
    assert.notEqual(crossed.status, 0, 'the wrong CA does not verify');
  });

  it('reset-pin: a PIN blocked through APDUs is unblocked with the new value from the environment; the file stays 0600', async () => {
    const ic = await IdCard.open(new FileCardStore<IdCardState>(card));
    await ic.powerOn();
    await send(ic, SELECT_AP);
    await send(ic, selectEf('0018'));
    for (let i = 0; i < 3; i++) await send(ic, verifyApdu('0000'));
    assert.equal(await send(ic, verifyApdu('1234')), '6984');
    assert.match((await cli(['card', 'show', card])).stdout, /PIN \(EF 0018\): 0 of 3 tries left, BLOCKED/);
    const r = await cli(['card', 'reset-pin', card], { JPKI_CARD_PIN: '2468' });
    assert.equal(r.status, 0, r.stderr);
    assert.match((await cli(['card', 'show', card])).stdout, /PIN \(EF 0018\): 3 of 3 tries left\n/);
    assert.equal(statSync(card).mode & 0o777, 0o600);
    const fresh = await IdCard.open(new FileCardStore<IdCardState>(card));
    await fresh.powerOn();
    await send(fresh, SELECT_AP);
    await send(fresh, selectEf('0018'));
    assert.equal(await send(fresh, verifyApdu('2468')), '9000');
    const pw = await cli(['card', 'reset-password', card], { JPKI_CARD_PASSWORD: 'NEWPASS2026' });
    assert.equal(pw.status, 0, pw.stderr);
    const noValue = await cli(['card', 'reset-password', card]);
    assert.match(noValue.stderr, /\[ERR_CLI_SECRET_UNAVAILABLE\]/);
  });

  it('revoke: affiliationChanged revokes the signature certificate only, keyCompromise the rest', async () => {
    const state = JSON.parse(readFileSync(card, 'utf8')) as IdCardState;
    const show = (await cli(['card', 'show', card])).stdout;
    const [signSerial, authSerial] = [...show.matchAll(/serial ([0-9A-F]+)/g)].map((m) => m[1]!);
    assert.ok(signSerial && authSerial && state);
    const moved = await cli(['card', 'revoke', card, '--reason', 'affiliationChanged', '--home', home]);
    assert.equal(moved.status, 0, moved.stderr);
    const status = async (serial: string) => (await cli(['ca', 'status', '--serial', serial, '--home', home])).stdout;
    const [signAfterMove, authAfterMove] = await Promise.all([status(signSerial), status(authSerial)]);
    assert.match(signAfterMove, /status: revoked \(affiliationChanged/);
    assert.match(authAfterMove, /status: good/);
    const lost = await cli(['card', 'revoke', card, '--reason', 'keyCompromise', '--home', home]);
    assert.equal(lost.status, 0, lost.stderr);
    assert.match(lost.stdout, /revoked already/);
    assert.match(await status(authSerial), /status: revoked \(keyCompromise/);
    assert.equal((await cli(['card', 'revoke', card, '--reason', 'nonsense', '--home', home])).status, 2);
  });

  it('has --help for the command and every subcommand', async () => {
    const subs = ['', 'issue', 'show', 'export-certs', 'renew', 'reset-pin', 'reset-password', 'revoke'];
    const results = await Promise.all(subs.map((sub) => cli(['card', ...(sub ? [sub] : []), '--help'])));
    results.forEach((r, i) => {
      assert.equal(r.status, 0, subs[i]);
      assert.match(r.stdout, /^Usage: jpki-mobile card issue/);
      if (subs[i]) assert.match(r.stdout, new RegExp(`\\n${subs[i]} +`));
    });
  });
});
