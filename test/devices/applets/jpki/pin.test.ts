import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EF, setReferenceDataCommand } from '../../../../src/devices/applets/jpki/index.js';
import { SELECT_AP, changeApdu, selectEf, send, verifyApdu } from '../../id-card/helpers.js';
import type { TestElement } from './fixtures/test-element.js';
import { PASSWORD, PIN, TEST_KDF, dataOf, element, personalised, tsm } from './helpers.js';

/*
 * PIN and password of the JPKI applet: counters, blocking, CHANGE REFERENCE DATA, reset through the
 * management interface, and the tearing guarantee (the decremented counter is committed before the
 * value is compared).
 */

async function selected(document?: string): Promise<TestElement> {
  const e = await element(document ?? (await personalised()).document);
  assert.equal(await send(e, SELECT_AP), '9000');
  return e;
}

class Tear extends Error {}

describe('JPKI applet: PIN and password', () => {
  it('counts wrong PINs down to a block (63C2, 63C1, 63C0, then 6984), and the right PIN no longer helps', async () => {
    const e = await selected();
    assert.equal(await send(e, selectEf('0018')), '9000');
    assert.equal(await send(e, verifyApdu('9999')), '63C2');
    assert.equal(await send(e, verifyApdu('12345')), '63C1'); // a malformed value is a wrong try
    assert.equal(await send(e, '00200080'), '63C1');
    assert.equal(await send(e, verifyApdu('0000')), '63C0');
    assert.equal(await send(e, verifyApdu(PIN)), '6984');
    assert.equal(await send(e, '00200080'), '63C0');
    assert.equal(dataOf(e.host.document).pins[EF.AUTH_PIN]!.triesLeft, 0);
    // The password is another counter: 5 tries, untouched by the PIN's.
    assert.equal(await send(e, selectEf('001B')), '9000');
    assert.equal(await send(e, '00200080'), '63C5');
    for (const left of [4, 3, 2, 1]) assert.equal(await send(e, verifyApdu('WRONG1')), `63C${left}`);
    assert.equal(await send(e, verifyApdu(PASSWORD)), '9000');
    assert.equal(await send(e, '00200080'), '9000');
    assert.equal(dataOf(e.host.document).pins[EF.SIGN_PASSWORD]!.triesLeft, 5);
  });

  it('a right value puts the counter back to its maximum', async () => {
    const e = await selected();
    assert.equal(await send(e, selectEf('0018')), '9000');
    assert.equal(await send(e, verifyApdu('1111')), '63C2');
    assert.equal(await send(e, verifyApdu(PIN)), '9000');
    assert.equal(dataOf(e.host.document).pins[EF.AUTH_PIN]!.triesLeft, 3);
  });

  it('resets a blocked PIN and password through the management interface (new value, counter at its maximum)', async () => {
    const e = await selected();
    assert.equal(await send(e, selectEf('0018')), '9000');
    for (const sw of ['63C2', '63C1', '63C0', '6984']) assert.equal(await send(e, verifyApdu('0000')), sw);
    assert.equal(await send(e, selectEf('001B')), '9000');
    for (const sw of ['63C4', '63C3', '63C2', '63C1', '63C0', '6984']) assert.equal(await send(e, verifyApdu('BAD000')), sw);
    const t = await tsm(e);
    const r = await t.manage([setReferenceDataCommand(EF.AUTH_PIN, '5678'), setReferenceDataCommand(EF.SIGN_PASSWORD, 'NEWPASS2026')]);
    assert.deepEqual(r.sws, [0x9000]);
    assert.equal(await send(e, selectEf('0018')), '9000');
    assert.equal(await send(e, '00200080'), '63C3');
    assert.equal(await send(e, verifyApdu(PIN)), '63C2');
    assert.equal(await send(e, verifyApdu('5678')), '9000');
    assert.equal(await send(e, selectEf('001B')), '9000');
    assert.equal(await send(e, '00200080'), '63C5');
    assert.equal(await send(e, verifyApdu('NEWPASS2026')), '9000');
  });

  it('forgets every verification when the management interface changes anything', async () => {
    const e = await selected();
    assert.equal(await send(e, selectEf('0018')), '9000');
    assert.equal(await send(e, verifyApdu(PIN)), '9000');
    assert.equal(await send(e, '00200080'), '9000');
    await (await tsm(e)).manage([setReferenceDataCommand(EF.SIGN_PASSWORD, 'OTHER123')]);
    assert.equal(await send(e, '00200080'), '63C3');
    assert.equal(await send(e, selectEf('0017')), '9000');
    assert.equal(await send(e, '802A0080020102' + '00'), '6982');
  });

  it('refuses a PIN or password outside its format from the management interface (6A80), changing nothing', async () => {
    const e = await element((await personalised()).document);
    const t = await tsm(e);
    const before = e.host.document;
    const bad: [string, string][] = [
      ['0018', '123'],
      ['0018', '12345'],
      ['0018', '12A4'],
      ['001B', 'ABC12'],
      ['001B', 'abc123'],
      ['001B', 'ABCDEFGHIJKLMNOPQ'],
      ['001B', 'ABC 123'],
    ];
    for (const [fid, value] of bad) {
      const bytes = new TextEncoder().encode(value);
      const object = Uint8Array.of(0xe3, 4 + 2 + bytes.length, 0x83, 0x02, ...Buffer.from(fid, 'hex'), 0x80, bytes.length, ...bytes);
      assert.equal(await t.installForPersonalization(), 0x9000);
      const r = await t.blocks([{ p1: 0x90, p2: 0, data: object, expectsResponse: false }]);
      assert.deepEqual(r.sws, [0x6a80], `${fid} ${value}`);
    }
    assert.equal(e.host.document, before);
  });

  it('CHANGE REFERENCE DATA works after VERIFY and keeps the format rules', async () => {
    const e = await selected();
    assert.equal(await send(e, selectEf('001B')), '9000');
    assert.equal(await send(e, changeApdu('NEWPW1')), '6982');
    assert.equal(await send(e, verifyApdu(PASSWORD)), '9000');
    assert.equal(await send(e, changeApdu('short')), '6A80');
    assert.equal(await send(e, changeApdu('NEWPW1')), '9000');
    assert.equal(await send(e, SELECT_AP), '9000');
    assert.equal(await send(e, selectEf('001B')), '9000');
    assert.equal(await send(e, verifyApdu(PASSWORD)), '63C4');
    assert.equal(await send(e, verifyApdu('NEWPW1')), '9000');
    assert.equal(dataOf(e.host.document).pins[EF.SIGN_PASSWORD]!.N, TEST_KDF.N);
  });

  it('commits the decremented counter before comparing: torn there, even the right PIN has cost a try', async () => {
    const e = await selected();
    assert.equal(await send(e, selectEf('0018')), '9000');
    const seen: number[] = [];
    e.host.onCommit = (doc) => {
      seen.push(dataOf(doc).pins[EF.AUTH_PIN]!.triesLeft);
      throw new Tear('power cut after the first commit');
    };
    assert.equal(await send(e, verifyApdu(PIN)), '6F00');
    assert.deepEqual(seen, [2]);
    // Power comes back: the element loads what was saved.
    const again = await selected(e.host.document);
    assert.equal(await send(again, selectEf('0018')), '9000');
    assert.equal(await send(again, '00200080'), '63C2');
    assert.equal(await send(again, verifyApdu(PIN)), '9000');
    assert.equal(await send(again, '00200080'), '9000');
    assert.equal(dataOf(again.host.document).pins[EF.AUTH_PIN]!.triesLeft, 3);
  });

  it('tears never give a try back: a cut after every commit of a wrong VERIFY leaves the counter down', async () => {
    let document = (await personalised()).document;
    for (const expected of [4, 3, 2, 1, 0]) {
      const e = await selected(document);
      assert.equal(await send(e, selectEf('001B')), '9000');
      e.host.onCommit = () => {
        throw new Tear('cut');
      };
      assert.equal(await send(e, verifyApdu('WRONG0')), '6F00');
      document = e.host.document;
      assert.equal(dataOf(document).pins[EF.SIGN_PASSWORD]!.triesLeft, expected);
    }
    const e = await selected(document);
    assert.equal(await send(e, selectEf('001B')), '9000');
    assert.equal(await send(e, verifyApdu(PASSWORD)), '6984');
  });

  it('commits twice on a right value (decrement, then reset) and once on a wrong one', async () => {
    const e = await selected();
    assert.equal(await send(e, selectEf('0018')), '9000');
    const seen: number[] = [];
    e.host.onCommit = (doc) => void seen.push(dataOf(doc).pins[EF.AUTH_PIN]!.triesLeft);
    assert.equal(await send(e, verifyApdu('4321')), '63C2');
    assert.equal(await send(e, verifyApdu(PIN)), '9000');
    assert.deepEqual(seen, [2, 1, 3]);
  });
});
