import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { toHex } from '../../src/bytes/index.js';
import { issueCertificate, type ProfileName } from '../../src/pki/x509/index.js';
import * as sdk from '../../src/sdk/index.js';
import {
  LOGIN_CHALLENGE_TYPE,
  MemoryChallengeStore,
  RelyingParty,
  RelyingPartyError,
  basicFourOf,
  decodeLoginChallenge,
  generateLoginChallenge,
  type RelyingPartyErrorCode,
} from '../../src/sdk/index.js';
import { seededRandom } from '../helpers/vectors.js';
import { BASIC_FOUR, JLIS_AUTH_CA_2023, JLIS_SIGN_CA_2023, makePki, pem } from '../pki/x509/helpers.js';

/** The SDK's surface without a running service: configuration, inputs, the challenge format, the package entry points. */

const pki = makePki(new Date('2026-03-14T15:30:00Z'));
const issue = (profile: ProfileName) => issueCertificate({ profile, ...pki.request(profile) });
const NOW = new Date('2026-06-01T00:00:00Z');
const anchors = { sign: [pem(pki.signCa.der)], auth: [pki.authCa.der] };
/** No network: status is turned off and its absence accepted, so only the offline checks decide. */
const offline = { ocsp: { enabled: false }, crl: { enabled: false }, onUnavailable: 'accept' as const };

function refused(code: RelyingPartyErrorCode) {
  return (e: unknown) => e instanceof RelyingPartyError && e.code === code;
}

