import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { describe, it } from 'node:test';
import { bytesEqual, fromHex, toHex } from '../../../src/bytes/index.js';
import {
  defaultCardExpiry,
  EF,
  issueCard,
  parseIdCardState,
  reinitialisePin,
  renew,
  revocationTargets,
  summariseCard,
  tokenLabel,
  type IdCardState,
} from '../../../src/devices/id-card/index.js';
import { decodeBasicFour, parseCertificate } from '../../../src/pki/x509/index.js';
import { CARD_EXPIRY, issuedState, PERSON, poweredCard, SELECT_AP, selectEf, send, TEST_KDF, testCa, verifyApdu } from './helpers.js';

function spkiOfKey(pem: string): Uint8Array {
  return new Uint8Array(createPublicKey(pem).export({ type: 'spki', format: 'der' }));
}

function certSpki(hex: string): Uint8Array {
  return parseCertificate(fromHex(hex)).subjectPublicKeyInfo;
}

describe('Individual Number Card at the municipal office', () => {
  it('issues a card: keys made in the card and certified for it, the four certificates, token info, availability, hashed PIN and password', async () => {
    const ca = testCa();
    const state = await issueCard({ person: PERSON, cardExpiry: CARD_EXPIRY, pin: '4321', password: 'SECRETPW9' }, (r) => ca.issue(r), { kdf: TEST_KDF });
    assert.equal(ca.requests.length, 1);
    const f = state.jpki.files;
    assert.ok(bytesEqual(certSpki(f[EF.SIGN_CERT]), spkiOfKey(f[EF.SIGN_KEY])));
    assert.ok(bytesEqual(certSpki(f[EF.AUTH_CERT]), spkiOfKey(f[EF.AUTH_KEY])));
    assert.ok(bytesEqual(ca.requests[0]!.signPublicKey, spkiOfKey(f[EF.SIGN_KEY])));
    assert.ok(!bytesEqual(spkiOfKey(f[EF.SIGN_KEY]), spkiOfKey(f[EF.AUTH_KEY])), 'two key pairs');
    assert.equal(f[EF.SIGN_CA_CERT], toHex(ca.signCa));
    assert.equal(f[EF.AUTH_CA_CERT], toHex(ca.authCa));
    assert.equal(f[EF.AVAILABILITY], '8F8F00');
    assert.equal(fromHex(f[EF.TOKEN_INFO]).length, 160);
    assert.equal(tokenLabel(fromHex(f[EF.TOKEN_INFO])), 'JPKIAPICCTOKEN2');
    assert.match(f[EF.SIGN_KEY], /^-----BEGIN PRIVATE KEY-----/);
    assert.deepEqual({ ...f[EF.AUTH_PIN], salt: '', hash: '' }, { kdf: 'scrypt', ...TEST_KDF, salt: '', hash: '', triesLeft: 3, maxTries: 3 });
    assert.equal(f[EF.SIGN_PASSWORD].maxTries, 5);
    const text = JSON.stringify(state);
    assert.ok(!text.includes('SECRETPW9') && !text.includes('"4321"'), 'no secret in clear');
    assert.equal(state.atr, '3BE000FF8131FE4514');
    assert.deepEqual(state.holder.person, { ...PERSON, nameSubstituteMap: '00000', addressSubstituteMap: '0'.repeat([...PERSON.address].length) });
    assert.deepEqual(decodeBasicFour(fromHex(f[EF.SIGN_CERT]))?.name, PERSON.name);
    const { card } = await poweredCard({ state });
    for (const [fid, value] of [['0018', '4321'], ['001B', 'SECRETPW9']]) {
      await send(card, SELECT_AP);
      await send(card, selectEf(fid!));
      assert.equal(await send(card, verifyApdu(value!)), '9000');
    }
  });

  it('refuses a badly formed PIN or password before generating anything or asking the CA', async () => {
    const ca = testCa();
    const issue = (pin: string, password: string) => issueCard({ person: PERSON, cardExpiry: CARD_EXPIRY, pin, password }, (r) => ca.issue(r), { kdf: TEST_KDF });
    for (const pin of ['123', '12345', '12a4', '', '１２３４']) await assert.rejects(issue(pin, 'ABC123'), { code: 'ERR_ID_CARD_PIN_FORMAT' }, pin);
    for (const pw of ['ABC12', 'abc123', 'ABCDEFGHIJKLMNOPQ', 'ABC 123', 'ABC-123']) await assert.rejects(issue('1234', pw), { code: 'ERR_ID_CARD_PASSWORD_FORMAT' }, pw);
    assert.equal(ca.requests.length, 0);
    await assert.rejects(reinitialisePin(await issuedState(), '99999'), { code: 'ERR_ID_CARD_PIN_FORMAT' });
  });

  it('refuses certificates that do not certify the keys generated in the card', async () => {
    const ca = testCa();
    const swapped = issueCard({ person: PERSON, cardExpiry: CARD_EXPIRY, pin: '1234', password: 'ABC123' }, async (r) => {
      const c = await ca.issue(r);
      return { ...c, signCertificate: c.authCertificate, authCertificate: c.signCertificate };
    });
    await assert.rejects(swapped, { code: 'ERR_ID_CARD_CERTIFICATES' });
    const truncated = issueCard({ person: PERSON, cardExpiry: CARD_EXPIRY, pin: '1234', password: 'ABC123' }, async (r) => {
      const c = await ca.issue(r);
      return { ...c, signCaCertificate: c.signCaCertificate.subarray(0, 200) };
    });
    await assert.rejects(truncated, { code: 'ERR_ID_CARD_CERTIFICATES' });
  });

  it('renews with new keys for the same person, keeping PIN, password and counters', async () => {
    const ca = testCa();
    const before = await issuedState();
    const { card } = await poweredCard({ state: before });
    await send(card, SELECT_AP);
    await send(card, selectEf('0018'));
    await send(card, verifyApdu('0000'));
    const worn = card.state;
    const moved = { ...PERSON, address: '大阪府大阪市北区中之島1-3-20' };
    const after = await renew(worn, (r) => ca.issue(r), { person: moved });
    assert.equal(ca.requests[0]!.personId, before.holder.personId);
    assert.equal(ca.requests[0]!.cardExpiry, before.holder.cardExpiry);
    for (const fid of [EF.SIGN_KEY, EF.AUTH_KEY, EF.SIGN_CERT, EF.AUTH_CERT] as const) assert.notEqual(after.jpki.files[fid], before.jpki.files[fid], fid);
    assert.ok(bytesEqual(certSpki(after.jpki.files[EF.SIGN_CERT]), spkiOfKey(after.jpki.files[EF.SIGN_KEY])));
    assert.deepEqual(after.jpki.files[EF.AUTH_PIN], worn.jpki.files[EF.AUTH_PIN]);
    assert.equal(after.jpki.files[EF.AUTH_PIN].triesLeft, 2);
    assert.equal(after.jpki.files[EF.TOKEN_INFO], before.jpki.files[EF.TOKEN_INFO]);
    assert.equal(after.holder.person.address, moved.address);
    assert.equal(decodeBasicFour(fromHex(after.jpki.files[EF.SIGN_CERT]))?.address, moved.address);
    assert.ok(after.holder.renewedAt);
  });

  it('names the certificates to revoke: only the signature certificate on a basic-four change, both otherwise', async () => {
    const state = await issuedState();
    const sign = parseCertificate(fromHex(state.jpki.files[EF.SIGN_CERT])).serialNumberHex;
    const auth = parseCertificate(fromHex(state.jpki.files[EF.AUTH_CERT])).serialNumberHex;
    assert.deepEqual(revocationTargets(state, 3), { sign });
    for (const reason of [0, 1, 4, 5]) assert.deepEqual(revocationTargets(state, reason), { sign, auth });
  });

  it('summarises a card without its secrets', async () => {
    const state = await issuedState();
    const s = summariseCard(state);
    assert.equal(s.holder.person.name, PERSON.name);
    assert.deepEqual(s.pin, { triesLeft: 3, maxTries: 3, blocked: false });
    assert.deepEqual(s.password, { triesLeft: 5, maxTries: 5, blocked: false });
    assert.match(s.sign.issuer, /digital signature/i);
    const text = JSON.stringify(s);
    assert.ok(!text.includes('PRIVATE') && !text.includes(state.jpki.files[EF.AUTH_PIN].hash));
  });

  it('gives a card 10 birthdays for an adult and 5 for a minor', () => {
    const now = new Date('2026-04-01T03:00:00Z');
    assert.equal(defaultCardExpiry('1990-01-02', now), '2036-01-02');
    assert.equal(defaultCardExpiry('2010-06-30', now), '2030-06-30');
    assert.equal(defaultCardExpiry('2008-04-01', now), '2036-04-01', '18 today counts as adult');
  });

  it('checks card documents: format, files, certificates, keys, counters, scrypt bounds', async () => {
    const good = await issuedState();
    assert.doesNotThrow(() => parseIdCardState(good));
    const broken: [string, (s: any) => void][] = [ // eslint-disable-line @typescript-eslint/no-explicit-any
      ['format', (s) => (s.format = 'other')],
      ['missing EF', (s) => delete s.jpki.files['000B']],
      ['unknown EF', (s) => (s.jpki.files['0099'] = '00')],
      ['lowercase hex', (s) => (s.jpki.files['0008'] = '8f8f00')],
      ['certificate header', (s) => (s.jpki.files['000A'] = '3081' + s.jpki.files['000A'].slice(4))],
      ['key', (s) => (s.jpki.files['0017'] = '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n')],
      ['tries above max', (s) => (s.jpki.files['0018'].triesLeft = 4)],
      ['max changed', (s) => (s.jpki.files['001B'].maxTries = 10)],
      ['scrypt cost', (s) => (s.jpki.files['0018'].N = 2 ** 22)],
      ['salt', (s) => (s.jpki.files['0018'].salt = 'AB')],
      ['aid', (s) => (s.jpki.aid = 'D392F000260100000002')],
      ['holder', (s) => delete s.holder.personId],
      ['birth date', (s) => (s.holder.person.birthDate = '1990-02-30')],
    ];
    for (const [what, spoil] of broken) {
      const s = structuredClone(good) as IdCardState;
      spoil(s);
      assert.throws(() => parseIdCardState(s), { code: 'ERR_ID_CARD_STATE' }, what);
    }
  });
});
