import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { COMMANDS, main } from '../../src/cli/program.js';
import { enumerateCommands } from '../helpers/cli-commands.js';
import { fromRoot } from '../helpers/paths.js';

/*
 * `--help` on every command and subcommand. The list is read, not written here: the commands of
 * program.ts COMMANDS, the first word of each two-word command ('shop' of 'shop check'), and the
 * subcommands each usage text names in its synopsis ('jpki-mobile app install ...', 'jpki-mobile push
 * sender add ...'), in its list of subcommands at the left margin ('install   installs ...'), or in its
 * "ACTION is one of" list (callcenter): test/helpers/cli-commands.ts. A command added later, or a
 * subcommand added to a usage text, is covered without touching this file.
 */

const BIN = fromRoot('dist', 'src', 'cli', 'main.js');

function buffer() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out: () => out.join(''), err: () => err.join('') };
}

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('--help on every command and subcommand', () => {
  let dir: string;
  let home: string;
  let cwd: string;
  const saved = { home: process.env.JPKI_MOBILE_HOME, cwd: process.cwd() };
  const entries = enumerateCommands(COMMANDS);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'jpki-help-'));
    home = join(dir, 'home');
    cwd = join(dir, 'cwd');
    mkdirSync(cwd);
    process.env.JPKI_MOBILE_HOME = home;
  });
  after(() => {
    if (saved.home === undefined) delete process.env.JPKI_MOBILE_HOME;
    else process.env.JPKI_MOBILE_HOME = saved.home;
    process.chdir(saved.cwd);
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the commands and the subcommands of the usage texts', () => {
    const names = entries.map((e) => e.join(' '));
    // A sample of each way a subcommand is found: a synopsis line, two words, a placeholder list, a group.
    for (const expected of ['card issue', 'card attach', 'app login', 'push sender add', 'callcenter suspend', 'se attach', 'shop', 'shop check', 'tsm trace']) {
      assert.ok(names.includes(expected), `${expected} in ${names.join(', ')}`);
    }
    for (const c of COMMANDS) assert.ok(names.includes(c.name), c.name);
    assert.ok(entries.length > COMMANDS.length + 20, `${entries.length} entries`);
  });

  it('prints the usage and returns 0 for --help, -h and help NAME, touching nothing', async () => {
    process.chdir(cwd);
    for (const words of entries) {
      for (const args of [[...words, '--help'], [...words, '-h'], ['help', ...words]]) {
        const b = buffer();
        const code = await main(args, b.io);
        const shown = args.join(' ');
        assert.equal(code, 0, `${shown}: ${b.err()}`);
        assert.equal(b.err(), '', shown);
        assert.match(b.out(), /^Usage: jpki-mobile /, shown);
        // The page is the command's own: it names the command line asked for.
        const line = words.join(' ');
        const command = COMMANDS.map((c) => c.name).filter((n) => line === n || line.startsWith(`${n} `)).sort((a, b) => b.length - a.length)[0] ?? words[0]!;
        assert.ok(b.out().includes(`jpki-mobile ${command}`), `${shown} prints a usage naming 'jpki-mobile ${command}'`);
        for (const w of words) assert.ok(b.out().includes(w), `${shown}: the usage names '${w}'`);
      }
    }
    assert.deepEqual(readdirSync(cwd), [], 'nothing written in the working directory (no ./.jpki-mobile)');
    assert.deepEqual(readdirSync(dir).sort(), ['cwd'], 'no home created');
  });

  it('does the same in a process of its own: exit code 0, usage on stdout, nothing on stderr, no home', async () => {
    const env = { PATH: process.env.PATH, JPKI_MOBILE_HOME: home };
    // The subcommands and groups (each top-level command is spawned by cli.test.ts already), two at a time.
    const queue = entries.filter((e) => !COMMANDS.some((c) => c.name === e.join(' ')));
    const failures: string[] = [];
    const worker = async () => {
      for (let words = queue.shift(); words !== undefined; words = queue.shift()) {
        const r = await run([...words, '--help'], cwd, env);
        if (r.code !== 0 || r.stderr !== '' || !r.stdout.startsWith('Usage: jpki-mobile ')) failures.push(`${words.join(' ')} --help: exit ${r.code}, stderr ${r.stderr}`);
      }
    };
    await Promise.all([worker(), worker()]);
    assert.deepEqual(failures, []);
    assert.deepEqual(readdirSync(cwd), []);
    assert.deepEqual(readdirSync(dir).sort(), ['cwd']);
  });

  it('asks for the subcommand of a group given alone, with exit 2', async () => {
    const b = buffer();
    assert.equal(await main(['shop'], b.io), 2);
    assert.match(b.err(), /missing the subcommand \(check\)/);
    assert.match(b.err(), /Usage: jpki-mobile shop check/);
  });
});
