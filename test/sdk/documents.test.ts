import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { fromHex } from '../../src/bytes/index.js';
import { EF } from '../../src/devices/id-card/index.js';
import { buildSignedData, RelyingPartyError, type RelyingPartyErrorCode } from '../../src/sdk/index.js';
import { DEFAULT_PERSON, issueCard, issuePhone, pem, startJpki, type IssuedCard, type IssuedPhone, type JpkiHarness } from '../helpers/jpki.js';
import { openssl } from '../services/jpki/support/openssl.js';
import { PASSWORD, emulatedCard, eventually, keySigner, relyingParty } from './fixtures.js';

/**
 * Flow 4, signing an application: a detached CMS SignedData made with the SDK's builder while the
 * card signs the DigestInfo through `80 2A 00 80` after the password, accepted by `openssl cms
 * -verify` with the JPKI signature CA as trust anchor and by the SDK, which returns the basic four
 * information; and the other direction, a SignedData made by `openssl cms -sign` with a card key.
 */

let h: JpkiHarness;
let dir: string;
let card: Awaited<ReturnType<typeof emulatedCard>>;
let issued: IssuedCard;
let phone: IssuedPhone;
let cardCms: Uint8Array;
const APPLICATION = new TextEncoder().encode('{"form":"転入届","to":"千代田区","date":"2026-05-01"}\n');

before(async () => {
  h = await startJpki();
  dir = mkdtempSync(join(tmpdir(), 'sdk-documents-'));
  card = await emulatedCard(h);
  issued = await issueCard(h, { name: '高橋\u3000美咲', sex: 2, birthDate: '1985-12-24' });
  phone = await issuePhone(h, issued, 'SE-DOCUMENTS-1');
  const client = await card.client();
  await client.verify('password', PASSWORD);
  const certificate = await client.readCertificate('sign');
  cardCms = await buildSignedData({ content: APPLICATION, certificate, signingTime: new Date(), sign: (digestInfo) => client.sign('sign', digestInfo) });
});
after(async () => {
  await h.stop();
  rmSync(dir, { recursive: true, force: true });
});

function refused(code: RelyingPartyErrorCode, more: (e: RelyingPartyError) => boolean = () => true) {
  return (e: unknown) => e instanceof RelyingPartyError && e.code === code && more(e);
}

const file = (name: string, bytes?: Uint8Array | string) => {
  const path = join(dir, name);
  if (bytes !== undefined) writeFileSync(path, bytes);
  return path;
};

