import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { fromHex } from '../../src/bytes/index.js';
import { EF } from '../../src/devices/id-card/index.js';
import { POLICY_CARD_AUTH, POLICY_PHONE_AUTH, parseCertificate } from '../../src/pki/x509/index.js';
import { MemoryChallengeStore, RelyingParty, RelyingPartyError, type RelyingPartyErrorCode } from '../../src/sdk/index.js';
import { issueCard, issuePhone, startJpki, type IssuedCard, type IssuedPhone, type JpkiHarness } from '../helpers/jpki.js';
import { PIN, anchorsOf, emulatedCard, relyingParty } from './fixtures.js';

/**
 * Flow 4, portal login: a challenge from the SDK, signed by the holder's user-authentication key
 * (the emulated card through `80 2A 00 80`, or a phone's key), verified by the SDK against the
 * running certification service (path to its CA, kind and policy, OCSP).
 */

let h: JpkiHarness;
let card: Awaited<ReturnType<typeof emulatedCard>>;
let issued: IssuedCard;
let phone: IssuedPhone;

before(async () => {
  h = await startJpki();
  card = await emulatedCard(h);
  issued = await issueCard(h, { name: '佐藤\u3000花子', sex: 2 });
  phone = await issuePhone(h, issued, 'SE-LOGIN-1');
});
after(() => h.stop());

function refused(code: RelyingPartyErrorCode) {
  return (e: unknown) => e instanceof RelyingPartyError && e.code === code;
}

