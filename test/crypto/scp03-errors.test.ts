import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { command } from '../../src/apdu/index.js';
import { fromHex, toHex } from '../../src/bytes/index.js';
import {
  aesCbcEncrypt,
  aesEncryptBlock,
  AesCmac,
  decodePutKeyData,
  deriveSessionKeys,
  encodePutKeyData,
  keyCheckValue,
  macCla,
  Scp03CardSession,
  Scp03Error,
  Scp03HostSession,
  scp03KeySet,
} from '../../src/crypto/index.js';
import { seededRandom } from '../helpers/vectors.js';
import { KDD, keySetOf, openPair, SD_AID } from './scp03-pair.js';

function isScp03(code: string, sw?: number) {
  return (e: unknown) => e instanceof Scp03Error && e.code === code && (sw === undefined || e.sw === sw);
}

/** The chaining value right after EXTERNAL AUTHENTICATE: the full CMAC of that command (Amendment D 6.2.3). */
function chainingAfterEa(pair: ReturnType<typeof openPair>): Uint8Array {
  const ea = pair.externalAuthenticate;
  return new AesCmac(pair.sessionKeys.sMac).mac(new Uint8Array(16), Uint8Array.of(0x84, 0x82, ea.p1, 0x00, 0x10), ea.data.subarray(0, 8));
}

const GET_DATA = command(0x80, 0xca, 0x00, 0x66, undefined, 256);
const STORE = command(0x80, 0xe2, 0x90, 0x00, fromHex('0102030405060708090A'));

