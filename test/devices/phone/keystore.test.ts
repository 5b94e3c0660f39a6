import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex } from '../../../src/bytes/index.js';
import { signAuthToken, type Phone } from '../../../src/devices/phone/index.js';
import { manualClock, signingCertificate, testPhone } from './helpers.js';

const APP = 'jp.go.jpki.mobile';
const PIN = new TextEncoder().encode('1234');

async function rejects(p: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  await assert.rejects(async () => (typeof p === 'function' ? p() : p), (err: { code?: string }) => err.code === code);
}

async function setup() {
  const time = manualClock();
  const t = await testPhone({ clock: time.clock });
  await t.phone.installApp({ packageName: APP, signingCertificates: [await signingCertificate('JPKI app')] });
  return { ...t, time };
}

/** Encrypts with a per-operation key: begin, the user's finger bound to the operation, finish. */
async function withFinger(phone: Phone, finger: string, purpose: 'encrypt' | 'decrypt', input: Uint8Array, alias = 'pin'): Promise<Uint8Array> {
  const op = await phone.keystore.begin(APP, alias, purpose);
  await phone.biometrics.authenticate(finger, { challenge: op.challenge });
  return op.finish(input);
}

describe('keystore: keys bound to a biometric authentication', () => {
  it('the JPKI use: the PIN sealed under a per-operation key is released by a fingerprint', async () => {
    const { phone } = await setup();
    await phone.biometrics.enrol('right thumb');
    const info = await phone.keystore.generateKey(APP, { alias: 'pin', userAuthenticationRequired: true });
    assert.deepEqual(
      [info.invalidatedByBiometricEnrollment, info.authValiditySeconds, info.invalidated],
      [true, 0, false],
      'bound to the enrolment and per operation by default',
    );
    const sealed = await withFinger(phone, 'right thumb', 'encrypt', PIN);
    assert.equal(sealed.length, 12 + PIN.length + 16);
    assert.ok(!toHex(sealed).includes(toHex(PIN)));
    assert.deepEqual(await withFinger(phone, 'right thumb', 'decrypt', sealed), PIN);
  });

  it('a per-operation key refuses an operation without its own authentication, and a token serves once', async () => {
    const { phone } = await setup();
    await phone.biometrics.enrol('right thumb');
    await phone.keystore.generateKey(APP, { alias: 'pin', userAuthenticationRequired: true });
    const sealed = await withFinger(phone, 'right thumb', 'encrypt', PIN);
    await rejects((await phone.keystore.begin(APP, 'pin', 'decrypt')).finish(sealed), 'ERR_KEYSTORE_USER_NOT_AUTHENTICATED');
    await phone.biometrics.authenticate('right thumb');
    await rejects(phone.keystore.decrypt(APP, 'pin', sealed), 'ERR_KEYSTORE_USER_NOT_AUTHENTICATED');
    const first = await phone.keystore.begin(APP, 'pin', 'decrypt');
    const second = await phone.keystore.begin(APP, 'pin', 'decrypt');
    await phone.biometrics.authenticate('right thumb', { challenge: first.challenge });
    await rejects(second.finish(sealed), 'ERR_KEYSTORE_USER_NOT_AUTHENTICATED');
    assert.deepEqual(await first.finish(sealed), PIN);
    await rejects(first.finish(sealed), 'ERR_KEYSTORE_OPERATION_FINISHED');
    const third = await phone.keystore.begin(APP, 'pin', 'decrypt');
    assert.deepEqual(await phone.biometrics.authenticate('left thumb', { challenge: third.challenge }), { ok: false, failuresLeft: 4 });
    await rejects(third.finish(sealed), 'ERR_KEYSTORE_USER_NOT_AUTHENTICATED');
  });

  it('a time-bound key works for N seconds after an authentication', async () => {
    const { phone, time } = await setup();
    await phone.biometrics.enrol('right thumb');
    await phone.keystore.generateKey(APP, { alias: 'session', userAuthenticationRequired: true, authValiditySeconds: 10 });
    await rejects(phone.keystore.encrypt(APP, 'session', PIN), 'ERR_KEYSTORE_USER_NOT_AUTHENTICATED');
    await phone.biometrics.authenticate('right thumb');
    const a = await phone.keystore.encrypt(APP, 'session', PIN);
    time.advance(10_000);
    assert.deepEqual(await phone.keystore.decrypt(APP, 'session', a), PIN, 'at 10 s, still valid');
    time.advance(1);
    await rejects(phone.keystore.decrypt(APP, 'session', a), 'ERR_KEYSTORE_USER_NOT_AUTHENTICATED');
    await phone.biometrics.authenticate('right thumb');
    assert.deepEqual(await phone.keystore.decrypt(APP, 'session', a), PIN);
    await phone.reboot();
    await rejects(phone.keystore.decrypt(APP, 'session', a), 'ERR_KEYSTORE_USER_NOT_AUTHENTICATED');
  });

  it('an enrolment change invalidates bound keys for good; an unbound key keeps working', async () => {
    const { phone } = await setup();
    const thumb = await phone.biometrics.enrol('right thumb');
    await phone.keystore.generateKey(APP, { alias: 'pin', userAuthenticationRequired: true });
    await phone.keystore.generateKey(APP, { alias: 'loose', userAuthenticationRequired: true, invalidatedByBiometricEnrollment: false, authValiditySeconds: 60 });
    const sealed = await withFinger(phone, 'right thumb', 'encrypt', PIN);
    await phone.biometrics.enrol('left thumb');
    await rejects(phone.keystore.begin(APP, 'pin', 'decrypt'), 'ERR_KEYSTORE_KEY_PERMANENTLY_INVALIDATED');
    assert.equal(phone.keystore.getKeyInfo(APP, 'pin').invalidated, true);
    assert.equal(phone.toState().keystore.keys.find((k) => k.alias === 'pin')!.invalidated, true, 'saved');
    await phone.biometrics.remove(thumb);
    await phone.biometrics.authenticate('left thumb');
    await rejects(phone.keystore.begin(APP, 'pin', 'decrypt'), 'ERR_KEYSTORE_KEY_PERMANENTLY_INVALIDATED');
    assert.ok((await phone.keystore.encrypt(APP, 'loose', PIN)).length > 0, 'any current finger unlocks an unbound key');
    await phone.keystore.deleteKey(APP, 'pin');
    await phone.keystore.generateKey(APP, { alias: 'pin', userAuthenticationRequired: true });
    assert.notDeepEqual(await withFinger(phone, 'left thumb', 'encrypt', PIN), sealed);
  });

  it('an enrolment change between begin and finish is caught at finish', async () => {
    const { phone } = await setup();
    await phone.biometrics.enrol('right thumb');
    await phone.keystore.generateKey(APP, { alias: 'pin', userAuthenticationRequired: true });
    const op = await phone.keystore.begin(APP, 'pin', 'encrypt');
    await phone.biometrics.authenticate('right thumb', { challenge: op.challenge });
    await phone.biometrics.enrol('left thumb');
    await rejects(op.finish(PIN), 'ERR_KEYSTORE_KEY_PERMANENTLY_INVALIDATED');
  });
});

