import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../../src/bytes/index.js';
import {
  aesCmac,
  deriveSessionKeys,
  GP_TEST_KEY,
  keyCheckValue,
  pseudoRandomCardChallenge,
  scp03Derive,
  scp03KeySet,
} from '../../src/crypto/index.js';
import { hasCode } from '../../src/errors/index.js';
import { vectorLines } from '../helpers/vectors.js';

describe('SCP03 data derivation (Amendment D 4.1.5)', () => {
  const lines = vectorLines('scp03-kdf.txt');
  it('has all 40 lines of the blaufish/GlobalPlatformPro vector file', () => assert.equal(lines.length, 40));
  lines.forEach(([keyIn, constant, context, keyOut], index) => {
    it(`vector line ${index + 1} (constant ${constant})`, () => {
      const out = scp03Derive(fromHex(keyIn!), parseInt(constant!, 16), fromHex(context!), (keyOut!.length / 2) * 8);
      assert.equal(toHex(out), keyOut);
    });
  });

  it('matches the GlobalPlatformPro unit-test KCVs for the session keys of the test key', () => {
    const keys = scp03KeySet(0x30, GP_TEST_KEY, GP_TEST_KEY, GP_TEST_KEY);
    assert.equal(toHex(keyCheckValue(GP_TEST_KEY)), '504A77');
    // TestPlaintextKeys.java: context = KDD 00010203040506070809 split as "host || card" of 10 bytes.
    const kdd = fromHex('00010203040506070809');
    const s = deriveSessionKeys(keys, kdd.subarray(0, 0), kdd);
    assert.equal(toHex(keyCheckValue(s.sEnc)), 'C25559');
    assert.equal(toHex(keyCheckValue(s.sMac)), '0E12CC');
    assert.equal(toHex(keyCheckValue(s.sRmac)), '9ACB9C');
    const prf = aesCmac(GP_TEST_KEY, fromHex('00'.repeat(16) + '01' + '00'.repeat(16)));
    assert.equal(toHex(keyCheckValue(prf)), 'BD8165');
  });

  it('derives the S-ENC of the pySim AES128 level 11 session from its exact PRF input', () => {
    const input = fromHex('00000000000000000000000400008001' + 'B13E5F938FC108C4' + '3EB51047495B249F');
    assert.equal(toHex(aesCmac(fromHex('000102030405060708090A0B0C0D0E0F'), input)), 'C4E87149F2114DA66BB015A567D751F9');
  });

  it('computes the pseudo-random card challenge from the counter and the SD AID', () => {
    const challenge = pseudoRandomCardChallenge(fromHex('000102030405060708090A0B0C0D0E0F'), 2, fromHex('A0000005591010FFFFFFFF8900000100'));
    assert.equal(toHex(challenge), '3EB51047495B249F');
  });

  it('rejects bad parameters with their codes', () => {
    assert.throws(() => scp03Derive(GP_TEST_KEY, 256, new Uint8Array(0), 128), (e) => hasCode(e, 'ERR_SCP03_KDF_PARAMS'));
    assert.throws(() => scp03Derive(GP_TEST_KEY, 1, new Uint8Array(0), 12), (e) => hasCode(e, 'ERR_SCP03_KDF_PARAMS'));
    assert.throws(() => pseudoRandomCardChallenge(GP_TEST_KEY, 0x1000000, new Uint8Array(8)), (e) => hasCode(e, 'ERR_SCP03_SEQUENCE_COUNTER'));
    assert.throws(() => scp03KeySet(1, GP_TEST_KEY, GP_TEST_KEY, new Uint8Array(32)), (e) => hasCode(e, 'ERR_SCP03_KEY_LENGTH'));
    assert.throws(() => scp03KeySet(1, new Uint8Array(20), new Uint8Array(20), new Uint8Array(20)), (e) => hasCode(e, 'ERR_SCP03_KEY_LENGTH'));
  });
});