describe('signed documents: the card signs, openssl and the SDK verify', () => {
  it('openssl cms -verify accepts the application the card signed, with the JPKI signature CA as trust anchor', async () => {
    const ca = file('sign-ca.pem', pem('CERTIFICATE', h.service.ctx.authority.active('sign').certificate));
    file('application.p7s', cardCms);
    file('application.json', APPLICATION);
    // With -purpose any, and with openssl's default S/MIME signing purpose: JPKI signature certificates
    // have no extendedKeyUsage, and keyUsage digitalSignature+nonRepudiation satisfies it.
    for (const purpose of [['-purpose', 'any'], []]) {
      const r = await openssl('cms', '-verify', '-binary', '-inform', 'DER', '-in', file('application.p7s'), '-content', file('application.json'), '-CAfile', ca, ...purpose, '-out', file('verified.out'));
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /Verification successful/);
      assert.deepEqual(new Uint8Array(readFileSync(file('verified.out'))), APPLICATION);
    }
    const authCa = file('auth-ca.pem', pem('CERTIFICATE', h.service.ctx.authority.active('auth').certificate));
    const wrongAnchor = await openssl('cms', '-verify', '-binary', '-inform', 'DER', '-in', file('application.p7s'), '-content', file('application.json'), '-CAfile', authCa, '-purpose', 'any', '-out', '/dev/null');
    assert.notEqual(wrongAnchor.code, 0, 'the authentication CA does not vouch for a signature');
  });

  it('the SDK accepts it and returns the card holder\'s basic four information and the signing time', async () => {
    const { rp } = relyingParty(h);
    const v = await rp.verifySignedDocument({ content: APPLICATION, cms: cardCms });
    assert.equal(v.kind, 'card-sign');
    assert.equal(v.holder, 'card');
    assert.deepEqual({ name: v.basicFour.name, address: v.basicFour.address, birthDate: v.basicFour.birthDate, sex: v.basicFour.sex }, DEFAULT_PERSON);
    assert.equal(v.basicFour.nameSubstituteMap, '00000');
    assert.ok(v.signingTime !== undefined && Math.abs(v.signingTime.getTime() - Date.now()) < 60_000);
    assert.deepEqual(v.certificate.der, fromHex(card.state.jpki.files[EF.SIGN_CERT]));
    assert.equal(v.issuer.label, 'sign-1');
    assert.equal(v.status.state, 'good');
    const asPem = `-----BEGIN CMS-----\n${Buffer.from(cardCms).toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CMS-----\n`;
    assert.equal((await rp.verifySignedDocument({ content: APPLICATION, cms: asPem })).kind, 'card-sign');
  });

  it('the SDK accepts what `openssl cms -sign` makes with a card signature key, and openssl what the SDK makes with a phone key', async () => {
    file('card-sign.key', issued.signKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    file('card-sign.pem', pem('CERTIFICATE', issued.signCert));
    const r = await openssl('cms', '-sign', '-binary', '-md', 'sha256', '-in', file('application.json'), '-signer', file('card-sign.pem'), '-inkey', file('card-sign.key'), '-outform', 'DER', '-out', file('openssl.p7s'));
    assert.equal(r.code, 0, r.out);
    const v = await relyingParty(h).rp.verifySignedDocument({ content: APPLICATION, cms: new Uint8Array(readFileSync(file('openssl.p7s'))) });
    assert.equal(v.kind, 'card-sign');
    assert.equal(v.basicFour.name, '高橋\u3000美咲');
    assert.equal(v.basicFour.birthDate, '1985-12-24');

    const phoneCms = await buildSignedData({ content: APPLICATION, certificate: phone.signCert, signingTime: new Date(), sign: keySigner(phone.signKey) });
    const p = await relyingParty(h).rp.verifySignedDocument({ content: APPLICATION, cms: phoneCms });
    assert.equal(p.kind, 'phone-sign');
    assert.equal(p.holder, 'phone');
    assert.equal(p.basicFour.name, '高橋\u3000美咲');
    const ca = file('sign-ca.pem');
    const o = await openssl('cms', '-verify', '-binary', '-inform', 'DER', '-in', file('phone.p7s', phoneCms), '-content', file('application.json'), '-CAfile', ca, '-purpose', 'any', '-out', '/dev/null');
    assert.equal(o.code, 0, o.out);
  });
});