describe('keystore: rules', () => {
  it('needs an enrolled finger for a biometric key, and checks the specification', async () => {
    const { phone } = await setup();
    await rejects(phone.keystore.generateKey(APP, { alias: 'pin', userAuthenticationRequired: true }), 'ERR_KEYSTORE_NO_BIOMETRIC_ENROLLED');
    await rejects(phone.keystore.generateKey(APP, { alias: '', userAuthenticationRequired: false }), 'ERR_KEYSTORE_SPEC_INVALID');
    await rejects(phone.keystore.generateKey(APP, { alias: 'a', userAuthenticationRequired: false, authValiditySeconds: -1 }), 'ERR_KEYSTORE_SPEC_INVALID');
    await rejects(phone.keystore.generateKey(APP, { alias: 'a', userAuthenticationRequired: false, invalidatedByBiometricEnrollment: true }), 'ERR_KEYSTORE_SPEC_INVALID');
    await phone.keystore.generateKey(APP, { alias: 'plain', userAuthenticationRequired: false });
    await rejects(phone.keystore.generateKey(APP, { alias: 'plain', userAuthenticationRequired: false }), 'ERR_KEYSTORE_KEY_EXISTS');
    assert.deepEqual(await phone.keystore.decrypt(APP, 'plain', await phone.keystore.encrypt(APP, 'plain', PIN)), PIN, 'no authentication needed');
  });

  it('keys belong to one app; data and AAD are authenticated', async () => {
    const { phone } = await setup();
    await phone.keystore.generateKey(APP, { alias: 'plain', userAuthenticationRequired: false });
    const aad = new TextEncoder().encode('context');
    const sealed = await phone.keystore.encrypt(APP, 'plain', PIN, aad);
    await rejects(phone.keystore.decrypt('com.example.other', 'plain', sealed, aad), 'ERR_KEYSTORE_KEY_NOT_FOUND');
    assert.deepEqual(phone.keystore.aliases('com.example.other'), []);
    await rejects(phone.keystore.decrypt(APP, 'plain', sealed), 'ERR_KEYSTORE_DECRYPT_FAILED');
    const altered = sealed.slice();
    altered[14]! ^= 1;
    await rejects(phone.keystore.decrypt(APP, 'plain', altered, aad), 'ERR_KEYSTORE_DECRYPT_FAILED');
    await rejects(phone.keystore.decrypt(APP, 'plain', sealed.subarray(0, 20), aad), 'ERR_KEYSTORE_DECRYPT_FAILED');
  });

  it('refuses an auth token that is not from this boot\'s sensor', async () => {
    const { phone } = await setup();
    await phone.biometrics.enrol('right thumb');
    await phone.keystore.generateKey(APP, { alias: 't', userAuthenticationRequired: true, authValiditySeconds: 60 });
    const forged = signAuthToken(new Uint8Array(32), { challenge: undefined, authenticatorId: phone.biometrics.authenticatorId!, timestamp: Date.now() });
    await rejects(() => phone.keystore.addAuthToken(forged), 'ERR_KEYSTORE_AUTH_TOKEN_INVALID');
    await rejects(phone.keystore.encrypt(APP, 't', PIN), 'ERR_KEYSTORE_USER_NOT_AUTHENTICATED');
  });

  it('nothing works while the phone is off', async () => {
    const { phone } = await setup();
    await phone.powerOff();
    await rejects(phone.biometrics.enrol('right thumb'), 'ERR_PHONE_POWERED_OFF');
    await rejects(phone.biometrics.authenticate('right thumb'), 'ERR_PHONE_POWERED_OFF');
    await rejects(phone.keystore.generateKey(APP, { alias: 'x', userAuthenticationRequired: false }), 'ERR_PHONE_POWERED_OFF');
  });
});
