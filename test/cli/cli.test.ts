import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { COMMANDS } from '../../src/cli/program.js';
import { fromRoot } from '../helpers/paths.js';

const BIN = fromRoot('dist', 'src', 'cli', 'main.js');

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('jpki-mobile command-line tool', () => {
  it('prints the overview with no arguments, and the command list with --help', () => {
    const overview = cli();
    assert.equal(overview.status, 0);
    assert.match(overview.stdout, /Individual Number Card/);
    const help = cli('--help');
    assert.equal(help.status, 0);
    for (const c of COMMANDS) assert.match(help.stdout, new RegExp(`\\n  ${c.name} +`));
  });

  it('gives every command its own --help', () => {
    for (const c of COMMANDS) {
      const r = cli(...c.name.split(' '), '--help');
      assert.equal(r.status, 0, c.name);
      assert.match(r.stdout, /^Usage: jpki-mobile /, c.name);
      // 'jpki-mobile help NAME' gives the same page, for two-word commands too.
      assert.equal(cli('help', ...c.name.split(' ')).stdout, r.stdout, c.name);
    }
  });

  it('decodes TLV, APDUs and status words, and computes a KCV', () => {
    assert.equal(cli('tlv', 'dump', '6F108408A000000151000000A5049F6501FF').stdout, '6F (16)\n  84 (8) A000000151000000\n  A5 (4)\n    9F65 (1) FF\n');
    assert.match(cli('apdu', 'parse', '80E2910006BF3E035C015A00').stdout, /^case 4S/);
    assert.match(cli('apdu', 'sw', '6982').stdout, /^6982 SECURITY_STATUS_NOT_SATISFIED/);
    assert.match(cli('apdu', 'response', 'BF3E035A01009000').stdout, /SW 9000/);
    // The key is a secret: standard input or the environment, never an argument.
    const kcv = (options: { input?: string; env?: NodeJS.ProcessEnv }) => spawnSync(process.execPath, [BIN, 'scp03', 'kcv'], { encoding: 'utf8', ...options });
    assert.equal(kcv({ input: '404142434445464748494A4B4C4D4E4F\n' }).stdout, '504A77\n');
    assert.equal(kcv({ input: '', env: { ...process.env, JPKI_SCP03_KEY: '404142434445464748494A4B4C4D4E4F' } }).stdout, '504A77\n');
    const asArgument = cli('scp03', 'kcv', '000102030405060708090A0B0C0D0E0F');
    assert.equal(asArgument.status, 2);
    assert.match(asArgument.stderr, /the key is not an argument \(not shown\)/);
    assert.ok(!asArgument.stderr.includes('000102030405060708090A0B0C0D0E0F'));
  });

  it('reports bad input with the error code and exit 1, and usage mistakes with exit 2', () => {
    const bad = cli('tlv', 'dump', '5A05');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /\[ERR_TLV_VALUE_OVERRUN\]/);
    const badHex = cli('apdu', 'parse', '8G');
    assert.equal(badHex.status, 1);
    assert.match(badHex.stderr, /\[ERR_HEX_INVALID\]/);
    assert.equal(cli('no-such-command').status, 2);
    assert.equal(cli('tlv').status, 2);
    assert.equal(cli('apdu', 'sw', '90').status, 2);
  });

  it('runs every jpki-mobile example of the README successfully', () => {
    const readme = readFileSync(fromRoot('README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!).join('');
    const examples = [...blocks.matchAll(/^jpki-mobile ([^\n#]+)$/gm)].map((m) => m[1]!.trim().split(/\s+/));
    assert.ok(examples.length >= 3, 'the README shows CLI examples');
    for (const args of examples) assert.equal(cli(...args).status, 0, `jpki-mobile ${args.join(' ')}`);
  });
});
