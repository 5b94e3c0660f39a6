import assert from 'node:assert/strict';
import { createPublicKey, verify as verifySignature, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileCardStore } from '../../src/card/index.js';
import { reinitialisePin, type IdCardState } from '../../src/devices/id-card/index.js';
import { TEST_KDF } from '../devices/id-card/helpers.js';
import { fromRoot } from '../helpers/paths.js';
import { certificatePem, listedCertificates, opensslVerify, pkcs11, pkcs11Sign, tool as runTool } from '../helpers/opensc.js';
import { startPcscSession, VPCD_READER, type NsProcess, type PcscSession } from '../helpers/pcsc.js';
import { PASSWORD, PIN, writeCardFile } from './support/card-file.js';
import type { Step, StepResult } from './support/pcsc-script.js';

/*
 * The Individual Number Card in a PC/SC reader: pcscd with vsmartcard's vpcd in private namespaces,
 * the card inserted by `jpki-mobile card attach`, and real PC/SC software on the other side: OpenSC's
 * opensc-tool, pkcs15-tool and pkcs11-tool, openssl to check the signatures, and the project's own
 * PC/SC client (src/transports/pcsc over the `smartcard` binding) in a Node process of its own.
 */

const SCRIPT = fromRoot('dist', 'test', 'transports', 'support', 'pcsc-script.js');
const DATA = 'The phone asks for its certificates.\n';
const JPKI_AP = '00A4040C0AD392F000260100000001';
// Only root can make namespaces; with root, missing packages fail the test (scripts/debian-packages.txt).
const unavailable = process.getuid?.() === 0 ? false : 'needs root for unshare --mount --net';

const pemOf = (hex: string) => certificatePem(Buffer.from(hex, 'hex'));
const der = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));

function verifies(certHex: string, data: Buffer, signature: Buffer): boolean {
  const key = createPublicKey(new X509Certificate(Buffer.from(certHex, 'hex')).publicKey.export({ type: 'spki', format: 'pem' }));
  return verifySignature('sha256', data, key, signature);
}