describe('SCP03 rejections (Amendment D 5.6)', () => {
  it('a tampered C-MAC is a security error and aborts the session until a new INITIALIZE UPDATE', () => {
    const { host, card } = openPair(0x01);
    const wire = host.wrap(STORE);
    const data = Uint8Array.from(wire.data);
    data[data.length - 1]! ^= 0x01;
    assert.throws(() => card.unwrapCommand({ ...wire, data }), isScp03('ERR_SCP03_C_MAC', 0x6982));
    assert.equal(card.state, 'aborted');
    assert.equal(card.level, undefined);
    assert.throws(() => card.unwrapCommand(host.wrap(GET_DATA)), isScp03('ERR_SCP03_ABORTED', 0x6982));
    // A new INITIALIZE UPDATE terminates the aborted session and a fresh one works.
    const again = openPair(0x01, keySetOf(16), { seed: 99 });
    assert.equal(again.exchange(GET_DATA, { data: new Uint8Array(0), sw: 0x9000 }).received.ins, 0xca);
  });

  it('a tampered data byte under C-MAC is caught the same way', () => {
    const { host, card } = openPair(0x11);
    const wire = host.wrap(STORE);
    const data = Uint8Array.from(wire.data);
    data[0]! ^= 0x80;
    assert.throws(() => card.unwrapCommand({ ...wire, data }), isScp03('ERR_SCP03_C_MAC', 0x6982));
  });

  it('a replayed command fails its C-MAC (the chaining value moved on) and aborts', () => {
    const { host, card } = openPair(0x03);
    const wire = host.wrap(STORE);
    card.unwrapCommand(wire);
    assert.throws(() => card.unwrapCommand(wire), isScp03('ERR_SCP03_C_MAC', 0x6982));
    assert.equal(card.state, 'aborted');
  });

  it('a wrong host cryptogram answers 6300 and ends the initiation', () => {
    const keys = keySetOf(16);
    const card = new Scp03CardSession();
    const hostChallenge = fromHex('0102030405060708');
    const iu = card.initializeUpdate(command(0x80, 0x50, 0x30, 0x00, hostChallenge, 256), {
      keys,
      i: 0x70,
      keyDiversificationData: KDD,
      sdAid: SD_AID,
      sequenceCounter: 5,
    });
    const cardChallenge = iu.data.subarray(13, 21);
    const s = deriveSessionKeys(keys, hostChallenge, cardChallenge);
    const wrongCryptogram = fromHex('0000000000000000');
    const mac = new AesCmac(s.sMac).mac(new Uint8Array(16), Uint8Array.of(macCla(0x84), 0x82, 0x01, 0x00, 0x10), wrongCryptogram);
    const ea = command(0x84, 0x82, 0x01, 0x00, Uint8Array.from([...wrongCryptogram, ...mac.subarray(0, 8)]));
    assert.throws(() => card.externalAuthenticate(ea), isScp03('ERR_SCP03_HOST_CRYPTOGRAM', 0x6300));
    assert.equal(card.state, 'none');
    assert.throws(() => card.externalAuthenticate(ea), isScp03('ERR_SCP03_STATE', 0x6985));
  });

  it('an EXTERNAL AUTHENTICATE with a bad C-MAC answers 6982', () => {
    const keys = keySetOf(24);
    const host = new Scp03HostSession({ keys, random: seededRandom(3) });
    const card = new Scp03CardSession();
    host.onInitializeUpdateResponse(card.initializeUpdate(host.initializeUpdate(), { keys, i: 0x70, keyDiversificationData: KDD, sdAid: SD_AID, sequenceCounter: 9 }));
    const ea = host.externalAuthenticate(0x33);
    const data = Uint8Array.from(ea.data);
    data[15]! ^= 0xff;
    assert.throws(() => card.externalAuthenticate({ ...ea, data }), isScp03('ERR_SCP03_C_MAC', 0x6982));
    assert.throws(() => host.onExternalAuthenticateResponse({ data: new Uint8Array(0), sw: 0x6982 }), isScp03('ERR_SCP03_C_MAC', 0x6982));
    assert.equal(host.state, 'failed');
  });

  it('bad padding after decryption is a security error and aborts', () => {
    const pair = openPair(0x03);
    const s = pair.sessionKeys;
    // Forge what only a key holder can: a command with a right C-MAC whose plaintext is not padded.
    const chaining = chainingAfterEa(pair);
    const counterBlock = new Uint8Array(16);
    counterBlock[15] = 1;
    const ciphertext = aesCbcEncrypt(s.sEnc, aesEncryptBlock(s.sEnc, counterBlock), new Uint8Array(16).fill(0x11));
    const mac = new AesCmac(s.sMac).mac(chaining, Uint8Array.of(0x84, 0xe2, 0x90, 0x00, 0x18), ciphertext);
    const forged = command(0x84, 0xe2, 0x90, 0x00, Uint8Array.from([...ciphertext, ...mac.subarray(0, 8)]));
    assert.throws(() => pair.card.unwrapCommand(forged), isScp03('ERR_SCP03_PADDING', 0x6982));
    assert.equal(pair.card.state, 'aborted');
  });

  it('a command with less protection than the level is rejected and aborts the session', () => {
    const macOnly = openPair(0x01);
    assert.throws(() => macOnly.card.unwrapCommand(GET_DATA), isScp03('ERR_SCP03_INSUFFICIENT_PROTECTION', 0x6982));
    assert.equal(macOnly.card.state, 'aborted');

    // C-DEC session, command only MACed (data in clear, 10 bytes: not whole blocks).
    const full = openPair(0x13);
    // A key holder's command with a right C-MAC over clear data: MAC-only where the level demands C-DEC.
    const mac = new AesCmac(full.sessionKeys.sMac).mac(chainingAfterEa(full), Uint8Array.of(0x84, 0xe2, 0x90, 0x00, 0x12), STORE.data);
    const clear = command(0x84, 0xe2, 0x90, 0x00, Uint8Array.from([...STORE.data, ...mac.subarray(0, 8)]));
    assert.throws(() => full.card.unwrapCommand(clear), isScp03('ERR_SCP03_INSUFFICIENT_PROTECTION', 0x6982));
    assert.equal(full.card.state, 'aborted');
  });

  it('refuses security levels the spec does not list, and R-MAC when the key set does not support it', () => {
    const keys = keySetOf(16);
    const host = new Scp03HostSession({ keys, random: seededRandom(5) });
    const card = new Scp03CardSession();
    host.onInitializeUpdateResponse(card.initializeUpdate(host.initializeUpdate(), { keys, i: 0x10, keyDiversificationData: KDD, sdAid: SD_AID, sequenceCounter: 2 }));
    assert.throws(() => host.externalAuthenticate(0x10 as never), isScp03('ERR_SCP03_SECURITY_LEVEL', 0x6a86));
    const ea = host.externalAuthenticate(0x11);
    assert.throws(() => card.externalAuthenticate(ea), isScp03('ERR_SCP03_SECURITY_LEVEL', 0x6a86));
  });

  it('host side: wrong static keys fail the card cryptogram; a tampered R-MAC fails the session', () => {
    const cardKeys = keySetOf(16, 1);
    const host = new Scp03HostSession({ keys: keySetOf(16, 2), random: seededRandom(1) });
    const card = new Scp03CardSession();
    const response = card.initializeUpdate(host.initializeUpdate(), { keys: cardKeys, i: 0x70, keyDiversificationData: KDD, sdAid: SD_AID, sequenceCounter: 1 });
    assert.throws(() => host.onInitializeUpdateResponse(response), isScp03('ERR_SCP03_CARD_CRYPTOGRAM'));
    assert.equal(host.state, 'failed');
    assert.throws(() => host.externalAuthenticate(0x01), isScp03('ERR_SCP03_STATE'));

    const pair = openPair(0x33);
    pair.card.unwrapCommand(pair.host.wrap(GET_DATA));
    const reply = { data: fromHex('66 03 73 01 00'), sw: 0x9000 };
    const wireReply = pair.card.wrapResponse(reply);
    const bad = Uint8Array.from(wireReply.data);
    bad[bad.length - 1]! ^= 1;
    assert.throws(() => pair.host.unwrap({ data: bad, sw: 0x9000 }), isScp03('ERR_SCP03_R_MAC', 0x9000));
    assert.equal(pair.host.state, 'failed');
    assert.throws(() => pair.host.wrap(GET_DATA), isScp03('ERR_SCP03_STATE'));
  });

  it('host side: an R-MAC response too short, and a malformed INITIALIZE UPDATE response, have their codes', () => {
    const pair = openPair(0x11);
    pair.host.wrap(GET_DATA);
    assert.throws(() => pair.host.unwrap({ data: fromHex('0102'), sw: 0x9000 }), isScp03('ERR_SCP03_RESPONSE_FORMAT'));
    const host = new Scp03HostSession({ keys: keySetOf(16), random: seededRandom(1) });
    host.initializeUpdate();
    assert.throws(() => host.onInitializeUpdateResponse({ data: new Uint8Array(28), sw: 0x9000 }), isScp03('ERR_SCP03_INIT_UPDATE_RESPONSE'));
    host.initializeUpdate();
    assert.throws(() => host.onInitializeUpdateResponse({ data: new Uint8Array(0), sw: 0x6a88 }), isScp03('ERR_SCP03_INIT_UPDATE_RESPONSE', 0x6a88));
  });

  it('error status words travel without R-MAC, and the session stays open', () => {
    const pair = openPair(0x33);
    const { response } = pair.exchange(GET_DATA, { data: new Uint8Array(0), sw: 0x6a88 });
    assert.equal(response.sw, 0x6a88);
    assert.equal(response.data.length, 0);
    const next = pair.exchange(GET_DATA, { data: fromHex('AABB'), sw: 0x9000 });
    assert.equal(toHex(next.response.data), 'AABB');
  });

  it('INITIALIZE UPDATE with a wrong length answers 6700', () => {
    const card = new Scp03CardSession();
    assert.throws(
      () => card.initializeUpdate(command(0x80, 0x50, 0, 0, new Uint8Array(7), 256), { keys: keySetOf(16), i: 0x70, keyDiversificationData: KDD, sdAid: SD_AID, sequenceCounter: 1 }),
      isScp03('ERR_SCP03_WRONG_LENGTH', 0x6700),
    );
  });
});

