import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { toHex } from '../../../src/bytes/index.js';
import { FileCardStore } from '../../../src/card/index.js';
import { parseIsdKeyFile, SecureElement, type SeState } from '../../../src/devices/secure-element/index.js';
import { fromRoot } from '../../helpers/paths.js';
import { getStatusCommand, isdSession, Terminal } from './helpers.js';

/** `jpki-mobile se create` and `se status` as a user runs them, in a process of their own. */

const BIN = fromRoot('dist', 'src', 'cli', 'main.js');

function cli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('jpki-mobile se', () => {
  const dir = mkdtempSync(join(tmpdir(), 'se-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a development element (owner-only), refuses to overwrite it, and shows its registry', async () => {
    const file = join(dir, 'dev.json');
    const r = await cli('se', 'create', '--profile', 'dev', '--out', file);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /profile development, SECURED/);
    assert.match(r.stdout, /the GlobalPlatform test key 404142434445464748494A4B4C4D4E4F/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const again = await cli('se', 'create', '--profile', 'dev', '--out', file);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /ERR_CARD_STATE_EXISTS/);
    const status = await cli('se', 'status', file);
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /issuer security domain A000000151000000\n {2}life cycle SECURED \(0F\)\n {2}privileges 9AFE80: Security Domain, Card Lock, Card Terminate, CVM Management, Trusted Path, Authorized Management, Token Verification, Global Delete, Global Lock, Global Registry, Final Application, Receipt Generation\n/);
    assert.match(status.stdout, /key set 30 AES-128, sequence counter 0/);
    assert.match(status.stdout, /load file A0000001515350 \(GlobalPlatform Security Domain\)\n {2}life cycle LOADED \(01\)/);
    assert.ok(!status.stdout.includes('404142434445464748494A4B4C4D4E4F'), 'status never prints a key');
    assert.equal((await cli('se', 'status', join(dir, 'none.json'))).status, 1);
  });

  it('creates a production element whose random keys go to --keys-out only, and they open the ISD', async () => {
    const file = join(dir, 'prod.json');
    const keys = join(dir, 'prod-keys.json');
    const missing = await cli('se', 'create', '--profile', 'production', '--out', file);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /--keys-out/);
    const r = await cli('se', 'create', '--profile', 'production', '--out', file, '--keys-out', keys);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(statSync(keys).mode & 0o777, 0o600);
    const keySet = parseIsdKeyFile(JSON.parse(readFileSync(keys, 'utf8')));
    for (const k of [keySet.enc, keySet.mac, keySet.dek]) {
      assert.ok(!r.stdout.includes(toHex(k)), 'the keys are never printed');
      assert.ok(!r.stderr.includes(toHex(k)));
    }
    assert.notEqual(toHex(keySet.enc), '404142434445464748494A4B4C4D4E4F');
    const element = await SecureElement.open(new FileCardStore<SeState>(file));
    await element.contact.powerOn();
    const t = new Terminal(element.contact);
    await isdSession(t, 0x33, keySet);
    assert.equal(await t.ssw(getStatusCommand(0x80)), '9000');
    await assert.rejects(isdSession(new Terminal(element.contact, 0)), { code: 'ERR_SCP03_CARD_CRYPTOGRAM' }, 'the test keys do not open it');
    assert.equal((await cli('se', 'create', '--profile', 'staging', '--out', join(dir, 'x.json'))).status, 2);
    assert.throws(() => parseIsdKeyFile({ format: 'jpki-mobile/se-keys/v1', kvn: '30', enc: '00', mac: '00', dek: '00' }), { code: 'ERR_SE_KEY_FILE' });
  });
});