describe('login with the user-authentication certificate', () => {
  it('logs in with the card: the card signs the challenge DigestInfo after the PIN, the SDK says who it is', async () => {
    const { rp, fetch } = relyingParty(h);
    const challenge = await rp.generateLoginChallenge();
    const client = await card.client();
    await client.verify('pin', PIN);
    const certificate = await client.readCertificate('auth');
    const signature = await client.sign('auth', challenge.digestInfo);

    const login = await rp.verifyLoginResponse({ challenge: challenge.encoded, certificate, signature });
    assert.equal(login.kind, 'card-auth');
    assert.equal(login.holder, 'card');
    const parsed = parseCertificate(fromHex(card.state.jpki.files[EF.AUTH_CERT]));
    assert.equal(login.certificate.serialNumber, parsed.serialNumberHex);
    assert.equal(login.certificate.subject, parsed.subjectString);
    assert.equal(login.certificate.policy, POLICY_CARD_AUTH);
    assert.equal(login.certificate.policyMode, 'production');
    assert.equal(login.issuer.label, 'auth-1');
    assert.equal(login.issuer.hierarchy, 'auth');
    assert.equal(login.status.state, 'good');
    assert.equal(login.status.source, 'ocsp');
    assert.equal(login.status.url, `${h.url}/ocsp/auth`);
    assert.equal(login.status.cached, false);
    assert.deepEqual(login.challenge.nonce, challenge.nonce);
    assert.equal(fetch.count(/\/ocsp\/auth$/), 1);
    assert.equal((await h.service.status(login.certificate.serialNumber)).device, 'card');
  });

  it('logs in with the phone: its user-authentication key signs the challenge bytes (RSASSA-PKCS1-v1_5, SHA-256)', async () => {
    const { rp } = relyingParty(h);
    const challenge = await rp.generateLoginChallenge();
    const signature = sign('sha256', challenge.bytes, phone.authKey);
    const login = await rp.verifyLoginResponse({ challenge, certificate: Buffer.from(phone.authCert).toString('base64'), signature: signature.toString('base64') });
    assert.equal(login.kind, 'phone-auth');
    assert.equal(login.holder, 'phone');
    assert.equal(login.certificate.serialNumber, phone.authSerial);
    assert.equal(login.certificate.policy, POLICY_PHONE_AUTH);
  });

  it('refuses a signature certificate for login: ERR_RP_CERT_WRONG_KIND (and says what it is)', async () => {
    const { rp } = relyingParty(h);
    const challenge = await rp.generateLoginChallenge();
    const signature = sign('sha256', challenge.bytes, issued.signKey);
    await assert.rejects(rp.verifyLoginResponse({ challenge, certificate: issued.signCert, signature }), (e) => refused('ERR_RP_CERT_WRONG_KIND')(e) && (e as RelyingPartyError).kind === 'card-sign');
  });

  it('takes only the kinds the relying party accepts: a phone-only portal refuses the card (ERR_RP_CERT_WRONG_KIND)', async () => {
    const { rp } = relyingParty(h, { login: { accept: ['phone-auth'] } });
    const challenge = await rp.generateLoginChallenge();
    await assert.rejects(rp.verifyLoginResponse({ challenge, certificate: issued.authCert, signature: sign('sha256', challenge.bytes, issued.authKey) }), refused('ERR_RP_CERT_WRONG_KIND'));
    assert.equal((await rp.verifyLoginResponse({ challenge, certificate: phone.authCert, signature: sign('sha256', challenge.bytes, phone.authKey) })).kind, 'phone-auth');
    await assert.rejects(rp.verifyLoginResponse({ challenge, certificate: phone.authCert, signature: sign('sha256', challenge.bytes, phone.authKey), accept: ['card-auth'] }), refused('ERR_RP_CONFIG'));
  });

  it('refuses a signature by another key, or over another challenge: ERR_RP_SIGNATURE_INVALID', async () => {
    const { rp } = relyingParty(h);
    const challenge = await rp.generateLoginChallenge();
    const other = await rp.generateLoginChallenge();
    await assert.rejects(rp.verifyLoginResponse({ challenge, certificate: issued.authCert, signature: sign('sha256', challenge.bytes, phone.authKey) }), refused('ERR_RP_SIGNATURE_INVALID'));
    await assert.rejects(rp.verifyLoginResponse({ challenge, certificate: issued.authCert, signature: sign('sha256', other.bytes, issued.authKey) }), refused('ERR_RP_SIGNATURE_INVALID'));
    await assert.rejects(rp.verifyLoginResponse({ challenge, certificate: issued.authCert, signature: new Uint8Array(256) }), refused('ERR_RP_SIGNATURE_INVALID'));
    await assert.rejects(rp.verifyLoginResponse({ challenge, certificate: issued.authCert, signature: 'not base64!' }), refused('ERR_RP_SIGNATURE_INVALID'));
  });

  it('refuses an expired certificate (the clock past notAfter): ERR_RP_CERT_EXPIRED, before any status request', async () => {
    const notAfter = parseCertificate(issued.authCert).notAfter;
    const { rp, fetch } = relyingParty(h, { clock: () => new Date(notAfter.getTime() + 86_400_000) });
    const challenge = await rp.generateLoginChallenge();
    await assert.rejects(rp.verifyLoginResponse({ challenge, certificate: issued.authCert, signature: sign('sha256', challenge.bytes, issued.authKey) }), refused('ERR_RP_CERT_EXPIRED'));
    assert.equal(fetch.calls.length, 0);
  });

  it('refuses a challenge that expired, is for another relying party, or is not the format', async () => {
    let now = new Date();
    const { rp } = relyingParty(h, { clock: () => now, login: { challengeTtlMs: 60_000 } });
    const challenge = await rp.generateLoginChallenge();
    const signature = sign('sha256', challenge.bytes, issued.authKey);
    await assert.rejects(rp.verifyLoginResponse({ challenge, certificate: issued.authCert, signature, expectedRpId: 'bank.jpki-mobile.test' }), refused('ERR_RP_CHALLENGE_RP_MISMATCH'));
    now = new Date(now.getTime() + 61_000);
    await assert.rejects(rp.verifyLoginResponse({ challenge, certificate: issued.authCert, signature }), refused('ERR_RP_CHALLENGE_EXPIRED'));
    const forged = Buffer.from(JSON.stringify({ type: 'jpki-mobile/login-challenge/v1', rpId: 'portal.jpki-mobile.test', nonce: challenge.nonce, issuedAt: 1, expiresAt: 2 }));
    await assert.rejects(rp.verifyLoginResponse({ challenge: forged, certificate: issued.authCert, signature: sign('sha256', forged, issued.authKey) }), refused('ERR_RP_CHALLENGE_MALFORMED'));
  });

  it('with a challenge store, accepts each challenge once (ERR_RP_CHALLENGE_REPLAYED) and only those it issued', async () => {
    const { rp } = relyingParty(h, { login: { challengeStore: new MemoryChallengeStore() } });
    const challenge = await rp.generateLoginChallenge();
    const response = { challenge: challenge.encoded, certificate: issued.authCert, signature: sign('sha256', challenge.bytes, issued.authKey) };
    assert.equal((await rp.verifyLoginResponse(response)).kind, 'card-auth');
    await assert.rejects(rp.verifyLoginResponse(response), refused('ERR_RP_CHALLENGE_REPLAYED'));
    const elsewhere = await relyingParty(h).rp.generateLoginChallenge();
    await assert.rejects(rp.verifyLoginResponse({ challenge: elsewhere, certificate: issued.authCert, signature: sign('sha256', elsewhere.bytes, issued.authKey) }), refused('ERR_RP_CHALLENGE_REPLAYED'));
  });

  it('refuses a certificate of a CA it does not trust, though it bears the same CA names: ERR_RP_CERT_ISSUER_UNKNOWN', async () => {
    const elsewhere = await startJpki();
    try {
      const stranger = await issueCard(elsewhere);
      const { rp, fetch } = relyingParty(h);
      const challenge = await rp.generateLoginChallenge();
      assert.equal(parseCertificate(stranger.authCert).issuerString, parseCertificate(issued.authCert).issuerString, 'the same CA name');
      await assert.rejects(rp.verifyLoginResponse({ challenge, certificate: stranger.authCert, signature: sign('sha256', challenge.bytes, stranger.authKey) }), refused('ERR_RP_CERT_ISSUER_UNKNOWN'));
      assert.equal(fetch.calls.length, 0);
      const both = new RelyingParty({ trustAnchors: { auth: [...anchorsOf(h).auth!, ...anchorsOf(elsewhere).auth!] }, rpId: 'portal.jpki-mobile.test' });
      assert.equal((await both.verifyLoginResponse({ challenge, certificate: stranger.authCert, signature: sign('sha256', challenge.bytes, stranger.authKey) })).kind, 'card-auth');
    } finally {
      await elsewhere.stop();
    }
  });
});

describe('login: test-policy certificates', () => {
  it('refuses a test-policy certificate in production mode (ERR_RP_CERT_TEST_POLICY) and takes it in test mode', async () => {
    const testCa = await startJpki({ mode: 'test' });
    try {
      const c = await issueCard(testCa);
      const production = relyingParty(testCa).rp;
      const challenge = await production.generateLoginChallenge();
      const response = { challenge, certificate: c.authCert, signature: sign('sha256', challenge.bytes, c.authKey) };
      await assert.rejects(production.verifyLoginResponse(response), refused('ERR_RP_CERT_TEST_POLICY'));
      const login = await relyingParty(testCa, { mode: 'test' }).rp.verifyLoginResponse(response);
      assert.equal(login.certificate.policyMode, 'test');
      assert.equal(login.kind, 'card-auth');
    } finally {
      await testCa.stop();
    }
  });
});
