import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FileCardStore } from '../../../src/card/index.js';
import { IdCard, reinitialisePassword, reinitialisePin, type IdCardState } from '../../../src/devices/id-card/index.js';
import { issuedState, PASSWORD, PIN, SELECT_AP, selectEf, send, TEST_KDF, verifyApdu } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'id-card-pin-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function cardFile(name: string): Promise<FileCardStore<IdCardState>> {
  const store = new FileCardStore<IdCardState>(join(dir, name));
  await store.create(await issuedState());
  return store;
}

async function openPowered(store: FileCardStore<IdCardState>): Promise<IdCard> {
  const card = await IdCard.open(store);
  await card.powerOn();
  return card;
}

function onDisk(store: FileCardStore<IdCardState>): IdCardState {
  return JSON.parse(readFileSync(store.path, 'utf8')) as IdCardState;
}

describe('Individual Number Card: PIN blocking survives everything but the office', () => {
  it('counts down 63C2, 63C1, 63C0, then 6984, each try on disk before its answer', async () => {
    const store = await cardFile('count.json');
    const card = await openPowered(store);
    assert.equal(await send(card, SELECT_AP), '9000');
    assert.equal(await send(card, selectEf('0018')), '9000');
    for (const [sw, left] of [['63C2', 2], ['63C1', 1], ['63C0', 0]] as const) {
      assert.equal(await send(card, verifyApdu('0000')), sw);
      assert.equal(onDisk(store).jpki.files['0018'].triesLeft, left);
    }
    assert.equal(await send(card, verifyApdu('0000')), '6984');
    assert.equal(await send(card, verifyApdu(PIN)), '6984');
    assert.equal(onDisk(store).jpki.files['0018'].triesLeft, 0);
    assert.equal(onDisk(store).jpki.files['001B'].triesLeft, 5, 'the password is untouched');
    assert.equal(statSync(store.path).mode & 0o777, 0o600);
  });

  it('stays blocked when the card is loaded again from its file and after any number of power cycles', async () => {
    const store = await cardFile('reload.json');
    let card = await openPowered(store);
    await send(card, SELECT_AP);
    await send(card, selectEf('0018'));
    for (let i = 0; i < 3; i++) await send(card, verifyApdu('9999'));
    for (let round = 0; round < 5; round++) {
      card = await openPowered(store);
      for (let cycle = 0; cycle < 10; cycle++) {
        if (cycle % 2 === 0) await card.reset();
        else {
          await card.powerOff();
          await card.powerOn();
        }
        assert.equal(await send(card, SELECT_AP), '9000');
        assert.equal(await send(card, selectEf('0018')), '9000');
        assert.equal(await send(card, '00200080'), '63C0');
        assert.equal(await send(card, verifyApdu(PIN)), '6984');
      }
    }
    // The other credential still works: the auth side is blocked, the signature side is not.
    assert.equal(await send(card, selectEf('001B')), '9000');
    assert.equal(await send(card, verifyApdu(PASSWORD)), '9000');
  });

  it('is unblocked by re-initialisation at the office, with a new PIN and 3 tries', async () => {
    const store = await cardFile('office.json');
    let card = await openPowered(store);
    await send(card, SELECT_AP);
    await send(card, selectEf('0018'));
    for (let i = 0; i < 3; i++) await send(card, verifyApdu('1111'));
    await card.powerOff();
    await store.save(await reinitialisePin(await store.load(), '2468', { kdf: TEST_KDF }));
    card = await openPowered(store);
    await send(card, SELECT_AP);
    await send(card, selectEf('0018'));
    assert.equal(await send(card, '00200080'), '63C3');
    assert.equal(await send(card, verifyApdu(PIN)), '63C2', 'the old PIN is gone');
    assert.equal(await send(card, verifyApdu('2468')), '9000');
    assert.equal(await send(card, selectEf('0017')), '9000');
    assert.equal(await send(card, '802A0080010100').then((r) => r.slice(-4)), '9000');
  });

  it('blocks the password after 5 wrong tries, and the office re-initialises it', async () => {
    const store = await cardFile('password.json');
    let card = await openPowered(store);
    await send(card, SELECT_AP);
    await send(card, selectEf('001B'));
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) answers.push(await send(card, verifyApdu('WRONGPW')));
    assert.deepEqual(answers, ['63C4', '63C3', '63C2', '63C1', '63C0', '6984']);
    await store.save(await reinitialisePassword(await store.load(), 'NEWPASS99', { kdf: TEST_KDF }));
    card = await openPowered(store);
    await send(card, SELECT_AP);
    await send(card, selectEf('001B'));
    assert.equal(await send(card, '00200080'), '63C5');
    assert.equal(await send(card, verifyApdu('NEWPASS99')), '9000');
  });
});
