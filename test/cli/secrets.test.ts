import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { COMMANDS, main } from '../../src/cli/program.js';
import { startSystem, type RunningSystem } from '../../src/cli/runtime/jpki-system.js';
import { readSecretFile, secretFromEnv } from '../../src/services/home/index.js';
import { enumerateCommands, optionsOf } from '../helpers/cli-commands.js';
import { freePort } from '../helpers/net.js';
import { fromRoot } from '../helpers/paths.js';

/*
 * Secrets from a prompt, a file or the environment, never from flags (issue 6, CLI). Every command's
 * options are read from its usage text (program.ts COMMANDS, test/helpers/cli-commands.ts): none of
 * them carries a secret, and a secret typed as a flag is a usage error (exit 2) that does not echo it,
 * for every command line. Every secret variable `X` has a file source `X_FILE` (the first line of an
 * owner-only file): shown working, and refused with ERR_HOME_SECRET_FILE when the file is open to
 * others, empty, missing or given with `X` as well, for the app (card PIN and password, the new PIN and
 * password, the login PIN) and for operators (the call centre's token, the admin token).
 */

const BIN = fromRoot('dist', 'src', 'cli', 'main.js');
const SECRET_NAME = /pin|password|passphrase|token|secret|key|credential/;
const VALUE = 'S3CRET-4711';

function buffer() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out: () => out.join(''), err: () => err.join('') };
}

/** Runs `work` with these environment variables set (undefined: unset), then puts the environment back. */
async function withEnv<T>(vars: Record<string, string | undefined>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) if (v === undefined) delete process.env[k];
  else process.env[k] = v;
  try {
    return await work();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

describe('no command takes a secret as a flag', () => {
  const entries = enumerateCommands(COMMANDS);

  it('no option of any usage text is a secret: a secret-named option is a switch or names a file', () => {
    const options = COMMANDS.flatMap((c) => optionsOf(c.usage).map((o) => ({ command: c.name, ...o })));
    assert.ok(options.length > 60, `${options.length} options found`);
    const secretNamed = options.filter((o) => SECRET_NAME.test(o.name));
    for (const o of secretNamed) {
      assert.ok(o.value === null || o.value === 'FILE' || o.value === 'DIR', `${o.command} --${o.name} ${o.value ?? ''} takes a value: a secret on the command line`);
    }
    // What is there today: reset-pin's switches saying which secret to re-initialise, the ISD key file written by se create.
    assert.deepEqual(secretNamed.map((o) => `${o.command} --${o.name}${o.value ? ` ${o.value}` : ''}`).sort(), ['app --password', 'app --pin', 'se --keys-out FILE']);
  });

  it('a secret typed as a flag is a usage error (exit 2) on every command line, not echoed, nothing written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jpki-secrets-flags-'));
    const cwd = join(dir, 'cwd');
    mkdirSync(cwd);
    const savedCwd = process.cwd();
    process.chdir(cwd);
    const failures: string[] = [];
    try {
      await withEnv({ JPKI_MOBILE_HOME: join(dir, 'home') }, async () => {
        for (const words of entries) {
          for (const flag of ['--pin', '--password', '--passphrase', '--token', '--secret', '--key']) {
            for (const args of [[...words, flag, VALUE], [...words, `${flag}=${VALUE}`]]) {
              const b = buffer();
              const code = await main(args, b.io);
              if (code !== 2) failures.push(`${args.join(' ')}: exit ${code}`);
              if ((b.out() + b.err()).includes(VALUE)) failures.push(`${args.join(' ')}: the value is echoed`);
            }
          }
        }
      });
    } finally {
      process.chdir(savedCwd);
    }
    assert.deepEqual(failures, []);
    assert.ok(entries.length > 50, `${entries.length} command lines`);
    assert.deepEqual(readdirSync(cwd), []);
    assert.deepEqual(readdirSync(dir), ['cwd'], 'no home created');
    rmSync(dir, { recursive: true, force: true });
  });

  it('the built CLI: app login --pin 1234 is an unknown option (exit 2); reset-pin --pin 1234 does not show the 1234', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, JPKI_MOBILE_HOME: join(tmpdir(), 'jpki-no-such-home') }, encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => {
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
        });
      });
    const login = await run(['app', 'login', '--phone', 'nowhere', '--challenge', '00', '--pin', '1234']);
    assert.equal(login.code, 2);
    assert.match(login.stderr, /^jpki-mobile app: Unknown option '--pin'/);
    assert.ok(!login.stderr.includes('1234') && login.stdout === '');
    const reset = await run(['app', 'reset-pin', '--phone', 'nowhere', '--card', 'c.json', '--pin', '1234']);
    assert.equal(reset.code, 2);
    assert.match(reset.stderr, /unexpected argument 6 after the command \(not shown\): this command takes none, and secrets never go on the command line/);
    assert.ok(!reset.stderr.includes('1234'));
  });
});