describe('SDK configuration', () => {
  it('refuses a configuration without anchors, with an anchor that is not a CA, or with options out of range: ERR_RP_CONFIG', () => {
    const bad: unknown[] = [
      undefined,
      { trustAnchors: {} },
      { trustAnchors: { sign: [issue('card-sign')] } },
      { trustAnchors: { auth: ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'] } },
      { trustAnchors: { auth: 'not a list' } },
      { trustAnchors: anchors, mode: 'staging' },
      { trustAnchors: anchors, login: { accept: ['card-sign'] } },
      { trustAnchors: anchors, signing: { accept: [] } },
      { trustAnchors: anchors, status: { timeoutMs: -1 } },
      { trustAnchors: anchors, status: { ocsp: { url: 'ldap://ocsp.example' } } },
      { trustAnchors: anchors, status: { onUnavailable: 'maybe' } },
      { trustAnchors: anchors, login: { challengeStore: {} } },
    ];
    for (const options of bad) assert.throws(() => new RelyingParty(options as never), refused('ERR_RP_CONFIG'), JSON.stringify(options));
  });

  it('takes the real J-LIS 2023 CAs as anchors and names them by fingerprint (jpki-ap.md 3.1)', () => {
    const rp = new RelyingParty({ trustAnchors: { sign: [{ certificate: JLIS_SIGN_CA_2023, label: 'J-LIS sign 2023' }], auth: [JLIS_AUTH_CA_2023] } });
    const [sign, auth] = rp.trustAnchors;
    assert.equal(sign!.fingerprint, 'D227F6CDE11D35C5252178F106F843D24651944975413B539FA2FB68DBFA365F');
    assert.equal(sign!.label, 'J-LIS sign 2023');
    assert.equal(sign!.hierarchy, 'sign');
    assert.equal(auth!.hierarchy, 'auth');
    assert.match(auth!.subject, /JPKI for user authentication/);
    assert.deepEqual(auth!.notAfter, new Date('2033-07-15T14:59:59Z'));
  });

  it('needs anchors of the hierarchy a use needs, and an rpId for challenges', async () => {
    const authOnly = new RelyingParty({ trustAnchors: { auth: [pki.authCa.der] }, clock: () => NOW, status: offline });
    await assert.rejects(authOnly.verifyCertificate({ certificate: issue('card-sign'), use: 'signing' }), refused('ERR_RP_CONFIG'));
    await assert.rejects(authOnly.generateLoginChallenge(), refused('ERR_RP_CONFIG'));
    assert.equal((await authOnly.generateLoginChallenge({ rpId: 'kiosk.example' })).rpId, 'kiosk.example');
  });
});

describe('SDK inputs', () => {
  const rp = new RelyingParty({ trustAnchors: anchors, clock: () => NOW, status: offline });

  it('takes a certificate as DER, PEM or base64, and reports a status it could not get when told to accept that', async () => {
    const der = issue('card-auth');
    for (const form of [der, pem(der), Buffer.from(der).toString('base64'), Buffer.from(der).toString('base64url')]) {
      const v = await rp.verifyCertificate({ certificate: form, use: 'login' });
      assert.equal(v.kind, 'card-auth');
      assert.equal(v.status.state, 'unavailable');
      assert.equal(v.certificate.fingerprint, toHex(new Uint8Array(createHash('sha256').update(der).digest())));
    }
  });

  it('refuses what is not a certificate (ERR_RP_CERT_MALFORMED) and arguments of the wrong shape (ERR_RP_INPUT)', async () => {
    for (const bad of ['', 'not base64 at all!', '-----BEGIN CMS-----\nMAA=\n-----END CMS-----', Uint8Array.of(0x30, 0x00), new Uint8Array(0), 42, {}, null]) {
      await assert.rejects(rp.verifyCertificate({ certificate: bad as never, use: 'login' }), refused('ERR_RP_CERT_MALFORMED'), String(bad));
    }
    await assert.rejects(rp.verifyCertificate({ certificate: issue('card-auth'), use: 'email' as never }), refused('ERR_RP_INPUT'));
    await assert.rejects(rp.verifyLoginResponse(null as never), refused('ERR_RP_INPUT'));
  });

  it('checks keyUsage per use (digitalSignature and nonRepudiation for signatures) and policies per kind', async () => {
    assert.equal((await rp.verifyCertificate({ certificate: issue('phone-sign'), use: 'signing' })).basicFour?.name, BASIC_FOUR.name);
    await assert.rejects(rp.verifyCertificate({ certificate: issue('ocsp-responder'), use: 'login' }), refused('ERR_RP_CERT_POLICY_UNKNOWN'));
    await assert.rejects(rp.verifyCertificate({ certificate: pki.signCa.der, use: 'signing' }), refused('ERR_RP_CERT_POLICY_UNKNOWN'));
    const notYet = new RelyingParty({ trustAnchors: anchors, clock: () => new Date('2026-01-01T00:00:00Z'), status: offline });
    await assert.rejects(notYet.verifyCertificate({ certificate: issue('card-auth'), use: 'login' }), refused('ERR_RP_CERT_NOT_YET_VALID'));
  });

  it('reads the basic four information of a signature certificate, and none from an authentication certificate', () => {
    const four = basicFourOf(pem(issue('card-sign')));
    assert.deepEqual({ name: four?.name, address: four?.address, birthDate: four?.birthDate, sex: four?.sex }, BASIC_FOUR);
    assert.equal(basicFourOf(issue('card-auth')), undefined);
  });
});

describe('the login challenge format', () => {
  const fixed = () => generateLoginChallenge({ rpId: 'https://portal.example', clock: () => new Date('2026-05-01T09:30:00Z'), random: seededRandom(1), ttlMs: 120_000 });

  it('is exactly the documented UTF-8 JSON, signed as a SHA-256 DigestInfo', () => {
    const c = fixed();
    const text = Buffer.from(c.bytes).toString('utf8');
    assert.equal(text, `{"type":"${LOGIN_CHALLENGE_TYPE}","rpId":"https://portal.example","nonce":"${c.nonce}","issuedAt":"2026-05-01T09:30:00.000Z","expiresAt":"2026-05-01T09:32:00.000Z"}`);
    assert.equal(Buffer.from(c.nonce, 'base64url').length, 32);
    assert.deepEqual(c.nonce, Buffer.from(seededRandom(1)(32)).toString('base64url'));
    assert.equal(c.encoded, Buffer.from(c.bytes).toString('base64url'));
    assert.equal(toHex(c.digestInfo), '3031300D060960864801650304020105000420' + toHex(new Uint8Array(createHash('sha256').update(c.bytes).digest())));
    assert.deepEqual(decodeLoginChallenge(c.encoded), c);
    assert.deepEqual(decodeLoginChallenge(c.bytes), c);
    assert.deepEqual(decodeLoginChallenge(c), c);
    assert.notEqual(generateLoginChallenge({ rpId: 'x' }).nonce, generateLoginChallenge({ rpId: 'x' }).nonce);
  });

  it('decodes only the canonical form: ERR_RP_CHALLENGE_MALFORMED for any other', () => {
    const c = fixed();
    const text = Buffer.from(c.bytes).toString('utf8');
    const o = JSON.parse(text) as Record<string, unknown>;
    const variants = [
      text.replace('{"type"', '{ "type"'),
      JSON.stringify({ ...o, extra: 1 }),
      JSON.stringify({ ...o, type: 'jpki-mobile/login-challenge/v2' }),
      JSON.stringify({ rpId: o.rpId, type: o.type, nonce: o.nonce, issuedAt: o.issuedAt, expiresAt: o.expiresAt }),
      JSON.stringify({ ...o, nonce: 'c2hvcnQ' }),
      JSON.stringify({ ...o, rpId: 'portal example' }),
      JSON.stringify({ ...o, expiresAt: o.issuedAt }),
      JSON.stringify({ ...o, issuedAt: '2026-05-01T09:30:00Z' }),
      '[]',
      'not json',
      `${text} `,
      'x'.repeat(2000),
    ];
    for (const v of variants) assert.throws(() => decodeLoginChallenge(Buffer.from(v)), refused('ERR_RP_CHALLENGE_MALFORMED'), v.slice(0, 60));
    assert.throws(() => decodeLoginChallenge(Uint8Array.of(0xff, 0xfe)), refused('ERR_RP_CHALLENGE_MALFORMED'));
    assert.throws(() => decodeLoginChallenge(42 as never), refused('ERR_RP_CHALLENGE_MALFORMED'));
  });

  it('refuses parameters it cannot honour: ERR_RP_INPUT', () => {
    for (const options of [{ rpId: '' }, { rpId: 'a b' }, { rpId: 'x', ttlMs: 10 }, { rpId: 'x', ttlMs: 2 * 86_400_000 }, { rpId: 'x', nonceBytes: 16 }]) {
      assert.throws(() => generateLoginChallenge(options), refused('ERR_RP_INPUT'), JSON.stringify(options));
    }
  });

  it('MemoryChallengeStore answers true once per issued, unexpired nonce', () => {
    const store = new MemoryChallengeStore(2);
    const t = new Date('2026-05-01T00:00:00Z');
    const later = (ms: number) => new Date(t.getTime() + ms);
    store.add('a', later(1000), t);
    assert.equal(store.consume('a', t), true);
    assert.equal(store.consume('a', t), false);
    store.add('b', later(1000), t);
    assert.equal(store.consume('b', later(2000)), false, 'expired');
    store.add('c', later(1000), t);
    store.add('d', later(1000), t);
    store.add('e', later(1000), t);
    assert.equal(store.consume('c', t), false, 'the oldest went when full');
    assert.equal(store.consume('e', t), true);
  });
});

describe('package entry points', () => {
  it("'jpki-mobile/sdk' and 'jpki-mobile' export the SDK (package.json exports)", async () => {
    const names = ['jpki-mobile/sdk', 'jpki-mobile'];
    for (const name of names) {
      const mod = (await import(name)) as typeof sdk;
      assert.equal(mod.RelyingParty, sdk.RelyingParty, name);
      assert.equal(mod.buildSignedData, sdk.buildSignedData, name);
      assert.equal(typeof mod.generateLoginChallenge, 'function');
    }
    assert.deepEqual(Object.keys(sdk).sort(), [
      'AUTHENTICATION_KINDS',
      'DEFAULT_CHALLENGE_TTL_MS',
      'LOGIN_CHALLENGE_TYPE',
      'MAX_CHALLENGE_TTL_MS',
      'MemoryChallengeStore',
      'RelyingParty',
      'RelyingPartyError',
      'SIGNATURE_KINDS',
      'basicFourOf',
      'buildSignedData',
      'decodeLoginChallenge',
      'generateLoginChallenge',
      'prepareSignedData',
    ]);
  });
});
