import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { command } from '../../../src/apdu/index.js';
import { concat, fromHex, hex, toHex } from '../../../src/bytes/index.js';
import { ARA_M_AID, createElement, type AppletPackage } from '../../../src/devices/secure-element/index.js';
import {
  APSD,
  installForInstall,
  ISD,
  isdSession,
  newElement,
  TEST_APP,
  TEST_APP_2,
  TEST_APP_3,
  TEST_MODULE_AID,
  TEST_PACKAGE,
  TEST_PACKAGE_AID,
  Terminal,
} from './helpers.js';

/**
 * The element's runtime (GP Card Spec 6.4, Amendment C 5): ATR, channels 0..19, SELECT by full and
 * partial AID with first and next occurrence in registry order, selectability by interface, one
 * transaction per APDU, and what becomes of an application's failures.
 */

const FCI = (aid: string) => `6F${(aid.length / 2 + 2).toString(16).toUpperCase().padStart(2, '0')}84${(aid.length / 2).toString(16).toUpperCase().padStart(2, '0')}${aid}`;
const BOTH = hex('EF07A005A5038201C0');
const CONTACTLESS_ONLY = hex('EF07A005A503820140');
const CONTACT_ONLY = hex('EF07A005A503820180');

/** The ISD loads the test package and installs three instances: both interfaces, contact only, contactless only. */
async function withApplications() {
  const te = await newElement();
  await isdSession(te.contact, 0x03);
  assert.deepEqual(await te.contact.loadPackage(TEST_PACKAGE), ['9000', '9000', '9000']);
  const install = (aid: string, counter: number, interfaces: Uint8Array) => te.contact.ssw(installForInstall(TEST_PACKAGE_AID, TEST_MODULE_AID, aid, { parameters: concat(Uint8Array.of(0xc9, 1, counter), interfaces) }));
  assert.equal(await install(TEST_APP, 1, BOTH), '9000');
  assert.equal(await install(TEST_APP_2, 2, CONTACT_ONLY), '9000');
  assert.equal(await install(TEST_APP_3, 3, CONTACTLESS_ONLY), '9000');
  await te.contact.select(ISD);
  return te;
}

const counter = async (t: Terminal) => (await t.send(command(0x80, 0x01, 0, 0, new Uint8Array(0), 256))).data[0];
const ins = (t: Terminal, i: number) => t.sw(command(0x80, i, 0, 0, new Uint8Array(0), 256));

