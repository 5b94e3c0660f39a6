import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { issueCard, issuePhone, startJpki, writePem, type JpkiHarness } from '../../helpers/jpki.js';

/** Runs the real openssl without blocking the event loop (the service under test is in this process). */
function openssl(...args: string[]): Promise<{ status: number; out: string }> {
  return new Promise((resolve) => {
    execFile('openssl', args, { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

describe('JPKI service: the main flows against the real openssl', () => {
  let h: JpkiHarness;
  before(async () => {
    h = await startJpki();
  });
  after(async () => {
    await h.stop();
  });

  it('issues card and phone certificates that openssl verifies, and OCSP follows revocation', async () => {
    const ca = h.exportCa();
    const card = await issueCard(h);
    const phone = await issuePhone(h, card, 'SE-0001');
    const cardSign = writePem(h, 'card-sign.pem', card.signCert);
    const phoneAuth = writePem(h, 'phone-auth.pem', phone.authCert);
    assert.match((await openssl('verify', '-CAfile', ca.sign, cardSign)).out, /: OK/);
    assert.match((await openssl('verify', '-CAfile', ca.auth, phoneAuth)).out, /: OK/);

    const ocsp = (cert: string, issuer: string) => openssl('ocsp', '-issuer', issuer, '-cert', cert, '-url', `${h.url}/ocsp/auth`, '-CAfile', issuer);
    let r = await ocsp(phoneAuth, ca.auth);
    assert.match(r.out, /phone-auth\.pem: good/, r.out);
    assert.match(r.out, /Response verify OK/);

    const revoked = await h.api('POST', `/api/v1/certificates/${card.signSerial}/revoke`, { reason: 'affiliationChanged' }, h.tokens.office);
    assert.equal(revoked.status, 200);
    assert.deepEqual(new Set(revoked.json.revoked), new Set([card.signSerial, phone.signSerial, phone.authSerial]));
    r = await ocsp(phoneAuth, ca.auth);
    assert.match(r.out, /phone-auth\.pem: revoked/, r.out);
    assert.match(r.out, /Reason: affiliationChanged/);
  });
});