describe('signed documents: refusals', () => {
  it('refuses the signature over other data: ERR_RP_CONTENT_MISMATCH', async () => {
    const other = new TextEncoder().encode('{"form":"転出届","to":"千代田区","date":"2026-05-01"}\n');
    await assert.rejects(relyingParty(h).rp.verifySignedDocument({ content: other, cms: cardCms }), refused('ERR_RP_CONTENT_MISMATCH', (e) => e.kind === 'card-sign'));
  });

  it('refuses a document signed with a user-authentication certificate: ERR_RP_CERT_WRONG_KIND', async () => {
    const cms = await buildSignedData({ content: APPLICATION, certificate: issued.authCert, signingTime: new Date(), sign: keySigner(issued.authKey) });
    await assert.rejects(relyingParty(h).rp.verifySignedDocument({ content: APPLICATION, cms }), refused('ERR_RP_CERT_WRONG_KIND', (e) => e.kind === 'card-auth'));
    const cardOnly = relyingParty(h, { signing: { accept: ['card-sign'] } }).rp;
    const phoneCms = await buildSignedData({ content: APPLICATION, certificate: phone.signCert, signingTime: new Date(), sign: keySigner(phone.signKey) });
    await assert.rejects(cardOnly.verifySignedDocument({ content: APPLICATION, cms: phoneCms }), refused('ERR_RP_CERT_WRONG_KIND', (e) => e.kind === 'phone-sign'));
  });

  it('refuses a signature that does not verify: ERR_RP_SIGNATURE_INVALID', async () => {
    const bad = cardCms.slice();
    bad[bad.length - 3]! ^= 0x10;
    await assert.rejects(relyingParty(h).rp.verifySignedDocument({ content: APPLICATION, cms: bad }), refused('ERR_RP_SIGNATURE_INVALID'));
  });

  it('refuses a document whose signer was revoked (a basic-four change): ERR_RP_CERT_REVOKED', async () => {
    const moved = await issueCard(h, { name: '伊藤\u3000健', sex: 1 });
    const cms = await buildSignedData({ content: APPLICATION, certificate: moved.signCert, signingTime: new Date(), sign: keySigner(moved.signKey) });
    assert.equal((await relyingParty(h).rp.verifySignedDocument({ content: APPLICATION, cms })).kind, 'card-sign');
    assert.equal((await h.api('POST', `/api/v1/certificates/${moved.signSerial}/revoke`, { reason: 'affiliationChanged' }, h.tokens.office)).status, 200);
    await eventually(async () => (await relyingParty(h).rp.verifySignedDocument({ content: APPLICATION, cms }).then(() => 'good', (e: RelyingPartyError) => e.code)) === 'ERR_RP_CERT_REVOKED');
    await assert.rejects(relyingParty(h).rp.verifySignedDocument({ content: APPLICATION, cms }), refused('ERR_RP_CERT_REVOKED', (e) => e.reason === 'affiliationChanged'));
  });

  it('maps malformed and unsupported SignedData to ERR_RP_CMS_* codes, keeping the CMS code as the cause', async () => {
    const { rp } = relyingParty(h);
    const attached = await openssl('cms', '-sign', '-binary', '-nodetach', '-md', 'sha256', '-in', file('application.json'), '-signer', file('card-sign.pem'), '-inkey', file('card-sign.key'), '-outform', 'DER', '-out', file('attached.p7s'));
    assert.equal(attached.code, 0);
    const nocerts = await openssl('cms', '-sign', '-binary', '-nocerts', '-md', 'sha256', '-in', file('application.json'), '-signer', file('card-sign.pem'), '-inkey', file('card-sign.key'), '-outform', 'DER', '-out', file('nocerts.p7s'));
    assert.equal(nocerts.code, 0);
    const table: [Uint8Array | string, RelyingPartyErrorCode, string | undefined][] = [
      [cardCms.subarray(0, 100), 'ERR_RP_CMS_MALFORMED', 'ERR_CMS_DER_TRUNCATED'],
      [Uint8Array.from([...cardCms, 0]), 'ERR_RP_CMS_MALFORMED', 'ERR_CMS_DER_TRAILING'],
      ['-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n', 'ERR_RP_CMS_MALFORMED', undefined],
      ['%%%', 'ERR_RP_CMS_MALFORMED', undefined],
      [new Uint8Array(readFileSync(file('attached.p7s'))), 'ERR_RP_CMS_UNSUPPORTED', 'ERR_CMS_NOT_DETACHED'],
      [new Uint8Array(readFileSync(file('nocerts.p7s'))), 'ERR_RP_CMS_SIGNER_MISSING', 'ERR_CMS_SIGNER_CERTIFICATE_MISSING'],
    ];
    for (const [cms, code, cause] of table) {
      await assert.rejects(rp.verifySignedDocument({ content: APPLICATION, cms }), refused(code, (e) => cause === undefined || (e.cause as { code?: string })?.code === cause), `${code} ${cause}`);
    }
    await assert.rejects(rp.verifySignedDocument({ content: 'text' as never, cms: cardCms }), refused('ERR_RP_INPUT'));
  });

  it('random bytes and mutated SignedData give RelyingPartyErrors only (fast-check)', async () => {
    const { rp, fetch } = relyingParty(h);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 400 }), async (bytes) => {
        await assert.rejects(rp.verifySignedDocument({ content: APPLICATION, cms: bytes }), (e) => e instanceof RelyingPartyError);
      }),
      { numRuns: 300 },
    );
    await fc.assert(
      fc.asyncProperty(fc.nat(cardCms.length - 1), fc.integer({ min: 1, max: 255 }), async (at, flip) => {
        const bad = cardCms.slice();
        bad[at]! ^= flip;
        await rp.verifySignedDocument({ content: APPLICATION, cms: bad }).then(
          (v) => assert.equal(v.kind, 'card-sign'),
          (e) => assert.ok(e instanceof RelyingPartyError, String(e)),
        );
      }),
      { numRuns: 200 },
    );
    assert.ok(fetch.calls.length <= 2, 'nothing but the one good signer reached a status source');
  });
});
