import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { certIdFor, encodeCertId, parseOcspResponse } from '../../../src/pki/revocation/index.js';
import { OID, TAG, tlv } from '../../../src/pki/revocation/der-writer.js';
import { JpkiService } from '../../../src/services/jpki/service.js';
import { openDatabase, type DatabaseConfig } from '../../../src/store/index.js';
import { startJpki, writePem, type IssuedCard, type IssuedPhone, type JpkiHarness } from '../../helpers/jpki.js';
import { forEachDialect } from '../../helpers/postgres.js';
import { ocsp, ocspRespin } from './support/revocation.js';
import { pemToDer, World } from './support/world.js';

/**
 * Issue 3, "Done when" 2: `openssl ocsp` against the running service — good, revoked with its reason,
 * certificateHold, release, nonce echo, pre-signed answers without a nonce, SHA-256 CertIDs, saved
 * responses, the GET form, unknown and unauthorized.
 */

forEachDialect('JPKI OCSP responder, asked by openssl ocsp', (ctx) => {
  let h: JpkiHarness;
  let w: World;
  let ca: ReturnType<JpkiHarness['exportCa']>;
  let card: IssuedCard;
  let phone: IssuedPhone;
  const f: Record<string, string> = {};
  let shift = 0;
  let config: DatabaseConfig;
  const url = (path: string) => `${h.url}${path}`;

  before(async () => {
    config = await ctx.freshConfig();
    h = await startJpki({ database: config, clock: () => new Date(Date.now() + shift) });
    w = await World.of(h);
    ca = h.exportCa();
    card = await w.card();
    phone = await w.phone(card, 'SE-OCSP-1');
    f.cardSign = writePem(h, 'card-sign.pem', card.signCert);
    f.cardAuth = writePem(h, 'card-auth.pem', card.authCert);
    f.phoneSign = writePem(h, 'phone-sign.pem', phone.signCert);
    f.phoneAuth = writePem(h, 'phone-auth.pem', phone.authCert);
  });
  after(async () => {
    await h?.stop();
  });

  it('answers good for all four certificates, echoing the nonce openssl sends, signed by the delegated responder', async () => {
    for (const [cert, hierarchy] of [[f.cardSign, 'sign'], [f.cardAuth, 'auth'], [f.phoneSign, 'sign'], [f.phoneAuth, 'auth']] as const) {
      const r = await ocsp({ issuer: ca[hierarchy], certs: [cert!], url: url(`/ocsp/${hierarchy}`) });
      assert.equal(r.status, 'good', r.out);
      assert.ok(r.verified, r.out);
      assert.equal(r.nonceMissing, false, r.out);
    }
    // Both certificates of a hierarchy in one request, and the hierarchy-less URL.
    const both = await ocsp({ issuer: ca.sign, certs: [f.cardSign!, f.phoneSign!], url: url('/ocsp') });
    assert.deepEqual(both.statuses.map((s) => s.status), ['good', 'good']);
    assert.ok(both.verified && !both.nonceMissing, both.out);
  });

  it('serves answers without a nonce from the pre-signed cache, re-signed when the status changes', async () => {
    const first = join(h.dir, 'no-nonce-1.der');
    const second = join(h.dir, 'no-nonce-2.der');
    const r1 = await ocsp({ issuer: ca.sign, certs: [f.cardSign!], url: url('/ocsp/sign'), noNonce: true, respout: first });
    assert.equal(r1.status, 'good', r1.out);
    assert.ok(r1.verified);
    shift = 5_000; // five seconds later: a freshly signed answer would carry another producedAt
    try {
      const r2 = await ocsp({ issuer: ca.sign, certs: [f.cardSign!], url: url('/ocsp/sign'), noNonce: true, respout: second });
      assert.equal(r2.status, 'good');
      assert.deepEqual(readFileSync(second), readFileSync(first), 'the same pre-signed bytes');
    } finally {
      shift = 0;
    }
    assert.ok(h.service.ocsp.size >= 1);
  });

  it('works with SHA-256 CertIDs, with and without a nonce', async () => {
    for (const noNonce of [false, true]) {
      const r = await ocsp({ issuer: ca.auth, certs: [f.cardAuth!], url: url('/ocsp/auth'), sha256: true, noNonce });
      assert.equal(r.status, 'good', r.out);
      assert.ok(r.verified && !r.nonceMissing, r.out);
    }
    const saved = join(h.dir, 'sha256.der');
    await ocsp({ issuer: ca.auth, certs: [f.cardAuth!], url: url('/ocsp/auth'), sha256: true, respout: saved });
    const parsed = parseOcspResponse(readFileSync(saved));
    assert.equal(parsed.responses[0]!.certId.hashAlgorithm, 'sha256', 'the answer echoes the SHA-256 CertID');
  });

  it('saves a response with -respout that openssl ocsp -respin verifies', async () => {
    const saved = join(h.dir, 'saved.der');
    const r = await ocsp({ issuer: ca.sign, certs: [f.phoneSign!], url: url('/ocsp/sign'), respout: saved });
    assert.equal(r.status, 'good');
    const again = await ocspRespin(saved, ca.sign, f.phoneSign!);
    assert.equal(again.status, 'good', again.out);
    assert.ok(again.verified, again.out);
    // The saved answer is about that certificate: asked about another one, openssl finds no answer.
    const other = await ocspRespin(saved, ca.sign, f.cardSign!);
    assert.equal(other.status, 'no-status', other.out);
  });

  it('answers the GET form (RFC 6960 A.1), URL-encoded or not, and with "//" in the base64', async () => {
    const reqout = join(h.dir, 'get-request.der');
    await ocsp({ issuer: ca.auth, certs: [f.phoneAuth!], url: url('/ocsp/auth'), reqout });
    const request = readFileSync(reqout);
    // A request of our own whose nonce makes the base64 hold "//" (and "+"): a raw GET spans empty segments.
    const certId = certIdFor(pemFileDer(ca.auth), Buffer.from(phone.authSerial, 'hex'), 'sha1');
    const build = (nonce: Uint8Array) =>
      tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, encodeCertId(certId))), tlv(TAG.CONTEXT_2, tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, tlv(TAG.OID, OID.ocspNonce), tlv(TAG.OCTET_STRING, tlv(TAG.OCTET_STRING, nonce)))))));
    // FF FF FF is "////" and FB EF BE is "++++" once aligned on three bytes: shift until both show.
    const nonce = [0, 1, 2].map((k) => new Uint8Array([...new Array<number>(k).fill(0), ...new Array<number>(6).fill(0xff), 0xfb, 0xef, 0xbe, 0xfb, 0xef, 0xbe])).find((n) => /\+\+/.test(Buffer.from(build(n)).toString('base64')))!;
    const handmadeB64 = Buffer.from(build(nonce)).toString('base64');
    assert.match(handmadeB64, /\/\/.*\+\+|\+\+.*\/\//);
    const forms = [
      ['url-encoded', encodeURIComponent(request.toString('base64')), undefined],
      ['raw', request.toString('base64'), undefined],
      ['raw with // and +', handmadeB64, nonce],
      ['url-encoded with // and +', encodeURIComponent(handmadeB64), nonce],
    ] as const;
    for (const [name, path, expectNonce] of forms) {
      const res = await fetch(url(`/ocsp/auth/${path}`));
      assert.equal(res.status, 200, name);
      assert.equal(res.headers.get('content-type'), 'application/ocsp-response', name);
      const body = new Uint8Array(await res.arrayBuffer());
      const saved = join(h.dir, `get-${name.replace(/\W+/g, '-')}.der`);
      writeFileSync(saved, body);
      const r = await ocspRespin(saved, ca.auth, f.phoneAuth!);
      assert.equal(r.status, 'good', `${name}: ${r.out}`);
      assert.ok(r.verified, `${name}: ${r.out}`);
      if (expectNonce) assert.deepEqual(parseOcspResponse(body).nonce?.subarray(2), expectNonce, `${name}: the nonce is echoed`);
    }
  });

  it('answers unknown for a serial it never issued, and unauthorized for another hierarchy or CA', async () => {
    const unknown = await ocsp({ issuer: ca.sign, serials: ['0x0BADC0DE0BADC0DE'], url: url('/ocsp/sign') });
    assert.equal(unknown.status, 'unknown', unknown.out);
    assert.ok(unknown.verified);
    // The authentication certificate at the signature URL, with a nonce and without (after its
    // answer was cached through the right URL).
    await ocsp({ issuer: ca.auth, certs: [f.phoneAuth!], url: url('/ocsp/auth'), noNonce: true });
    for (const noNonce of [false, true]) {
      const wrong = await ocsp({ issuer: ca.auth, certs: [f.phoneAuth!], url: url('/ocsp/sign'), noNonce });
      assert.equal(wrong.status, 'error:unauthorized', `noNonce=${noNonce}: ${wrong.out}`);
    }
    // A CA that is not this service's: its own issuer is unknown here.
    const foreign = await ocsp({ issuer: ca.signResponder, serials: ['0x01'], url: url('/ocsp/sign'), caFile: ca.sign });
    assert.equal(foreign.status, 'error:unauthorized', foreign.out);
  });

  it('follows revocation, hold and release: revoked with the reason, certificateHold, good again; a signature hold is not released', async () => {
    const q = (cert: string, hierarchy: 'sign' | 'auth', noNonce = false) => ocsp({ issuer: ca[hierarchy], certs: [cert], url: url(`/ocsp/${hierarchy}`), noNonce });
    // Prime the cache of the phone authentication certificate, so the -no_nonce answers below prove it is re-signed.
    assert.equal((await q(f.phoneAuth!, 'auth', true)).status, 'good');

    let res = await h.api('POST', `/api/v1/certificates/${phone.authSerial}/hold`, undefined, h.tokens.callCentre);
    assert.equal(res.status, 200);
    for (const noNonce of [false, true]) {
      const r = await q(f.phoneAuth!, 'auth', noNonce);
      assert.equal(r.status, 'revoked', r.out);
      assert.equal(r.reason, 'certificateHold');
      assert.match(r.out, /Revocation Time: /);
      assert.ok(r.verified);
    }
    res = await h.api('POST', `/api/v1/certificates/${phone.authSerial}/release`, undefined, h.tokens.callCentre);
    assert.equal(res.status, 200);
    for (const noNonce of [false, true]) assert.equal((await q(f.phoneAuth!, 'auth', noNonce)).status, 'good');

    res = await h.api('POST', `/api/v1/certificates/${phone.signSerial}/hold`, undefined, h.tokens.callCentre);
    assert.equal(res.status, 200);
    res = await h.api('POST', `/api/v1/certificates/${phone.signSerial}/release`, undefined, h.tokens.callCentre);
    assert.equal(res.status, 409);
    assert.equal(res.json.code, 'ERR_JPKI_RELEASE_SIGNATURE');
    const held = await q(f.phoneSign!, 'sign');
    assert.equal(held.status, 'revoked');
    assert.equal(held.reason, 'certificateHold');

    res = await h.api('POST', `/api/v1/certificates/${card.authSerial}/revoke`, { reason: 'keyCompromise' }, h.tokens.office);
    assert.equal(res.status, 200);
    const revoked = await q(f.cardAuth!, 'auth');
    assert.equal(revoked.status, 'revoked');
    assert.equal(revoked.reason, 'keyCompromise');
    assert.ok(revoked.verified);
  });

  it('shows a revocation committed by another service instance within one second', async () => {
    const other = await w.card({ name: '別所\u3000花子', sex: 2 });
    const cert = writePem(h, 'other-sign.pem', other.signCert);
    const q = () => ocsp({ issuer: ca.sign, certs: [cert], url: url('/ocsp/sign'), noNonce: true });
    assert.equal((await q()).status, 'good', 'the pre-signed answer is cached before');
    const db = await openDatabase(config);
    const second = await JpkiService.open({ db, passphrase: h.passphrase, baseUrl: h.url });
    try {
      await second.revoke({ kind: 'office', id: 'office-2' }, other.signSerial, 1);
      const committed = Date.now();
      let answer = await q();
      while (answer.status === 'good' && Date.now() - committed < 3_000) answer = await q();
      const elapsed = Date.now() - committed;
      assert.equal(answer.status, 'revoked', answer.out);
      assert.equal(answer.reason, 'keyCompromise');
      assert.ok(elapsed < 1_000, `visible after ${elapsed} ms`);
    } finally {
      second.close();
      await db.close();
    }
  });
});

function pemFileDer(path: string): Uint8Array {
  return pemToDer(readFileSync(path, 'utf8'));
}
