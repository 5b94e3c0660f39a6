import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { toHex } from '../../../src/bytes/index.js';
import { keyCheckValue } from '../../../src/crypto/index.js';
import { parseSeState } from '../../../src/devices/secure-element/index.js';
import { ISD, SSD_MODULE, SSD_PACKAGE } from './helpers.js';
import { JPKI_APSD, JPKI_ELF, JPKI_INSTANCE, JPKI_MODULE } from './support/jpki-element.js';
import { PCSC_NEEDS_ROOT, startElementInReader, type ElementInReader } from './support/pcsc-element.js';
import { ISD_AES256, LEVELS, runTsm, type LevelsOutput } from './support/pcsc-tsm.js';

/*
 * The first line, end to end: an element made by `jpki-mobile se create`, served on its contact
 * interface by `jpki-mobile se attach` to pcscd through vsmartcard's vpcd (private namespaces), and a
 * TSM in another process using the project's PC/SC client and SCP03 host session: PUT KEY of an AES-256
 * set, sessions at levels 01, 03, 11, 13 and 33 with the AES-128 and the AES-256 sets, then the JPKI
 * provider's domain created and taken over and the JPKI applet loaded and installed through the channel;
 * GET STATUS lists the ISD, the ARA-M, the domain and the applet with their life cycles and privileges.
 */

describe('SCP03 with the ISD through pcscd and vpcd, contact interface (private namespaces)', { skip: PCSC_NEEDS_ROOT }, () => {
  let reader: ElementInReader;
  before(async () => {
    reader = await startElementInReader();
  });
  after(async () => {
    await reader?.session.stop();
  });

  it('opens every level with AES-128 and AES-256 keys; GET STATUS lists ISD, ARA-M, the APSD and the JPKI applet', async () => {
    const out = await runTsm<LevelsOutput>(reader.session, 'levels');
    const state = parseSeState(JSON.parse(readFileSync(reader.file, 'utf8')));
    assert.equal(out.atr, '3B8A80014A504B492D53452076314F');
    assert.equal(out.putKey, `31${toHex(keyCheckValue(ISD_AES256.enc))}${toHex(keyCheckValue(ISD_AES256.mac))}${toHex(keyCheckValue(ISD_AES256.dek))} 9000`, 'KVN || KCVs');
    const expected = [0x30, 0x31].flatMap((kvn) =>
      LEVELS.map((level) => ({ kvn, level, opened: level, kdd: `CF0A${state.card.kdd} 9000`, isdStatus: 'E3134F08A0000001510000009F70010FC5039AFE80 9000' })),
    );
    assert.deepEqual(out.levels, expected);

    assert.deepEqual(out.status.isd, [{ aid: ISD, lifeCycle: '0F', privileges: '9AFE80' }]);
    assert.deepEqual(out.status.applications, [
      { aid: 'A00000015141434C00', lifeCycle: '07', privileges: '000000', loadFile: 'A00000015141434C', sd: ISD },
      { aid: JPKI_APSD, lifeCycle: '0F', privileges: '804000', loadFile: SSD_PACKAGE, sd: ISD },
      { aid: JPKI_INSTANCE, lifeCycle: '07', privileges: '000000', loadFile: JPKI_ELF, sd: JPKI_APSD },
    ]);
    assert.deepEqual(out.status.loadFiles, [
      { aid: SSD_PACKAGE, lifeCycle: '01', version: '0100', modules: [SSD_MODULE], sd: ISD },
      { aid: 'A00000015141434C', lifeCycle: '01', version: '0100', modules: ['A00000015141434C01'], sd: ISD },
      { aid: JPKI_ELF, lifeCycle: '01', version: '0100', modules: [JPKI_MODULE], sd: JPKI_APSD },
    ]);

    // What `se attach` saved: both ISD key sets with their sequence counters (one per INITIALIZE UPDATE).
    const isd = state.registry[0]!;
    assert.ok(isd.kind === 'application');
    assert.deepEqual(isd.domain!.keySets.map((k) => [k.kvn, k.enc.length / 2, k.counter]), [[0x30, 16, 7], [0x31, 32, 6]]);
    assert.deepEqual(state.registry.filter((e) => e.kind === 'application').map((e) => e.aid), [ISD, 'A00000015141434C00', JPKI_APSD, JPKI_INSTANCE]);
    const term = await reader.attached.stop('SIGTERM');
    assert.equal(term.status, 0, term.stderr);
  });
});
