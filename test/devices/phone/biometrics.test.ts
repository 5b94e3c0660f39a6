import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BiometricError} from '../../../src/devices/phone/index.js';
import { BiometricSensor, EMPTY_BIOMETRICS, verifyAuthToken, type AuthToken } from '../../../src/devices/phone/index.js';
import { seededRandom } from '../../helpers/vectors.js';
import { manualClock } from './helpers.js';

function sensor(options: { persist?: () => Promise<void> } = {}) {
  const time = manualClock();
  const tokens: AuthToken[] = [];
  const key = new Uint8Array(32).fill(1);
  let saves = 0;
  const s = new BiometricSensor(EMPTY_BIOMETRICS, {
    clock: time.clock,
    random: seededRandom(42),
    persist: options.persist ?? (async () => void saves++),
    tokens: { key: () => key, deliver: (t) => tokens.push(t) },
  });
  return { s, time, tokens, key, saves: () => saves };
}

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: { code?: string }) => err.code === code);
}

describe('biometric sensor: enrolment', () => {
  it('enrols and removes fingers by id, and the generation changes on every change', async () => {
    const { s, saves } = sensor();
    assert.equal(s.authenticatorId, undefined);
    const thumb = await s.enrol('right thumb');
    const g1 = s.authenticatorId!;
    assert.match(g1, /^[0-9A-F]{16}$/);
    const index = await s.enrol('right index');
    const g2 = s.authenticatorId!;
    assert.notEqual(g2, g1);
    assert.deepEqual(s.enrolments.map((e) => [e.id, e.finger]), [[thumb, 'right thumb'], [index, 'right index']]);
    await s.remove(thumb);
    assert.notEqual(s.authenticatorId, g2);
    assert.notEqual(s.authenticatorId, g1);
    await s.remove(index);
    assert.equal(s.authenticatorId, undefined, 'no finger, no generation');
    assert.equal(saves(), 4, 'each change is saved');
    const again = await s.enrol('right thumb');
    assert.ok(again > index, 'ids are not reused');
  });

  it('refuses bad finger names, duplicates, a sixth finger and unknown ids', async () => {
    const { s } = sensor();
    await rejects(s.enrol(''), 'ERR_BIOMETRIC_FINGER_INVALID');
    await rejects(s.enrol('x'.repeat(65)), 'ERR_BIOMETRIC_FINGER_INVALID');
    await rejects(s.enrol('thumb\n'), 'ERR_BIOMETRIC_FINGER_INVALID');
    for (const f of ['a', 'b', 'c', 'd', 'e']) await s.enrol(f);
    await rejects(s.enrol('a'), 'ERR_BIOMETRIC_ALREADY_ENROLLED');
    await rejects(s.enrol('f'), 'ERR_BIOMETRIC_ENROLMENT_FULL');
    await rejects(s.remove(99), 'ERR_BIOMETRIC_ENROLMENT_UNKNOWN');
  });
});

describe('biometric sensor: authentication', () => {
  it('succeeds for an enrolled finger with a verifiable token, fails for another', async () => {
    const { s, tokens, key, time } = sensor();
    await rejects(s.authenticate('right thumb'), 'ERR_BIOMETRIC_NONE_ENROLLED');
    const id = await s.enrol('right thumb');
    assert.deepEqual(await s.authenticate('right thumb'), { ok: true, enrolmentId: id });
    assert.equal(tokens.length, 1);
    assert.equal(tokens[0]!.authenticatorId, s.authenticatorId);
    assert.equal(tokens[0]!.timestamp, time.clock().getTime());
    assert.equal(tokens[0]!.challenge, undefined);
    assert.equal(verifyAuthToken(key, tokens[0]!), true);
    assert.equal(verifyAuthToken(new Uint8Array(32), tokens[0]!), false, 'another boot key');
    assert.equal(verifyAuthToken(key, { ...tokens[0]!, timestamp: tokens[0]!.timestamp + 1 }), false, 'altered');
    await s.authenticate('right thumb', { challenge: '0011223344556677' });
    assert.equal(tokens[1]!.challenge, '0011223344556677');
    assert.deepEqual(await s.authenticate('left thumb'), { ok: false, failuresLeft: 4 });
    assert.equal(tokens.length, 2, 'no token for a failure');
    await rejects(s.authenticate('right thumb', { challenge: 'xyz' }), 'ERR_BIOMETRIC_CHALLENGE_INVALID');
  });

  it('locks out after 5 failures in a row for 30 s, then counts again', async () => {
    const { s, time } = sensor();
    await s.enrol('right thumb');
    for (let left = 4; left >= 1; left--) assert.deepEqual(await s.authenticate('nose'), { ok: false, failuresLeft: left });
    const fifth = await s.authenticate('nose');
    assert.equal(fifth.ok, false);
    assert.equal(fifth.ok === false && fifth.failuresLeft, 0);
    const until = time.clock().getTime() + 30_000;
    assert.equal(fifth.ok === false && fifth.lockedOutUntil?.getTime(), until);
    await assert.rejects(s.authenticate('right thumb'), (err: BiometricError) => err.code === 'ERR_BIOMETRIC_LOCKOUT' && err.until?.getTime() === until);
    assert.equal(s.lockedOutUntil?.getTime(), until);
    time.advance(29_999);
    await rejects(s.authenticate('right thumb'), 'ERR_BIOMETRIC_LOCKOUT');
    time.advance(1);
    assert.equal(s.lockedOutUntil, undefined);
    assert.equal((await s.authenticate('right thumb')).ok, true);
    assert.deepEqual(await s.authenticate('nose'), { ok: false, failuresLeft: 4 }, 'the count starts again');
  });

  it('a success resets the failure count; the count and lockout are in the saved state', async () => {
    const { s } = sensor();
    await s.enrol('right thumb');
    await s.authenticate('nose');
    await s.authenticate('nose');
    assert.equal(s.toState().failures, 2);
    await s.authenticate('right thumb');
    assert.equal(s.toState().failures, 0);
    for (let i = 0; i < 5; i++) await s.authenticate('nose');
    const saved = s.toState();
    assert.ok(saved.lockoutUntil !== null);
    const restarted = new BiometricSensor(saved, { clock: () => new Date(Date.parse(saved.lockoutUntil!) - 1) });
    await rejects(restarted.authenticate('right thumb'), 'ERR_BIOMETRIC_LOCKOUT');
  });
});
