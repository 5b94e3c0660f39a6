import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fromHex } from '../../src/bytes/index.js';
import { toDer } from '../../src/pki/x509/der.js';
import { assembleCertificate, decodeTbsCertificate, parseCertificate } from '../../src/pki/x509/index.js';
import { RelyingPartyError, type RelyingPartyErrorCode } from '../../src/sdk/index.js';
import { issueCard, issuePhone, startJpki, type IssuedCard, type JpkiHarness } from '../helpers/jpki.js';
import { countingFetch, eventually, relyingParty } from './fixtures.js';

/**
 * Flow 12 from the relying party's side: revoked and suspended certificates are refused through OCSP
 * or, when OCSP cannot answer, through the CRL; answers are cached; with neither source the SDK fails
 * closed (or reports `unavailable` when told to accept that).
 */

let h: JpkiHarness;
let good: IssuedCard;
/** A port nothing listens on: connection refused, as when a responder is down. */
const DOWN = 'http://127.0.0.1:9';

before(async () => {
  h = await startJpki();
  good = await issueCard(h, { name: '鈴木\u3000一郎', sex: 1 });
});
after(() => h.stop());

function refused(code: RelyingPartyErrorCode, more: (e: RelyingPartyError) => boolean = () => true) {
  return (e: unknown) => e instanceof RelyingPartyError && e.code === code && more(e);
}

/** Until the responder has followed the change (its pre-signed answers are re-signed within a second). */
async function ocspSays(cert: Uint8Array, code: RelyingPartyErrorCode): Promise<void> {
  await eventually(async () => {
    try {
      await relyingParty(h).rp.verifyCertificate({ certificate: cert, use: 'login' });
      return false;
    } catch (e) {
      return e instanceof RelyingPartyError && e.code === code;
    }
  });
}

describe('status: revoked and suspended certificates', () => {
  it('refuses a revoked certificate with ERR_RP_CERT_REVOKED, the reason and the time, from OCSP and from the CRL', async () => {
    const c = await issueCard(h);
    const before = Date.now() - 1000;
    assert.equal((await h.api('POST', `/api/v1/certificates/${c.authSerial}/revoke`, { reason: 'keyCompromise' }, h.tokens.office)).status, 200);
    await ocspSays(c.authCert, 'ERR_RP_CERT_REVOKED');
    const viaOcsp = relyingParty(h).rp.verifyCertificate({ certificate: c.authCert, use: 'login' });
    await assert.rejects(viaOcsp, refused('ERR_RP_CERT_REVOKED', (e) => e.reason === 'keyCompromise' && e.source === 'ocsp' && e.serialNumber === c.authSerial && e.revokedAt!.getTime() >= before));
    const viaCrl = relyingParty(h, { status: { ocsp: { enabled: false } } }).rp.verifyCertificate({ certificate: c.authCert, use: 'login' });
    await assert.rejects(viaCrl, refused('ERR_RP_CERT_REVOKED', (e) => e.reason === 'keyCompromise' && e.source === 'crl'));
  });

  it('refuses a held certificate with ERR_RP_CERT_SUSPENDED (certificateHold), and takes it again once released', async () => {
    const c = await issueCard(h);
    assert.equal((await h.api('POST', `/api/v1/certificates/${c.authSerial}/hold`, undefined, h.tokens.callCentre)).status, 200);
    await ocspSays(c.authCert, 'ERR_RP_CERT_SUSPENDED');
    await assert.rejects(relyingParty(h).rp.verifyCertificate({ certificate: c.authCert, use: 'login' }), refused('ERR_RP_CERT_SUSPENDED', (e) => e.reason === 'certificateHold'));
    await assert.rejects(relyingParty(h, { status: { ocsp: { enabled: false } } }).rp.verifyCertificate({ certificate: c.authCert, use: 'login' }), refused('ERR_RP_CERT_SUSPENDED', (e) => e.source === 'crl'));
    assert.equal((await h.api('POST', `/api/v1/certificates/${c.authSerial}/release`, undefined, h.tokens.callCentre)).status, 200);
    await eventually(async () => (await relyingParty(h).rp.verifyCertificate({ certificate: c.authCert, use: 'login' }).catch(() => undefined))?.status.state === 'good');
  });

  it("refuses the old phone's certificates once a new handset is issued (superseded)", async () => {
    const first = await issuePhone(h, good, 'SE-STATUS-OLD');
    await issuePhone(h, good, 'SE-STATUS-NEW');
    await ocspSays(first.authCert, 'ERR_RP_CERT_REVOKED');
    await assert.rejects(relyingParty(h).rp.verifyCertificate({ certificate: first.signCert, use: 'signing' }), refused('ERR_RP_CERT_REVOKED', (e) => e.reason === 'superseded'));
  });

  it('refuses a certificate the responder does not know (signed by the CA key, never issued): ERR_RP_CERT_STATUS_UNKNOWN', async () => {
    const g = h.service.ctx.authority.active('auth');
    const tbs = decodeTbsCertificate(parseCertificate(good.authCert).tbsDer);
    tbs.serialNumber = fromHex('7A0102030405060708').buffer as ArrayBuffer;
    const tbsDer = toDer(tbs);
    const forged = assembleCertificate(tbsDer, g.signer.sign(tbsDer));
    await assert.rejects(relyingParty(h).rp.verifyCertificate({ certificate: forged, use: 'login' }), refused('ERR_RP_CERT_STATUS_UNKNOWN', (e) => e.source === 'ocsp'));
  });
});

