import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatusWordError, type CommandApdu } from '../../../../src/apdu/index.js';
import { concat, fromHex, toHex } from '../../../../src/bytes/index.js';
import { StoreDataSequence } from '../../../../src/devices/applets/jpki/store-data.js';

/*
 * The applet's STORE DATA reassembly alone (no element): block numbers to the end of their range, data
 * objects split at every byte, and the state after a refusal.
 */

const block = (p1: number, p2: number, data: Uint8Array): CommandApdu => ({ cla: 0x80, ins: 0xe2, p1, p2, data });
const refusedWith = (sw: number) => (err: unknown) => err instanceof StatusWordError && err.sw === sw;

/** A 300-byte PUT CERTIFICATE-shaped data object (reassembly does not look inside). */
const OBJECT = concat(fromHex('E282012883020002808201203082011C'), new Uint8Array(284).fill(0x5a));

describe('StoreDataSequence', () => {
  it('reassembles a data object sent one byte per block, over all 256 block numbers', () => {
    assert.equal(OBJECT.length, 300);
    const s = new StoreDataSequence();
    for (let i = 0; i < 255; i++) assert.deepEqual(s.accept(block(0x10, i, OBJECT.subarray(i, i + 1))), { objects: [], last: false });
    const end = s.accept(block(0x90, 0xff, OBJECT.subarray(255)));
    assert.equal(end.last, true);
    assert.deepEqual(end.objects.map(toHex), [toHex(OBJECT)]);
  });

  it('refuses block FF when it is not the last (6A86): there is no block after it', () => {
    const s = new StoreDataSequence();
    for (let i = 0; i < 255; i++) s.accept(block(0x10, i, OBJECT.subarray(i, i + 1)));
    assert.throws(() => s.accept(block(0x10, 0xff, OBJECT.subarray(255, 256))), refusedWith(0x6a86));
    assert.throws(() => s.accept(block(0x90, 1, OBJECT)), refusedWith(0x6a86), 'the sequence was aborted');
  });

  it('returns each data object in the block that completes it, several per block, in order', () => {
    const s = new StoreDataSequence();
    const stream = fromHex('E700E500E30A83020018800431323334E700');
    assert.deepEqual(s.accept(block(0x10, 0, stream.subarray(0, 7))).objects.map(toHex), ['E700', 'E500']);
    assert.deepEqual(s.accept(block(0x10, 1, stream.subarray(7, 15))).objects.map(toHex), []);
    assert.deepEqual(s.accept(block(0x90, 2, stream.subarray(15))).objects.map(toHex), ['E30A83020018800431323334', 'E700']);
  });

  it('block 00 starts over, dropping what was pending', () => {
    const s = new StoreDataSequence();
    s.accept(block(0x10, 0, OBJECT.subarray(0, 100)));
    assert.deepEqual(s.accept(block(0x90, 0, fromHex('E700'))).objects.map(toHex), ['E700']);
  });

  it('knows a bad header at its first bytes, before the data object is complete', () => {
    assert.throws(() => new StoreDataSequence().accept(block(0x10, 0, fromHex('E9'))), refusedWith(0x6a80));
    assert.throws(() => new StoreDataSequence().accept(block(0x10, 0, fromHex('E284'))), refusedWith(0x6a80));
    assert.throws(() => new StoreDataSequence().accept(block(0x10, 0, fromHex('E2827FFF'))), refusedWith(0x6a84));
    assert.deepEqual(new StoreDataSequence().accept(block(0x10, 0, fromHex('E282'))).objects, []);
  });
});