describe('the Individual Number Card through pcscd and vpcd (private namespaces)', { skip: unavailable }, () => {
  let session: PcscSession;
  let attached: NsProcess;
  let cardPath: string;
  let state: IdCardState;
  const files = () => state.jpki.files as unknown as Record<string, string>;
  const hostRunPcscd = existsSync('/run/pcscd/pcscd.comm') ? statSync('/run/pcscd/pcscd.comm').ino : undefined;

  const tool = (cmd: string, ...args: string[]) => runTool(session, cmd, ...args);

  /** The project's PC/SC client in a Node process inside the namespaces. */
  async function client(steps: Step[]): Promise<StepResult[]> {
    const r = await session.run(process.execPath, [SCRIPT, '--steps-on-stdin'], { input: JSON.stringify(steps) });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as StepResult[];
  }

  /** APDUs through opensc-tool; returns its output (SW1/SW2 lines). */
  async function apdus(...hex: string[]): Promise<string> {
    const r = await tool('opensc-tool', '--reader', '0', ...hex.flatMap((h) => ['-s', h]));
    assert.equal(r.status, 0, r.out);
    return r.out;
  }

  before(async () => {
    session = await startPcscSession();
    ({ path: cardPath, state } = await writeCardFile(session.dir));
    attached = await session.attach(cardPath);
    writeFileSync(join(session.dir, 'data'), DATA);
  });

  after(async () => {
    await session?.stop();
  });

  it('shows the card in Virtual PCD 00 00 with its ATR, and OpenSC names its driver: jpki', async () => {
    const readers = await tool('opensc-tool', '--list-readers');
    assert.match(readers.out, new RegExp(`${VPCD_READER}`));
    const atr = await tool('opensc-tool', '--reader', '0', '--atr');
    assert.equal(atr.out.trim().replace(/:/g, '').toUpperCase(), state.atr.toUpperCase());
    const name = await tool('opensc-tool', '--reader', '0', '--name');
    assert.equal(name.status, 0, name.out);
    assert.equal(name.out.trim().split('\n').at(-1), 'jpki');
    // The host's pcscd socket (if any) was not touched: ours lives in the namespace's own /run.
    assert.equal(existsSync('/run/pcscd/pcscd.comm') ? statSync('/run/pcscd/pcscd.comm').ino : undefined, hostRunPcscd);
  });

  it('pkcs15-tool lists the four certificates and reads the user-authentication one', async () => {
    const list = await tool('pkcs15-tool', '--list-certificates');
    assert.equal(list.status, 0, list.out);
    const certs = listedCertificates(list.out).map((c) => `${c.id} ${c.path} ${c.label}`);
    assert.deepEqual(certs, [
      '01 000a User Authentication Certificate',
      '02 0001 Digital Signature Certificate',
      '03 000b User Authentication Certificate CA',
      '04 0002 Digital Signature Certificate CA',
    ]);
    const read = await tool('pkcs15-tool', '--read-certificate', '01');
    assert.equal(read.status, 0, read.out);
    assert.ok(read.out.includes(pemOf(files()['000A']!).trim()), 'the PEM is the card\'s own certificate');
  });

  it('pkcs11-tool signs with the PIN on the user-authentication slot; openssl dgst -verify accepts it', async () => {
    const slots = await pkcs11(session, '--list-slots');
    assert.match(slots.out, /token label\s*: JPKI \(User Authentication PIN\)/);
    assert.match(slots.out, /token label\s*: JPKI \(Digital Signature PIN\)/);
    const r = await pkcs11Sign(session, { token: 'JPKI (User Authentication PIN)', pin: PIN, id: '01', input: 'data', output: 'auth.sig' });
    assert.equal(r.status, 0, r.out);
    const v = await opensslVerify(session, der(files()['000A']!), 'auth.sig', 'data');
    assert.equal(v.status, 0, v.out);
    assert.match(v.out, /Verified OK/);
  });

  it('pkcs11-tool signs with the password on the signature slot; openssl dgst -verify accepts it', async () => {
    const r = await pkcs11Sign(session, { token: 'JPKI (Digital Signature PIN)', pin: PASSWORD, id: '02', input: 'data', output: 'sign.sig' });
    assert.equal(r.status, 0, r.out);
    const v = await opensslVerify(session, der(files()['0001']!), 'sign.sig', 'data');
    assert.match(v.out, /Verified OK/);
    const wrongKey = await opensslVerify(session, der(files()['000A']!), 'sign.sig', 'data');
    assert.notEqual(wrongKey.status, 0, 'the user-authentication key did not make this signature');
  });

  it('a wrong PIN: pkcs11-tool gets CKR_PIN_INCORRECT, OpenSC shows 2 tries left, the empty VERIFY answers 63C2', async () => {
    const r = await pkcs11Sign(session, { token: 'JPKI (User Authentication PIN)', pin: '9999', id: '01', input: 'data', output: 'x.sig' });
    assert.notEqual(r.status, 0);
    assert.match(r.out, /CKR_PIN_INCORRECT/);
    const pins = await tool('pkcs15-tool', '--list-pins');
    assert.match(pins.out, /User Authentication PIN[\s\S]*?Tries left\s*: 2/);
    assert.match(await apdus(JPKI_AP, '00A4020C020018', '00200080'), /SW1=0x63, SW2=0xC2\)\s*$/);
    // The right PIN puts the counter back to 3.
    const ok = await pkcs11Sign(session, { token: 'JPKI (User Authentication PIN)', pin: PIN, id: '01', input: 'data', output: 'x.sig' });
    assert.equal(ok.status, 0, ok.out);
    assert.match(await apdus(JPKI_AP, '00A4020C020018', '00200080'), /SW1=0x63, SW2=0xC3\)\s*$/);
  });

  it('the project PC/SC client lists the reader, reads both certificates, verifies and signs; the signatures verify', async () => {
    const data = Buffer.from(DATA);
    const results = await client([
      { op: 'readers' },
      { op: 'connect' },
      { op: 'label' },
      { op: 'cert', which: 'auth' },
      { op: 'cert', which: 'authCa' },
      { op: 'cert', which: 'signCa' },
      { op: 'cert', which: 'sign' },
      { op: 'tries', which: 'pin' },
      { op: 'tries', which: 'password' },
      { op: 'verify', which: 'pin', value: '0000' },
      { op: 'verify', which: 'pin', value: PIN },
      { op: 'sign', key: 'auth', dataHex: data.toString('hex') },
      { op: 'verify', which: 'password', value: PASSWORD },
      { op: 'cert', which: 'sign' },
      { op: 'sign', key: 'sign', dataHex: data.toString('hex') },
    ]);
    const value = (i: number) => {
      const r = results[i]!;
      assert.ok(r.ok, `step ${i} ${r.op}: ${JSON.stringify(r)}`);
      return r.value as never;
    };
    const readers = value(0) as Array<{ name: string; cardPresent: boolean; atr: string }>;
    assert.deepEqual(readers.find((r) => r.name === VPCD_READER), { name: VPCD_READER, cardPresent: true, atr: state.atr.toUpperCase() });
    assert.equal((value(1) as { reader: string }).reader, VPCD_READER);
    assert.equal(value(2), 'JPKIAPICCTOKEN2');
    assert.equal(value(3), files()['000A']!.toUpperCase());
    assert.equal(value(4), files()['000B']!.toUpperCase());
    assert.equal(value(5), files()['0002']!.toUpperCase());
    assert.deepEqual(results[6], { op: 'cert', ok: false, code: 'ERR_APDU_STATUS', sw: '6982', message: results[6]!.ok ? '' : results[6]!.message });
    assert.equal(value(7), 3);
    assert.equal(value(8), 5);
    assert.deepEqual({ ...results[9], message: '' }, { op: 'verify', ok: false, code: 'ERR_JPKI_AP_PIN_INCORRECT', sw: '63C2', triesLeft: 2, message: '' });
    value(10);
    assert.ok(verifies(files()['000A']!, data, Buffer.from(value(11) as string, 'hex')), 'user-authentication signature');
    value(12);
    assert.equal(value(13), files()['0001']!.toUpperCase());
    assert.ok(verifies(files()['0001']!, data, Buffer.from(value(14) as string, 'hex')), 'signature-key signature');
  });

  it('a PIN blocked by three wrong tries stays blocked after the card process is killed and attached again, and after power cycles', async () => {
    const blocked = await client([
      { op: 'connect' },
      { op: 'verify', which: 'pin', value: '1111' },
      { op: 'verify', which: 'pin', value: '2222' },
      { op: 'verify', which: 'pin', value: '3333' },
      { op: 'verify', which: 'pin', value: PIN },
    ]);
    assert.deepEqual(
      blocked.slice(1).map((r) => (r.ok ? 'ok' : `${r.code} ${r.triesLeft}`)),
      ['ERR_JPKI_AP_PIN_INCORRECT 2', 'ERR_JPKI_AP_PIN_INCORRECT 1', 'ERR_JPKI_AP_PIN_INCORRECT 0', 'ERR_JPKI_AP_PIN_BLOCKED 0'],
    );
    // Pull the card: SIGKILL, no chance to save anything more.
    const killed = await attached.stop('SIGKILL');
    assert.equal(killed.signal, 'SIGKILL');
    await session.waitForCard(false);
    const onDisk = JSON.parse(readFileSync(cardPath, 'utf8')) as IdCardState;
    assert.equal((onDisk.jpki.files as unknown as Record<string, { triesLeft: number }>)['0018']!.triesLeft, 0);
    attached = await session.attach(cardPath);
    // Power cycles: every client session ends with SCardDisconnect(SCARD_RESET_CARD).
    for (let i = 0; i < 3; i++) {
      const again = await client([{ op: 'connect' }, { op: 'tries', which: 'pin' }, { op: 'verify', which: 'pin', value: PIN }, { op: 'tries', which: 'password' }]);
      assert.deepEqual(again[1], { op: 'tries', ok: true, value: 0 });
      assert.equal(again[2]!.ok ? 'ok' : again[2]!.code, 'ERR_JPKI_AP_PIN_BLOCKED');
      assert.deepEqual(again[3], { op: 'tries', ok: true, value: 5 }, 'the password is not affected');
    }
    assert.match(await apdus(JPKI_AP, '00A4020C020018', '00200080'), /SW1=0x63, SW2=0xC0\)\s*$/);
    const pins = await tool('pkcs15-tool', '--list-pins');
    assert.match(pins.out, /User Authentication PIN[\s\S]*?Tries left\s*: 0/);
    // OpenSC still binds (63C0, not 6984, to the query), so the signature side keeps working.
    const list = await tool('pkcs15-tool', '--list-certificates');
    assert.equal(list.status, 0, list.out);
  });

  it('re-initialisation at the office unblocks it; SIGTERM removes the card and exits 0', async () => {
    const term = await attached.stop('SIGTERM');
    assert.equal(term.status, 0, term.stderr);
    assert.match(term.stdout, /stopped/);
    await session.waitForCard(false);
    const store = new FileCardStore<IdCardState>(cardPath);
    await store.save(await reinitialisePin(await store.load(), '4321', { kdf: TEST_KDF }));
    attached = await session.attach(cardPath);
    const r = await client([{ op: 'connect' }, { op: 'tries', which: 'pin' }, { op: 'verify', which: 'pin', value: '4321' }, { op: 'sign', key: 'auth', dataHex: '00' }]);
    assert.deepEqual(r.map((s) => s.ok), [true, true, true, true]);
    assert.equal(r[1]!.ok && r[1]!.value, 3);
  });
});