describe('secret files: X_FILE beside every secret variable X', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'jpki-secret-files-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, content: string, mode = 0o600) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    chmodSync(path, mode);
    return path;
  };
  const refused = (why: RegExp) => (e: unknown) => (e as { code?: string }).code === 'ERR_HOME_SECRET_FILE' && why.test((e as Error).message);

  it('reads the first line of an owner-only file (LF or CR LF, white space trimmed); a PEM key whole', () => {
    assert.equal(secretFromEnv('X', { env: { X_FILE: file('a', '2468\n') } }), '2468');
    assert.equal(secretFromEnv('X', { env: { X_FILE: file('b', '  PHONEPW1\r\nsecond line\n') } }), 'PHONEPW1');
    assert.equal(secretFromEnv('X', { env: { X_FILE: file('c', 'no newline') } }), 'no newline');
    assert.equal(secretFromEnv('X', { env: { X: 'from env' } }), 'from env');
    assert.equal(secretFromEnv('X', { env: { X: '', X_FILE: '' } }), undefined);
    const pem = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----';
    assert.equal(secretFromEnv('X', { env: { X_FILE: file('pem', pem + '\n') }, multiline: true }), pem);
  });

  it('refuses a file others may read or write, an empty one, a missing one, a folder, and X with X_FILE', () => {
    for (const mode of [0o640, 0o604, 0o620, 0o644]) {
      assert.throws(() => secretFromEnv('X', { env: { X_FILE: file(`m${mode}`, '2468\n', mode) } }), refused(/can be read or written by other users \(mode 0\d+\): make it the owner's only \(chmod 600\)/), mode.toString(8));
    }
    assert.throws(() => secretFromEnv('X', { env: { X_FILE: file('empty', '') } }), refused(/has nothing on its first line/));
    assert.throws(() => secretFromEnv('X', { env: { X_FILE: file('blank', '\nsecret on line 2\n') } }), refused(/has nothing on its first line/));
    assert.throws(() => secretFromEnv('X', { env: { X_FILE: file('ws', '   \n') }, multiline: true }), refused(/is empty/));
    assert.throws(() => secretFromEnv('X', { env: { X_FILE: join(dir, 'missing') } }), refused(/cannot be read \(ENOENT\)/));
    assert.throws(() => readSecretFile(dir, '$X_FILE'), refused(/is not a regular file/));
    assert.throws(() => secretFromEnv('X', { env: { X: '1234', X_FILE: file('both', '1234\n') } }), refused(/\$X and \$X_FILE are both set/));
  });
});