describe('status: OCSP first, then the CRL, then fail closed', () => {
  it('falls back to the CRL when the OCSP responder is unreachable, and says so in attempts', async () => {
    const { rp, fetch } = relyingParty(h, { status: { ocsp: { url: `${DOWN}/ocsp` } } });
    const v = await rp.verifyCertificate({ certificate: good.authCert, use: 'login' });
    assert.equal(v.status.state, 'good');
    assert.equal(v.status.source, 'crl');
    assert.equal(v.status.url, `${h.url}/crl/auth/1.crl`);
    assert.deepEqual(v.status.attempts.map((a) => [a.source, a.code, a.url]), [['ocsp', 'ERR_RP_FETCH_FAILED', `${DOWN}/ocsp`]]);
    assert.deepEqual(fetch.calls, [`${DOWN}/ocsp`, `${h.url}/crl/auth/1.crl`]);
  });

  it('falls back to the CRL when OCSP answers something unusable: an HTTP error, an error status, too many bytes, or no answer in time', async () => {
    const cases: [Parameters<typeof relyingParty>[1], string][] = [
      [{ status: { ocsp: { url: `${h.url}/no-such-responder` } } }, 'ERR_RP_FETCH_HTTP_STATUS'],
      [{ status: { ocsp: { url: `${h.url}/ocsp/sign` } } }, 'ERR_STATUS_OCSP_RESPONSE_STATUS'],
      [{ status: { ocsp: { maxBytes: 16 } } }, 'ERR_RP_FETCH_TOO_LARGE'],
    ];
    for (const [options, code] of cases) {
      const v = await relyingParty(h, options).rp.verifyCertificate({ certificate: good.authCert, use: 'login' });
      assert.equal(v.status.source, 'crl', code);
      assert.equal(v.status.attempts[0]!.code, code);
    }
    const hanging = countingFetch();
    const slow = relyingParty(h, {
      status: {
        timeoutMs: 300,
        fetch: (url, init) => (url.includes('/ocsp') ? new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason))) : hanging.fetch(url, init)),
      },
    });
    const started = Date.now();
    const v = await slow.rp.verifyCertificate({ certificate: good.authCert, use: 'login' });
    assert.equal(v.status.attempts[0]!.code, 'ERR_RP_FETCH_TIMEOUT');
    assert.equal(v.status.source, 'crl');
    assert.ok(Date.now() - started < 3000);
  });

  it('fails closed when neither source answers (ERR_RP_STATUS_UNAVAILABLE with both attempts), or reports it when told to accept', async () => {
    const status = { ocsp: { url: `${DOWN}/ocsp` }, crl: { url: `${DOWN}/crl` } };
    await assert.rejects(
      relyingParty(h, { status }).rp.verifyCertificate({ certificate: good.authCert, use: 'login' }),
      refused('ERR_RP_STATUS_UNAVAILABLE', (e) => e.attempts!.map((a) => `${a.source}:${a.code}`).join(' ') === 'ocsp:ERR_RP_FETCH_FAILED crl:ERR_RP_FETCH_FAILED'),
    );
    const open = await relyingParty(h, { status: { ...status, onUnavailable: 'accept' } }).rp.verifyCertificate({ certificate: good.authCert, use: 'login' });
    assert.equal(open.status.state, 'unavailable');
    assert.equal(open.status.attempts.length, 2);
    await assert.rejects(
      relyingParty(h, { status: { ocsp: { enabled: false }, crl: { enabled: false } } }).rp.verifyCertificate({ certificate: good.authCert, use: 'login' }),
      refused('ERR_RP_STATUS_UNAVAILABLE', (e) => e.attempts!.length === 0),
    );
  });

  it('sends a nonce when asked, and the responder echoes it', async () => {
    const v = await relyingParty(h, { status: { ocsp: { nonce: true } } }).rp.verifyCertificate({ certificate: good.signCert, use: 'signing' });
    assert.equal(v.status.source, 'ocsp');
    assert.equal(v.basicFour?.name, '鈴木\u3000一郎');
  });
});

