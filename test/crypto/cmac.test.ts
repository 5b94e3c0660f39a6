import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../../src/bytes/index.js';
import { AesCmac, aesCmac } from '../../src/crypto/index.js';
import { hasCode } from '../../src/errors/index.js';
import { vectorLines } from '../helpers/vectors.js';

const KEY = fromHex('2B7E151628AED2A6ABF7158809CF4F3C');
const MESSAGE = fromHex(
  '6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E5130C81C46A35CE411E5FBC1191A0A52EFF69F2445DF4F9B17AD2B417BE66C3710',
);

describe('AES-CMAC (RFC 4493)', () => {
  it('derives the subkeys K1 and K2 of RFC 4493 section 4', () => {
    const { k1, k2 } = new AesCmac(KEY).subkeys();
    assert.equal(toHex(k1), 'FBEED618357133667C85E08F7236A8DE');
    assert.equal(toHex(k2), 'F7DDAC306AE266CCF90BC11EE46D513B');
  });

  const lines = vectorLines('aes-cmac-rfc4493.txt');
  it('has the four RFC 4493 examples in the vector file', () => assert.equal(lines.length, 4));
  for (const [length, expected] of lines) {
    it(`matches RFC 4493 example for a ${length}-byte message`, () => {
      assert.equal(toHex(aesCmac(KEY, MESSAGE.subarray(0, Number(length)))), expected);
    });
  }

  it('gives the same MAC for a message given in parts', () => {
    const cmac = new AesCmac(KEY);
    for (const cut of [0, 1, 15, 16, 17, 39, 40]) {
      const m = MESSAGE.subarray(0, 40);
      assert.equal(toHex(cmac.mac(m.subarray(0, cut), m.subarray(cut))), 'DFA66747DE9AE63030CA32611497C827');
    }
  });

  it('refuses a key that is not 16, 24 or 32 bytes', () => {
    assert.throws(() => new AesCmac(new Uint8Array(15)), (e) => hasCode(e, 'ERR_AES_KEY_LENGTH'));
  });
});
