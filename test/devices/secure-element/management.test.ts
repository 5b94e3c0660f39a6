import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { command } from '../../../src/apdu/index.js';
import { concat, fromHex, hex, toHex } from '../../../src/bytes/index.js';
import {
  buildLoadFile,
  loadFileDataBlockHash,
  encodeDgiKeySet,
  type AppletPackage,
} from '../../../src/devices/secure-element/index.js';
import {
  APSD,
  DEV_KEYS,
  deleteCommand,
  getStatusCommand,
  GP_KEY,
  installForExtradition,
  installForInstall,
  installForLoad,
  installForMakeSelectable,
  installForPersonalization,
  ISD,
  isdSession,
  keySet,
  loadCommands,
  newElement,
  OTHER_PACKAGE,
  putKey,
  setStatus,
  SSD_MODULE,
  SSD_PACKAGE,
  storeData,
  TEST_APP,
  TEST_APP_2,
  TEST_MODULE_AID,
  TEST_PACKAGE,
  TEST_PACKAGE_AID,
  Terminal,
  type TestElement,
} from './helpers.js';

/**
 * Card content management and the TSM split (GP Card Spec 7, 9, 11; digest section 6): the issuer
 * creates an application provider's domain with Authorized Management and provisions its first keys,
 * the provider rotates them away from the issuer and manages its own content; GET STATUS shows it all;
 * the refusals GP asks for.
 */

const INITIAL = keySet(0x30, 16, 21);
const PROVIDER = keySet(0x31, 16, 22);
/** EF { A0 { A5 { 82 01 C0 } } }: contact and contactless (GP Amendment C 5.2). */
const BOTH_INTERFACES = hex('EF07A005A5038201C0');

/** The issuer creates the APSD (SD + Authorized Management) and gives it its first key set through the ISD. */
async function createApsd(t: Terminal, aid = APSD, privileges = '804000'): Promise<void> {
  await isdSession(t, 0x03);
  assert.equal(await t.ssw(installForInstall(SSD_PACKAGE, SSD_MODULE, aid, { privileges })), '9000');
  assert.equal(await t.ssw(installForPersonalization(aid)), '9000');
  assert.equal(await t.ssw(storeData(0xa8, 0x00, encodeDgiKeySet(GP_KEY, INITIAL))), '9000');
}

/** The provider takes the domain over: rotates the keys, moves it to PERSONALIZED. */
async function takeOver(t: Terminal, aid = APSD): Promise<void> {
  assert.equal((await t.select(aid)).sw, 0x9000);
  await t.open(INITIAL, 0x33);
  assert.equal(await t.ssw(putKey(0x30, INITIAL.dek, PROVIDER)), '9000');
  await t.select(aid);
  await t.open(PROVIDER, 0x33);
  assert.equal(await t.ssw(setStatus(0x40, 0x0f, aid)), '9000');
}

async function provider(te: TestElement): Promise<Terminal> {
  await createApsd(te.contact);
  await takeOver(te.contact);
  return te.contact;
}