describe('status: caching', () => {
  it('asks OCSP once for the same certificate until the cache is cleared', async () => {
    const { rp, fetch } = relyingParty(h);
    const first = await rp.verifyCertificate({ certificate: good.authCert, use: 'login' });
    const second = await rp.verifyCertificate({ certificate: good.authCert, use: 'login' });
    assert.deepEqual([first.status.cached, second.status.cached], [false, true]);
    assert.equal(fetch.count(/\/ocsp\//), 1);
    const other = await issueCard(h);
    await rp.verifyCertificate({ certificate: other.authCert, use: 'login' });
    assert.equal(fetch.count(/\/ocsp\//), 2, 'another certificate is another answer');
    rp.clearStatusCache();
    await rp.verifyCertificate({ certificate: good.authCert, use: 'login' });
    assert.equal(fetch.count(/\/ocsp\//), 3);
  });

  it('keeps an OCSP answer no longer than ocsp.maxAgeMs', async () => {
    let now = Date.now();
    const { rp, fetch } = relyingParty(h, { clock: () => new Date(now), status: { ocsp: { maxAgeMs: 60_000 } } });
    await rp.verifyCertificate({ certificate: good.authCert, use: 'login' });
    now += 30_000;
    assert.equal((await rp.verifyCertificate({ certificate: good.authCert, use: 'login' })).status.cached, true);
    now += 31_000;
    assert.equal((await rp.verifyCertificate({ certificate: good.authCert, use: 'login' })).status.cached, false);
    assert.equal(fetch.count(/\/ocsp\//), 2);
  });

  it('fetches a CA generation\'s CRL once for all its certificates, until its nextUpdate', async () => {
    const { rp, fetch } = relyingParty(h, { status: { ocsp: { enabled: false } } });
    const other = await issueCard(h);
    const [a, b] = [await rp.verifyCertificate({ certificate: good.authCert, use: 'login' }), await rp.verifyCertificate({ certificate: other.authCert, use: 'login' })];
    assert.deepEqual([a.status.cached, b.status.cached], [false, true]);
    assert.equal(fetch.count(/\/crl\/auth\/1\.crl$/), 1);
    assert.ok(a.status.nextUpdate!.getTime() > Date.now());
    const expired = relyingParty(h, { clock: () => new Date(a.status.nextUpdate!.getTime() + 1000), status: { ocsp: { enabled: false }, clockSkewMs: 0 } });
    await assert.rejects(expired.rp.verifyCertificate({ certificate: good.authCert, use: 'login' }), refused('ERR_RP_STATUS_UNAVAILABLE', (e) => e.attempts![0]!.code === 'ERR_STATUS_CRL_STALE'));
  });

  it('shares one request among concurrent checks of the same certificate', async () => {
    const { rp, fetch } = relyingParty(h);
    const results = await Promise.all([1, 2, 3, 4].map(() => rp.verifyCertificate({ certificate: good.signCert, use: 'signing' })));
    assert.ok(results.every((r) => r.status.state === 'good'));
    assert.equal(fetch.count(/\/ocsp\//), 1);
  });
});