describe('PUT KEY key data (Amendment D 6.2.8, 7.2)', () => {
  const traceKeys = scp03KeySet(0x30, fromHex('000102030405060708090A0B0C0D0E0F'), fromHex('101112131415161718191A1B1C1D1E1F'), fromHex('202122232425262728292A2B2C2D2E2F'));

  it('computes the KCVs of the pySim AES128 key set', () => {
    assert.deepEqual([traceKeys.enc, traceKeys.mac, traceKeys.dek].map((k) => toHex(keyCheckValue(k))), ['C35280', '013808', '840DE5']);
  });

  for (const length of [16, 24, 32] as const) {
    it(`encodes and decodes a ${length * 8}-bit key set under the DEK with KCV checks`, () => {
      const next = keySetOf(length, 11, 0x31);
      const data = encodePutKeyData(traceKeys.dek, 0x31, next);
      const fieldLength = length === 24 ? 32 : length;
      assert.equal(data.length, 1 + 3 * (3 + fieldLength + 4));
      assert.equal(data[1], 0x88);
      assert.equal(data[2], fieldLength + 1);
      assert.equal(data[3], length);
      const decoded = decodePutKeyData(traceKeys.dek, data);
      assert.equal(decoded.kvn, 0x31);
      assert.deepEqual(decoded.keys.map(toHex), [next.enc, next.mac, next.dek].map(toHex));
      const tampered = Uint8Array.from(data);
      tampered[data.length - 1]! ^= 1;
      assert.throws(() => decodePutKeyData(traceKeys.dek, tampered), isScp03('ERR_SCP03_KEY_DATA', 0x6982));
      assert.throws(() => decodePutKeyData(traceKeys.dek, data.subarray(0, 10)), isScp03('ERR_SCP03_KEY_DATA', 0x6a80));
    });
  }
});