describe('secure element: the application provider\'s domain, from creation to deletion', () => {
  it('runs the whole cycle, and the deleted content leaves no trace in GET STATUS nor in the saved state', async () => {
    const te = await newElement();
    const t = te.contact;
    await createApsd(t);
    let apps = await t.status(0x40);
    assert.deepEqual(apps, [{ aid: APSD, lifeCycle: '07', privileges: '804000', loadFile: SSD_PACKAGE, sd: ISD }]);

    // The issuer's keys for the domain work once, then the provider rotates them away.
    await takeOver(t);
    await t.select(APSD);
    await assert.rejects(t.open(INITIAL, 0x01), { code: 'ERR_SCP03_INIT_UPDATE_RESPONSE', sw: 0x6a88 }, 'KVN 30 is gone');
    await assert.rejects(t.open({ ...INITIAL, kvn: 0x31 }, 0x01, 0x31), { code: 'ERR_SCP03_CARD_CRYPTOGRAM' }, 'and KVN 31 is not the issuer\'s');
    await t.open(PROVIDER, 0x33);

    // Authorized Management: load, install (contactless too), personalise through its own domain.
    assert.deepEqual(await t.loadPackage(TEST_PACKAGE, { sd: APSD, hash: loadFileDataBlockHash(TEST_PACKAGE) }), ['9000', '9000', '9000']);
    assert.equal(await t.ssw(installForInstall(TEST_PACKAGE_AID, TEST_MODULE_AID, TEST_APP, { parameters: concat(hex('C90107'), BOTH_INTERFACES) })), '9000');
    assert.equal(await t.ssw(installForPersonalization(TEST_APP)), '9000');
    assert.equal(await t.ssw(storeData(0x00, 0x00, hex('0102'))), '9000');
    const last = await t.secure(storeData(0x81, 0x01, hex('AABBCC'), 256));
    assert.deepEqual([last.sw, toHex(last.data)], [0x9000, 'CCBBAA'], 'a case 4 STORE DATA: the answer under the domain\'s R-MAC and R-ENC');
    assert.equal(await t.ssw(storeData(0x80, 0x00, hex('01'))), '6A80', 'the last block ended the personalization session: the domain takes it, and wants DGI or BER-TLV');

    apps = await t.status(0x40);
    assert.deepEqual(apps, [
      { aid: APSD, lifeCycle: '0F', privileges: '804000', loadFile: SSD_PACKAGE, sd: ISD },
      { aid: TEST_APP, lifeCycle: '07', privileges: '000000', loadFile: TEST_PACKAGE_AID, sd: APSD },
    ]);
    assert.deepEqual(await t.status(0x10), [{ aid: TEST_PACKAGE_AID, lifeCycle: '01', version: '0102', modules: [TEST_MODULE_AID], sd: APSD }]);
    assert.equal((await t.secure(getStatusCommand(0x80))).sw, 0x6a86, 'a domain without Global Registry does not report the ISD');

    // The application runs on both interfaces with its personalization data.
    for (const term of [te.contactless, new Terminal(te.element.contact, 1)]) {
      if (term.channel === 1) assert.equal((await te.contact.raw('0070000101')).sw, 0x9000);
      assert.equal((await term.select(TEST_APP)).sw, 0x9000);
      assert.equal(new TextDecoder().decode((await term.send(command(0x80, 0x06, 0, 0, new Uint8Array(0), 256))).data), '0102,AABBCC');
      assert.equal((await term.send(command(0x80, 0x01, 0, 0, new Uint8Array(0), 256))).data[0], 7, 'C9 07 set the counter');
    }

    // Lock and unlock through the domain; a locked application cannot be selected.
    assert.equal(await t.ssw(setStatus(0x40, 0x80, TEST_APP)), '9000');
    assert.equal((await te.contactless.select(TEST_APP)).sw, 0x6a82);
    assert.equal(await t.ssw(setStatus(0x40, 0x80, TEST_APP)), '6985', 'locked already');
    assert.deepEqual((await t.status(0x40, hex('4F09' + TEST_APP))).map((e) => e.lifeCycle), ['87']);
    assert.equal(await t.ssw(setStatus(0x40, 0x00, TEST_APP)), '9000');
    assert.deepEqual((await t.status(0x40, hex('4F09' + TEST_APP))).map((e) => e.lifeCycle), ['07']);
    assert.equal((await te.contactless.select(TEST_APP)).sw, 0x9000);

    // Delete the load file and its application: selected on the contactless interface, it is refused first.
    assert.equal(await t.ssw(deleteCommand(TEST_PACKAGE_AID, true)), '6985');
    assert.equal((await te.contactless.select('A0000000FFFFFFFF')).sw, 0x6a82);
    assert.equal(await t.ssw(deleteCommand(TEST_PACKAGE_AID, true)), '6985', 'a SELECT that finds nothing keeps the selection');
    await te.element.contactless.powerOff();
    assert.equal(await t.ssw(deleteCommand(TEST_PACKAGE_AID, true)), '6985', 'still selected on channel 1 of the contact interface');
    assert.equal((await te.contact.raw('00708001')).sw, 0x9000);
    assert.equal(await t.ssw(deleteCommand(TEST_PACKAGE_AID, true)), '9000');
    assert.deepEqual(await t.status(0x40), [{ aid: APSD, lifeCycle: '0F', privileges: '804000', loadFile: SSD_PACKAGE, sd: ISD }]);
    assert.deepEqual(await t.status(0x20), []);
    const saved = te.store.snapshot!;
    for (const trace of [TEST_APP, TEST_PACKAGE_AID, TEST_MODULE_AID, 'AABBCC']) assert.ok(!saved.includes(trace), `${trace} in the saved state`);
    await te.element.contactless.powerOn();
    assert.equal((await te.contactless.select(TEST_APP)).sw, 0x6a82);
  });

  it('the ISD lists everything: itself, the domains, their applications, the load files', async () => {
    const te = await newElement();
    const t = await provider(te);
    await t.loadPackage(TEST_PACKAGE);
    assert.equal(await t.ssw(installForInstall(TEST_PACKAGE_AID, TEST_MODULE_AID, TEST_APP)), '9000');
    assert.equal(await t.ssw(installForInstall(TEST_PACKAGE_AID, TEST_MODULE_AID, TEST_APP_2, { selectable: false })), '9000');
    await isdSession(t, 0x11);
    assert.deepEqual(await t.status(0x80), [{ aid: ISD, lifeCycle: '0F', privileges: '9AFE80' }]);
    assert.deepEqual(await t.status(0x40), [
      { aid: APSD, lifeCycle: '0F', privileges: '804000', loadFile: SSD_PACKAGE, sd: ISD },
      { aid: TEST_APP, lifeCycle: '07', privileges: '000000', loadFile: TEST_PACKAGE_AID, sd: APSD },
      { aid: TEST_APP_2, lifeCycle: '03', privileges: '000000', loadFile: TEST_PACKAGE_AID, sd: APSD },
    ]);
    assert.deepEqual(await t.status(0x20), [
      { aid: SSD_PACKAGE, lifeCycle: '01', version: '0100', sd: ISD },
      { aid: TEST_PACKAGE_AID, lifeCycle: '01', version: '0102', sd: APSD },
    ]);
    assert.deepEqual(await t.status(0x40, hex(`4F05${TEST_APP.slice(0, 10)}`)), [
      { aid: TEST_APP, lifeCycle: '07', privileges: '000000', loadFile: TEST_PACKAGE_AID, sd: APSD },
      { aid: TEST_APP_2, lifeCycle: '03', privileges: '000000', loadFile: TEST_PACKAGE_AID, sd: APSD },
    ], 'AID prefix search');
    const tagged = await t.secure(getStatusCommand(0x40, 0x02, hex(`4F00 5C03 4F9F70`)));
    assert.equal(toHex(tagged.data).slice(0, 8), 'E3104F0A', 'only AID and life cycle with a tag list');
    assert.equal((await t.secure(getStatusCommand(0x40, 0x02, hex('4F04F1F1F1F1')))).sw, 0x6a88);
    assert.equal((await t.secure(getStatusCommand(0x40, 0x00))).sw, 0x6a86, 'the deprecated format');
    assert.equal((await t.secure(getStatusCommand(0x40, 0x03))).sw, 0x6985, 'next without first');
    assert.equal((await t.secure(getStatusCommand(0x40, 0x02, hex('5C014F')))).sw, 0x6a80, 'no AID criterion');
    assert.equal((await t.secure(getStatusCommand(0x08))).sw, 0x6a86);
    // The ISD's own application becomes PERSONALIZED through the applet itself.
    await te.contact.select(TEST_APP);
    assert.equal((await te.contact.send(command(0x80, 0x11, 0, 0))).sw, 0x9000);
    await isdSession(t, 0x01);
    assert.deepEqual((await t.status(0x40, hex(`4F09${TEST_APP}`))).map((e) => e.lifeCycle), ['0F']);
  });

  it('pages GET STATUS with 6310 when the templates do not fit one response', async () => {
    const te = await newElement();
    const t = await provider(te);
    await t.loadPackage(TEST_PACKAGE);
    for (let i = 0; i < 12; i++) assert.equal(await t.ssw(installForInstall(TEST_PACKAGE_AID, TEST_MODULE_AID, `${TEST_APP.slice(0, 16)}${(0x10 + i).toString(16).toUpperCase()}AABBCCDD`)), '9000');
    await isdSession(t, 0x33);
    const first = await t.secure(getStatusCommand(0x40));
    assert.equal(first.sw, 0x6310);
    assert.ok(first.data.length <= 239);
    const all = await t.status(0x40);
    assert.equal(all.length, 13);
    assert.equal(new Set(all.map((e) => e.aid)).size, 13);
  });

  it('refuses load files it does not know (6A80): not in the catalogue, altered, another hash, DAP blocks', async () => {
    const te = await newElement();
    const t = te.contact;
    await isdSession(t, 0x03);
    const unknown: AppletPackage = { ...OTHER_PACKAGE, aid: fromHex('F0000000030001'), modules: [{ ...OTHER_PACKAGE.modules[0]!, aid: fromHex('F000000003000101') }] };
    assert.deepEqual(await t.loadPackage(unknown), ['9000', '9000', '6A80'], 'a package the element does not have');
    const renamed: AppletPackage = { ...TEST_PACKAGE, name: 'Counter package v2' };
    assert.deepEqual(await t.loadPackage(renamed), ['9000', '9000', '6A80'], 'same AID, other content: the image differs');
    assert.deepEqual(await t.loadPackage(TEST_PACKAGE, { hash: new Uint8Array(32) }), ['9000', '9000', '6A80'], 'hash of another block');
    assert.equal(await t.ssw(installForLoad(TEST_PACKAGE_AID)), '9000');
    const withDap = loadCommands(concat(hex('E20A4F08A000000151000000'), buildLoadFile(TEST_PACKAGE)), 0x30);
    for (const c of withDap.slice(0, -1)) assert.equal(await t.ssw(c), '9000');
    assert.equal(await t.ssw(withDap.at(-1)!), '6A80', 'DAP blocks are refused');
    assert.deepEqual(await t.status(0x20), [{ aid: SSD_PACKAGE, lifeCycle: '01', version: '0100', sd: ISD }], 'nothing was loaded');
    // Block numbers are checked.
    assert.equal(await t.ssw(installForLoad(TEST_PACKAGE_AID)), '9000');
    const blocks = loadCommands(buildLoadFile(TEST_PACKAGE), 0x30);
    assert.equal(await t.ssw(blocks[1]!), '6A86');
    assert.equal(await t.ssw(blocks[0]!), '6985', 'the load ended');
    assert.equal(await t.ssw(command(0x80, 0xe8, 0x80, 0x00, hex('C400'), 256)), '6985', 'LOAD without INSTALL [for load]');
    assert.equal(await t.ssw(installForLoad(SSD_PACKAGE)), '6A80', 'registered already');
    assert.equal(await t.ssw(installForLoad(TEST_PACKAGE_AID, { token: hex('01') })), '6A80', 'tokens are for Delegated Management');
    assert.equal(await t.ssw(installForLoad(TEST_PACKAGE_AID, { sd: 'A0000000AAAAAA' })), '6A88', 'no such domain');
    assert.deepEqual(await t.loadPackage(TEST_PACKAGE), ['9000', '9000', '9000']);
  });

  it('refuses what GP refuses: referenced objects (6985), wrong install data, domains without Authorized Management, foreign content', async () => {
    const te = await newElement();
    const t = await provider(te);
    await t.loadPackage(TEST_PACKAGE);
    assert.equal(await t.ssw(installForInstall(TEST_PACKAGE_AID, TEST_MODULE_AID, TEST_APP)), '9000');
    assert.equal(await t.ssw(deleteCommand(TEST_PACKAGE_AID)), '6985', 'the load file still has an application');
    assert.equal(await t.ssw(installForInstall(TEST_PACKAGE_AID, TEST_MODULE_AID, TEST_APP)), '6A80', 'the AID exists');
    assert.equal(await t.ssw(installForInstall(TEST_PACKAGE_AID, 'F0000000010001FF', TEST_APP_2)), '6A88', 'no such module');
    assert.equal(await t.ssw(installForInstall(TEST_PACKAGE_AID, TEST_MODULE_AID, TEST_APP_2, { parameters: hex('C9020102') })), '6A80', 'the module refuses its parameters');
    assert.equal(await t.ssw(installForInstall(TEST_PACKAGE_AID, TEST_MODULE_AID, TEST_APP_2, { parameters: hex('EF00') })), '6A80', 'C9 is mandatory');
    assert.equal(await t.ssw(installForInstall(TEST_PACKAGE_AID, TEST_MODULE_AID, TEST_APP_2, { privileges: '80' })), '6A80', 'an application module with the SD privilege');
    assert.equal(await t.ssw(installForInstall(TEST_PACKAGE_AID, TEST_MODULE_AID, TEST_APP_2, { privileges: '000200' })), '6A80', 'Final Application stays with the ISD');
    assert.equal(await t.ssw(installForInstall(TEST_PACKAGE_AID, TEST_MODULE_AID, TEST_APP_2, { selectable: false })), '9000');
    assert.equal((await te.contactless.select(TEST_APP_2)).sw, 0x6a82, 'INSTALLED is not selectable');
    assert.equal(await t.ssw(installForMakeSelectable(TEST_APP_2)), '9000');
    assert.equal(await t.ssw(installForMakeSelectable(TEST_APP_2)), '6985', 'selectable already');
    assert.equal(await t.ssw(command(0x80, 0xe6, 0x40, 0x00, hex('00000000000000'), 256)), '6A86', 'registry update is not supported');
    assert.equal(await t.ssw(deleteCommand(APSD)), '6985', 'a domain does not delete itself');

    // The ISD cannot delete a domain that still has content, nor itself.
    await isdSession(t, 0x03);
    assert.equal(await t.ssw(deleteCommand(APSD)), '6985');
    assert.equal(await t.ssw(deleteCommand(ISD)), '6985');
    assert.equal(await t.ssw(deleteCommand('A0000000AAAAAA')), '6A88');
    assert.equal(await t.ssw(command(0x80, 0xe4, 0x00, 0x00, hex('9E0101'), 256)), '6A80');
    assert.equal(await t.ssw(installForExtradition(ISD, TEST_APP)), '6985', 'the application is the APSD\'s to hand over');

    // A domain without Authorized Management manages no content (GP Card Spec 9.3.5: '6985').
    const plain = 'A000000151535041BB01';
    await createApsd(t, plain, '800000');
    await takeOver(t, plain);
    assert.equal(await t.ssw(installForLoad(TEST_PACKAGE_AID)), '6985');
    assert.equal(await t.ssw(installForInstall(TEST_PACKAGE_AID, TEST_MODULE_AID, 'F0000000010001AAAA')), '6985');
    assert.equal(await t.ssw(deleteCommand(TEST_APP)), '6985');
    assert.deepEqual((await t.status(0x40)).map((e) => e.aid), [plain], 'it sees its own hierarchy only');
    // The APSD cannot touch content outside its hierarchy.
    await t.select(APSD);
    await t.open(PROVIDER, 0x03);
    assert.equal(await t.ssw(setStatus(0x40, 0x80, plain)), '6985');
    assert.equal(await t.ssw(deleteCommand(SSD_PACKAGE)), '6985');
  });

  it('extradites an application to another domain; the ISD deletes a domain once it is empty', async () => {
    const te = await newElement();
    const t = await provider(te);
    await t.loadPackage(TEST_PACKAGE);
    assert.equal(await t.ssw(installForInstall(TEST_PACKAGE_AID, TEST_MODULE_AID, TEST_APP)), '9000');
    assert.equal(await t.ssw(installForExtradition(ISD, TEST_APP)), '9000');
    await isdSession(t, 0x03);
    assert.deepEqual((await t.status(0x40, hex(`4F09${TEST_APP}`))).map((e) => e.sd), [ISD]);
    assert.equal(await t.ssw(deleteCommand(TEST_APP)), '9000', 'Global Delete');
    assert.equal(await t.ssw(deleteCommand(TEST_PACKAGE_AID)), '9000');
    assert.equal(await t.ssw(deleteCommand(APSD)), '9000');
    assert.deepEqual(await t.status(0x40), []);
    assert.ok(!te.store.snapshot!.includes(APSD), 'the domain and its keys are gone from the saved state');
  });

  it('locks and unlocks the card: only the ISD (6283) in CARD_LOCKED, no content management; TERMINATED answers GET DATA only', async () => {
    const te = await newElement();
    const t = await provider(te);
    await t.loadPackage(TEST_PACKAGE);
    assert.equal(await t.ssw(installForInstall(TEST_PACKAGE_AID, TEST_MODULE_AID, TEST_APP)), '9000');
    assert.equal(await t.ssw(setStatus(0x80, 0x7f)), '6985', 'the APSD has no Card Lock privilege');
    await isdSession(t, 0x03);
    assert.equal(await t.ssw(setStatus(0x80, 0x0f)), '6985', 'not locked');
    assert.equal(await t.ssw(setStatus(0x80, 0x7f)), '9000');
    assert.equal(await t.ssw(setStatus(0x80, 0x7f)), '6985', 'locked already');
    assert.equal(await t.ssw(installForLoad(OTHER_PACKAGE.aid.reduce((s, b) => s + b.toString(16).padStart(2, '0').toUpperCase(), ''))), '6985');
    assert.equal(await t.ssw(putKey(0x00, GP_KEY, keySet(0x40, 16, 1))), '6985');
    assert.deepEqual((await t.status(0x80)).map((e) => e.lifeCycle), ['7F']);
    assert.equal((await te.contact.select(TEST_APP)).sw, 0x6a81);
    assert.equal((await te.contactless.select(TEST_APP)).sw, 0x6a81);
    const isd = await te.contact.select(ISD);
    assert.deepEqual([isd.sw, toHex(isd.data)], [0x6283, '6F108408A000000151000000A5049F6501FF']);
    assert.equal((await te.contact.raw('0070000001')).sw, 0x6a81, 'no logical channel in CARD_LOCKED');
    await te.contact.open(DEV_KEYS, 0x03);
    assert.equal(await t.ssw(setStatus(0x80, 0x0f)), '9000', 'back to SECURED');
    assert.equal((await te.contact.select(TEST_APP)).sw, 0x9000);
    await isdSession(t, 0x03);
    assert.equal(await t.ssw(setStatus(0x80, 0xff)), '9000');
    assert.equal(await t.ssw(getStatusCommand(0x80)), '6985', 'TERMINATED: GET DATA only');
    await te.contact.select(ISD);
    assert.equal(await te.contact.sw(command(0x80, 0xca, 0x00, 0x66, new Uint8Array(0), 256)), '9000');
    assert.equal((await te.contact.select(TEST_APP)).sw, 0x6a81);
    await te.element.contact.reset();
    assert.equal(await te.contact.sw(command(0x80, 0x50, 0x30, 0x00, new Uint8Array(8), 256)), '6985', 'the ISD is implicitly selected, and answers only GET DATA');
  });

  it('a domain locked by the ISD cannot be selected, and its applications are locked with it (P1 60)', async () => {
    const te = await newElement();
    const t = await provider(te);
    await t.loadPackage(TEST_PACKAGE);
    assert.equal(await t.ssw(installForInstall(TEST_PACKAGE_AID, TEST_MODULE_AID, TEST_APP)), '9000');
    await isdSession(t, 0x03);
    assert.equal(await t.ssw(setStatus(0x60, 0x80, APSD)), '9000');
    assert.deepEqual((await t.status(0x40)).map((e) => `${e.aid} ${e.lifeCycle}`), [`${APSD} 8F`, `${TEST_APP} 87`]);
    assert.equal((await new Terminal(te.element.contactless).select(TEST_APP)).sw, 0x6a82);
    assert.equal((await te.contactless.select(APSD)).sw, 0x6a82);
    assert.equal(await t.ssw(setStatus(0x40, 0x80, ISD)), '6985');
    assert.equal(await t.ssw(setStatus(0x60, 0x00, APSD)), '9000');
    assert.deepEqual((await t.status(0x40)).map((e) => `${e.aid} ${e.lifeCycle}`), [`${APSD} 0F`, `${TEST_APP} 07`]);
  });
});