describe('secret files for the app and the operators, against a running system (in process)', () => {
  let dir: string;
  let home: string;
  let system: RunningSystem;
  let phone: string;
  const card = () => join(dir, 'card.json');

  const file = (name: string, content: string, mode = 0o600) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    chmodSync(path, mode);
    return path;
  };
  const cli = async (args: string[], env: Record<string, string | undefined> = {}) => {
    const b = buffer();
    const code = await withEnv(env, () => main([...args], b.io));
    return { code, stdout: b.out(), stderr: b.err() };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jpki-secrets-system-'));
    home = join(dir, 'home');
    phone = join(dir, 'phone');
    const port = await freePort();
    assert.equal((await cli(['init', '--home', home, '--port', String(port)])).code, 0);
    assert.equal((await cli(['operator', 'add', '--home', home, '--id', 'callcentre-1', '--role', 'call-centre'])).code, 0);
    system = await startSystem(home, { port, ordersIntervalMs: 0 });
  });
  after(async () => {
    await system?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('card issue, phone new, app install and app issue with every secret from a file (asked for nothing)', { timeout: 120_000 }, async () => {
    const issued = await cli(['card', 'issue', '--home', home, '--out', card(), '--name', '山田 花子', '--address', '東京都千代田区永田町1-7-1', '--birth', '1985-04-01', '--sex', '2'], {
      JPKI_CARD_PIN_FILE: file('card.pin', '1234\n'),
      JPKI_CARD_PASSWORD_FILE: file('card.password', 'CARDPW1\r\n'),
    });
    assert.equal(issued.code, 0, issued.stderr);
    const admin = readFileSecret(join(home, 'secrets', 'admin.token'));
    const made = await cli(['phone', 'new', '--home', join(dir, 'elsewhere'), '--out', phone, '--url', system.url], { JPKI_ADMIN_TOKEN_FILE: file('admin.token', admin + '\n') });
    assert.equal(made.code, 0, made.stderr);
    assert.equal((await cli(['app', 'install', '--phone', phone])).code, 0);
    const secrets = { JPKI_CARD_PASSWORD_FILE: join(dir, 'card.password'), JPKI_NEW_PIN_FILE: file('new.pin', '2468\n'), JPKI_NEW_PASSWORD_FILE: file('new.password', 'PHONEPW1\n') };
    const open = await cli(['app', 'issue', '--phone', phone, '--card', card()], { ...secrets, JPKI_NEW_PIN_FILE: file('new.pin.open', '2468\n', 0o644) });
    assert.equal(open.code, 1);
    assert.match(open.stderr, /\$JPKI_NEW_PIN_FILE: .*new\.pin\.open can be read or written by other users .*chmod 600.* \[ERR_HOME_SECRET_FILE\]/);
    const app = await cli(['app', 'issue', '--phone', phone, '--card', card()], secrets);
    assert.equal(app.code, 0, app.stderr);
    assert.match(app.stdout, /issued: user-authentication certificate [0-9A-F]+/);
    for (const s of ['2468', 'PHONEPW1', 'CARDPW1', admin]) assert.ok(!(app.stdout + app.stderr + made.stdout).includes(s), 'no secret in the output');
  });

  it('app login with $JPKI_PIN_FILE; a refused file costs no PIN try', { timeout: 60_000 }, async () => {
    const ok = await cli(['app', 'login', '--phone', phone, '--challenge', '00112233'], { JPKI_PIN_FILE: file('pin', '2468\n') });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^certificate \S+\nsignature \S+\n$/);
    for (const [name, content, mode, why] of [
      ['pin.group', '2468\n', 0o640, /can be read or written by other users/],
      ['pin.empty', '\n', 0o600, /has nothing on its first line/],
    ] as const) {
      const r = await cli(['app', 'login', '--phone', phone, '--challenge', '00'], { JPKI_PIN_FILE: file(name, content, mode) });
      assert.equal(r.code, 1, name);
      assert.match(r.stderr, why);
      assert.match(r.stderr, /\[ERR_HOME_SECRET_FILE\]/);
    }
    const both = await cli(['app', 'login', '--phone', phone, '--challenge', '00'], { JPKI_PIN: '2468', JPKI_PIN_FILE: join(dir, 'pin') });
    assert.equal(both.code, 1);
    assert.match(both.stderr, /\$JPKI_PIN and \$JPKI_PIN_FILE are both set: give the secret one way \[ERR_HOME_SECRET_FILE\]/);
    // None of the refusals reached the applet: the first wrong PIN leaves 2 tries.
    const wrong = await cli(['app', 'login', '--phone', phone, '--challenge', '00'], { JPKI_PIN_FILE: file('pin.wrong', '0000\n') });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /The PIN is wrong; 2 tries left\. \[ERR_APP_SECRET_WRONG\]/);
    assert.equal((await cli(['app', 'login', '--phone', phone, '--challenge', '00'], { JPKI_PIN_FILE: join(dir, 'pin') })).code, 0);
  });

  it('an operator command (callcenter) with $JPKI_OPERATOR_TOKEN_FILE; the same refusals, nothing asked of the service', async () => {
    const token = readFileSecret(join(home, 'secrets', 'operators', 'callcentre-1.token'));
    const find = ['callcenter', 'find', '--name', '山田 花子', '--birth-date', '1985-04-01', '--home', home];
    const ok = await cli(find, { JPKI_OPERATOR_TOKEN_FILE: file('cc.token', `${token}\nnot part of it\n`) });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as { birthDate: string }).birthDate, '1985-04-01');
    const audits = async () => (await cli(['audit', 'verify', '--home', home])).stdout;
    const before = await audits();
    for (const [env, why] of [
      [{ JPKI_OPERATOR_TOKEN_FILE: file('cc.world', token + '\n', 0o644) }, /cc\.world can be read or written by other users \(mode 0644\)/],
      [{ JPKI_OPERATOR_TOKEN_FILE: file('cc.empty', '') }, /cc\.empty has nothing on its first line/],
      [{ JPKI_OPERATOR_TOKEN_FILE: join(dir, 'cc.missing') }, /cc\.missing cannot be read \(ENOENT\)/],
      [{ JPKI_OPERATOR_TOKEN: token, JPKI_OPERATOR_TOKEN_FILE: join(dir, 'cc.token') }, /both set/],
    ] as const) {
      const r = await cli(find, env);
      assert.equal(r.code, 1, JSON.stringify(env));
      assert.match(r.stderr, why);
      assert.match(r.stderr, /\[ERR_HOME_SECRET_FILE\]/);
      assert.ok(!r.stderr.includes(token), 'the token is not shown');
    }
    assert.equal(await audits(), before, 'no request reached the service');
    assert.ok(existsSync(join(dir, 'cc.token')));
  });
});

function readFileSecret(path: string): string {
  return readSecretFile(path, path);
}
