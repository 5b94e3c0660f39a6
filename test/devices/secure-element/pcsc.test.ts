import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { toHex } from '../../../src/bytes/index.js';
import { GP_TEST_KEY } from '../../../src/crypto/index.js';
import { parseSeState } from '../../../src/devices/secure-element/index.js';
import { fromRoot } from '../../helpers/paths.js';
import { PCSC_NEEDS_ROOT, startElementInReader, type ElementInReader } from './support/pcsc-element.js';

/*
 * The secure element in a PC/SC reader: pcscd with vsmartcard's vpcd in private namespaces, the element
 * made by `jpki-mobile se create` and inserted by `jpki-mobile se attach --interface contact`, and on
 * the other side OpenSC's opensc-tool and a Node process using the project's PC/SC client with the
 * project's SCP03 host session (what a TSM runs).
 */

const SCRIPT = fromRoot('dist', 'test', 'devices', 'secure-element', 'support', 'pcsc-gp.js');
const KEY = toHex(GP_TEST_KEY);

describe('the secure element through pcscd and vpcd (private namespaces)', { skip: PCSC_NEEDS_ROOT }, () => {
  let reader: ElementInReader;
  before(async () => {
    reader = await startElementInReader();
  });
  after(async () => {
    await reader?.session.stop();
  });

  it('opensc-tool sees the ATR and selects the ISD without data', async () => {
    const atr = await reader.session.run('opensc-tool', ['--reader', '0', '--atr']);
    assert.equal(atr.stdout.trim().replace(/:/g, '').toUpperCase(), '3B8A80014A504B492D53452076314F');
    const r = await reader.session.run('opensc-tool', ['--reader', '0', '-s', '00A4040000', '-s', '80CA00CF00']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const flat = r.stdout.replace(/\s+/g, ' ');
    // opensc-tool prints 16 bytes a line with their ASCII after them.
    assert.match(flat, /Sending: 00 A4 04 00 00 Received \(SW1=0x90, SW2=0x00\): 6F 10 84 08 A0 00 00 01 51 00 00 00 A5 04 9F 65 \S+ 01 FF /);
    assert.match(flat, /Sending: 80 CA 00 CF 00 Received \(SW1=0x90, SW2=0x00\): CF 0A 4A 50 53 45 /, 'the KDD begins with the IC fabricator and type');
  });

  it('the project\'s PC/SC client opens SCP03 at level 33 and reads GET STATUS and the CPLC', async () => {
    const run = await reader.session.run(process.execPath, [SCRIPT, '--on-stdin'], { input: JSON.stringify({ enc: KEY, mac: KEY, dek: KEY, kvn: 0x30, level: 0x33 }) });
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout) as { atr: string; select: string; sequenceCounter: number; status: { p1: number; sw: string; entries: unknown[] }[]; cplc: string };
    assert.equal(out.select, '6F108408A000000151000000A5049F6501FF 9000');
    assert.equal(out.sequenceCounter, 1);
    const [isd, apps, files] = out.status as { p1: number; sw: string; entries: { aid: string; sd?: string }[] }[];
    assert.deepEqual(isd, { p1: 0x80, sw: '9000', entries: [{ aid: 'A000000151000000', lifeCycle: '0F', privileges: '9AFE80' }] });
    // Applications: those of the default catalogue's pre-installation (the ARA-M once it is there), all the ISD's.
    assert.ok(apps!.sw === '6A88' || (apps!.sw === '9000' && apps!.entries.every((e) => e.sd === 'A000000151000000')), JSON.stringify(apps));
    assert.equal(files!.sw, '9000');
    assert.deepEqual(files!.entries[0], { aid: 'A0000001515350', lifeCycle: '01', version: '0100', modules: ['A000000151535041'], sd: 'A000000151000000' });
    const state = parseSeState(JSON.parse(readFileSync(reader.file, 'utf8')));
    assert.equal(out.cplc, `9F7F2A${state.card.cplc} 9000`);
    assert.equal(state.registry[0]!.kind === 'application' && state.registry[0]!.domain!.keySets[0]!.counter, 1, 'the counter was saved in the file');
  });

  it('SIGTERM removes the element and exits 0', async () => {
    const term = await reader.attached.stop('SIGTERM');
    assert.equal(term.status, 0, term.stderr);
    assert.match(term.stdout, /element removed, stopped/);
    await reader.session.waitForCard(false);
  });
});