describe('secure element: runtime', () => {
  it('answers to reset with T=1 and the historical bytes "JPKI-SE v1" on both interfaces', async () => {
    const { element } = await newElement();
    assert.equal(toHex(element.contact.atr), '3B8A80014A504B492D53452076314F');
    assert.equal(toHex(element.contactless.atr), '3B8A80014A504B492D53452076314F');
    assert.equal(toHex(await element.contact.reset()), '3B8A80014A504B492D53452076314F');
    await element.contact.powerOff();
    await assert.rejects(element.contact.transmit(hex('00A4040000')), { code: 'ERR_CARD_POWERED_OFF' });
  });

  it('selects by full and by partial AID, first and next occurrence, among what the interface offers', async () => {
    const { contact, contactless } = await withApplications();
    const prefix = TEST_APP.slice(0, 14);
    assert.equal(toHex((await contact.select(prefix)).data), FCI(TEST_APP));
    assert.equal(toHex((await contact.select(prefix, 0x02)).data), FCI(TEST_APP_2), 'next: the contact-only instance');
    assert.equal((await contact.select(prefix, 0x02)).sw, 0x6a82, 'the contactless-only one is not on this interface');
    assert.equal(await counter(contact), 2, 'and the selection stays');
    assert.equal((await contact.select(TEST_APP_2)).sw, 0x9000);
    assert.equal((await contact.select(TEST_APP, 0x02)).sw, 0x6a82, 'the next occurrence is searched after the current one');
    assert.equal(toHex((await contactless.select(prefix)).data), FCI(TEST_APP));
    assert.equal(toHex((await contactless.select(prefix, 0x02)).data), FCI(TEST_APP_3));
    assert.equal(await counter(contactless), 3);
    assert.equal((await contactless.select(TEST_APP_2)).sw, 0x6a82);
    assert.equal((await contact.select(TEST_APP_3)).sw, 0x6a82);
    assert.equal((await contact.select('F000000001')).sw, 0x9000, 'five bytes: partial');
    assert.equal((await contact.select('F0000000')).sw, 0x6a82, 'four bytes never match partially');
    assert.equal((await contact.select(prefix, 0x01)).sw, 0x6a86, 'last occurrence is not supported');
    assert.equal(new TextDecoder().decode((await contactless.send(command(0x80, 0x05, 0, 0, new Uint8Array(0), 256))).data), 'contactless', 'the application sees the interface');
  });

  it('on the contactless interface the ISD, the domains and the ARA-M answer 6A82, and nothing is implicitly selected', async () => {
    const araPackage: AppletPackage = { ...TEST_PACKAGE, aid: fromHex('F0000000040001'), name: 'ARA stand-in', modules: [{ ...TEST_PACKAGE.modules[0]!, aid: fromHex('F000000004000101') }] };
    const packages = [TEST_PACKAGE, araPackage];
    const te = await newElement({ packages, preinstalled: [{ package: araPackage.aid, module: araPackage.modules[0]!.aid, aid: ARA_M_AID, installParameters: hex('09') }] });
    assert.equal((await te.contactless.select(ISD)).sw, 0x6a82);
    assert.equal((await te.contactless.select()).sw, 0x6a82, 'SELECT without data: no ISD here');
    assert.equal((await te.contactless.raw('80CA006600')).sw, 0x6d00, 'nothing selected');
    assert.equal((await te.contactless.select(toHex(ARA_M_AID))).sw, 0x6a82);
    assert.equal((await te.contact.select(toHex(ARA_M_AID))).sw, 0x9000);
    assert.equal(await counter(te.contact), 9, 'the preinstalled instance got its parameters');
    await isdSession(te.contact, 0x01);
    const apps = await te.contact.status(0x40);
    assert.deepEqual(apps, [{ aid: toHex(ARA_M_AID), lifeCycle: '07', privileges: '000000', loadFile: 'F0000000040001', sd: ISD }]);
    assert.equal(await te.contact.ssw(installForInstall('F0000000040001', 'F000000004000101', TEST_APP, { parameters: concat(hex('C900'), BOTH) })), '9000', 'the ISD installs from its preloaded file');
    assert.equal(await te.contact.ssw(installForInstall('F0000000040001', 'F000000004000101', 'A00000015141434C01', { parameters: concat(hex('C900'), CONTACTLESS_ONLY) })), '9000');
    assert.throws(() => createElement({ profile: 'development', packages, preinstalled: [{ package: araPackage.aid, module: araPackage.modules[0]!.aid, aid: ARA_M_AID, interfaces: 0xc0 }] }), { code: 'ERR_SE_OPTIONS' });
    assert.equal((await te.contactless.select(APSD)).sw, 0x6a82);
  });

  it('opens logical channels 1..19 (the ISD implicitly selected on each) and no more', async () => {
    const te = await withApplications();
    for (let n = 1; n <= 19; n++) assert.equal(toHex((await te.contact.raw('0070000001')).data), n.toString(16).toUpperCase().padStart(2, '0'));
    assert.equal((await te.contact.raw('0070000001')).sw, 0x6a81);
    const c19 = new Terminal(te.element.contact, 19);
    assert.equal((await c19.raw('CF CA 00 66 00'.replace(/ /g, ''))).sw, 0x9000, 'GP class on channel 19: the ISD answers');
    assert.equal((await c19.select(TEST_APP)).sw, 0x9000);
    assert.equal(await counter(c19), 1);
    await isdSession(new Terminal(te.element.contact, 7), 0x33);
    assert.equal((await te.contact.raw('00708013')).sw, 0x9000);
    assert.equal((await c19.raw('CF CA 00 66 00'.replace(/ /g, ''))).sw, 0x6881, 'closed');
    assert.equal((await te.contactless.raw('0070000001')).sw, 0x9000, 'the contactless interface has its own channels');
  });

  it('one APDU is one transaction: an error rolls the application\'s changes back, unless it committed them; a bug is 6F00', async () => {
    const te = await withApplications();
    const t = te.contact;
    await t.select(TEST_APP);
    const saves = te.store.saves;
    assert.equal(await counter(t), 1);
    assert.equal(te.store.saves, saves, 'a read saves nothing');
    assert.equal(await ins(t, 0x02), '9000');
    assert.equal(te.store.saves, saves + 1);
    assert.equal(await ins(t, 0x03), '6985');
    assert.equal(await counter(t), 2, 'rolled back');
    assert.equal(await ins(t, 0x04), '6985');
    assert.equal(await counter(t), 3, 'committed before the error');
    assert.equal(await ins(t, 0x07), '6F00');
    assert.equal(await counter(t), 3, 'a bug changes nothing');
    assert.equal(te.store.saves, saves + 2);
    const saved = JSON.parse(te.store.snapshot!) as { registry: { aid: string; data: { counter: number } }[] };
    assert.equal(saved.registry.find((e) => e.aid === TEST_APP)!.data.counter, 3);
    assert.equal(await ins(t, 0x11), '9000', 'the application moves itself to PERSONALIZED');
    assert.equal(await ins(t, 0x11), '6985', 'not to its current state');
  });
});
