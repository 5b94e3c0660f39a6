import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { certIdFor, encodeCertId, parseOcspResponse } from '../../../src/pki/revocation/index.js';
import { TAG, tlv } from '../../../src/pki/revocation/der-writer.js';
import { holderRevocation, startJpki, writePem, type IssuedPhone, type JpkiHarness } from '../../helpers/jpki.js';
import { forEachDialect } from '../../helpers/postgres.js';
import { expectProblems, jsonCases, send, type BadCase } from './support/http.js';
import { openssl } from './support/openssl.js';
import { ocsp } from './support/revocation.js';
import { assertUnchanged, snapshot } from './support/store.js';
import { b64, World } from './support/world.js';

/**
 * Issue 3, "Done when" 6 (public endpoints): CA certificates, CRLs, OCSP, the CPS, health, holder
 * revocation and unknown paths. HTTP-level faults are problem+json 4xx; a bad OCSP request is an OCSP
 * error response (malformedRequest, HTTP 200, application/ocsp-response, RFC 6960 2.3 and A.1).
 * Nothing is written, not even a CRL number.
 */

forEachDialect('JPKI bad inputs: public endpoints', (ctx) => {
  let h: JpkiHarness;
  let w: World;
  let phone: IssuedPhone;
  let request: Uint8Array;

  before(async () => {
    h = await startJpki({ database: await ctx.freshConfig() });
    w = await World.of(h);
    const card = await w.card();
    phone = await w.phone(card, 'SE-PUBLIC-1');
    const ca = h.exportCa();
    const reqout = join(h.dir, 'request.der');
    await ocsp({ issuer: ca.auth, certs: [writePem(h, 'phone-auth.pem', phone.authCert)], url: `${h.url}/ocsp/auth`, reqout });
    request = new Uint8Array(readFileSync(reqout));
  });
  after(async () => {
    await h?.stop();
  });

  it('CA certificates, CRLs, the CPS, health and unknown paths', async () => {
    const cases: BadCase[] = [
      { name: 'an unknown hierarchy', path: '/ca/xyz/1.crt', status: 404, code: 'ERR_HTTP_NOT_FOUND' },
      { name: 'generation 0', path: '/ca/sign/0.crt', status: 404, code: 'ERR_HTTP_NOT_FOUND' },
      { name: 'not a file name', path: '/ca/sign/abc', status: 404, code: 'ERR_HTTP_NOT_FOUND' },
      { name: 'a negative generation', path: '/ca/auth/-1.crt', status: 404, code: 'ERR_HTTP_NOT_FOUND' },
      { name: 'a leading zero', path: '/ca/sign/01.crt', status: 404, code: 'ERR_HTTP_NOT_FOUND' },
      { name: 'another extension', path: '/ca/sign/1.txt', status: 404, code: 'ERR_HTTP_NOT_FOUND' },
      { name: 'a generation that does not exist', path: '/ca/sign/2.crt', status: 404, code: 'ERR_JPKI_UNKNOWN_GENERATION' },
      { name: 'a responder of a generation that does not exist', path: '/ca/auth/3-ocsp.crt', status: 404, code: 'ERR_JPKI_UNKNOWN_GENERATION' },
      { name: 'a huge generation', path: '/ca/sign/9999999.crt', status: 404, code: 'ERR_HTTP_NOT_FOUND' },
      { name: 'a path past the file', path: '/ca/sign/1.crt/x', status: 404, code: 'ERR_HTTP_NOT_FOUND' },
      { name: 'bad percent-encoding', path: '/ca/sign/%E0%A4%A', status: 400, code: 'ERR_HTTP_PATH' },
      { name: 'POST to a CA certificate', method: 'POST', path: '/ca/sign/1.crt', raw: 'x', contentType: 'text/plain', status: 405, code: 'ERR_HTTP_METHOD' },
      { name: 'CRL generation 0', path: '/crl/sign/0.crl', status: 404, code: 'ERR_HTTP_NOT_FOUND' },
      { name: 'CRL not a file name', path: '/crl/sign/abc', status: 404, code: 'ERR_HTTP_NOT_FOUND' },
      { name: 'CRL of an unknown hierarchy', path: '/crl/root/1.crl', status: 404, code: 'ERR_HTTP_NOT_FOUND' },
      { name: 'CRL of a generation that does not exist', path: '/crl/auth/2.crl', status: 404, code: 'ERR_JPKI_UNKNOWN_GENERATION' },
      { name: 'CRL as PEM', path: '/crl/sign/1.pem', status: 404, code: 'ERR_HTTP_NOT_FOUND' },
      { name: 'PUT a CRL', method: 'PUT', path: '/crl/sign/1.crl', raw: 'x', contentType: 'application/pkix-crl', status: 405, code: 'ERR_HTTP_METHOD' },
      { name: 'POST /cps', method: 'POST', path: '/cps', raw: '', status: 405, code: 'ERR_HTTP_METHOD' },
      { name: 'DELETE /healthz', method: 'DELETE', path: '/healthz', status: 405, code: 'ERR_HTTP_METHOD' },
      { name: 'the root', path: '/', status: 404, code: 'ERR_HTTP_NOT_FOUND' },
      { name: 'an unknown API', path: '/api/v1/persons', status: 404, code: 'ERR_HTTP_NOT_FOUND' },
      { name: 'an API version that does not exist', method: 'POST', path: '/api/v2/card-certificates', json: {}, status: 404, code: 'ERR_HTTP_NOT_FOUND' },
      { name: 'DELETE the card issuance', method: 'DELETE', path: '/api/v1/card-certificates', status: 405, code: 'ERR_HTTP_METHOD' },
      { name: 'a traversal attempt', path: '/ca/sign/..%2f..%2fetc%2fpasswd', status: 404, code: 'ERR_HTTP_NOT_FOUND' },
    ];
    await expectProblems(h, cases);
  });

  it('OCSP: HTTP faults are problems, bad requests are OCSP malformedRequest answers', async () => {
    await expectProblems(h, [
      { name: 'an unknown hierarchy (POST)', path: '/ocsp/root', raw: request, contentType: 'application/ocsp-request', status: 404, code: 'ERR_HTTP_NOT_FOUND' },
      { name: 'an unknown hierarchy (GET)', path: `/ocsp/root/${encodeURIComponent(b64(request))}`, status: 404, code: 'ERR_HTTP_NOT_FOUND' },
      { name: 'a body over 16 KiB', path: '/ocsp/sign', raw: randomBytes(16 * 1024 + 1), contentType: 'application/ocsp-request', status: 413, code: 'ERR_HTTP_BODY_TOO_LARGE' },
      { name: 'GET without a request', path: '/ocsp/sign', status: 405, code: 'ERR_HTTP_METHOD' },
      { name: 'PUT', method: 'PUT', path: '/ocsp', raw: request, contentType: 'application/ocsp-request', status: 405, code: 'ERR_HTTP_METHOD' },
    ]);

    const issuer = new Uint8Array(Buffer.from(readFileSync(h.exportCa().sign, 'utf8').replace(/-----[^-]+-----|\s+/g, ''), 'base64'));
    const certId = encodeCertId(certIdFor(issuer, Buffer.from('01', 'hex'), 'sha1'));
    const manyIds = tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, ...Array.from({ length: 17 }, () => tlv(TAG.SEQUENCE, certId)))));
    const malformed: [string, 'POST' | 'GET', string, Uint8Array | undefined][] = [
      ['garbage', 'POST', '/ocsp', new TextEncoder().encode('hello, responder')],
      ['an empty body', 'POST', '/ocsp/sign', new Uint8Array(0)],
      ['a truncated request', 'POST', '/ocsp/auth', request.subarray(0, request.length - 3)],
      ['a request with trailing bytes', 'POST', '/ocsp/auth', Buffer.concat([request, Buffer.from([0, 0])])],
      ['a certificate instead of a request', 'POST', '/ocsp/sign', issuer],
      ['17 CertIDs', 'POST', '/ocsp/sign', manyIds],
      ['GET: not base64', 'GET', '/ocsp/sign/!!!!', undefined],
      ['GET: a bad %-escape', 'GET', '/ocsp/sign/MEIw%ZZ', undefined],
      ['GET: base64 of garbage', 'GET', `/ocsp/sign/${b64(Buffer.from('not an OCSP request'))}`, undefined],
      ['GET: impossible padding', 'GET', '/ocsp/auth/MA===', undefined],
    ];
    for (const [name, method, path, body] of malformed) {
      const before = await snapshot(h.db);
      const res = await send(h.url, { method, path, ...(body ? { raw: body, contentType: 'application/ocsp-request' } : {}) });
      assert.equal(res.status, 200, name);
      assert.equal(res.contentType, 'application/ocsp-response', name);
      assert.equal(parseOcspResponse(res.bytes).status, 'malformedRequest', name);
      await assertUnchanged(h.db, before, name);
    }
    // openssl reads such an answer as what it is.
    const saved = join(h.dir, 'malformed.der');
    writeFileSync(saved, (await send(h.url, { method: 'POST', path: '/ocsp', raw: 'junk', contentType: 'application/ocsp-request' })).bytes);
    assert.match((await openssl('ocsp', '-respin', saved, '-resp_text', '-noverify')).out, /Responder Error: malformedrequest \(1\)/);
  });

  it('POST /api/v1/holder/revocations', async () => {
    const path = '/api/v1/holder/revocations';
    const valid = holderRevocation(phone);
    const text = (s: string) => b64(Buffer.from(s));
    const cases: BadCase[] = [
      ...jsonCases(path, valid),
      { name: 'signature missing', path, json: { request: valid.request }, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'request not base64', path, json: { ...valid, request: '{"serial":"01"}' }, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'signature over 512 bytes', path, json: { ...valid, signature: b64(randomBytes(600)) }, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'request over 8192 bytes', path, json: { ...valid, request: b64(randomBytes(8200)) }, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'a request that is not JSON', path, json: { ...valid, request: text('revoke please') }, status: 422, code: 'ERR_JPKI_APPLICATION' },
      { name: 'a request of another type', path, json: { ...valid, request: text('{"type":"jpki-mobile/phone-issuance/v1"}') }, status: 422, code: 'ERR_JPKI_APPLICATION' },
      { name: 'a request without a serial', path, json: { ...valid, request: text('{"type":"jpki-mobile/holder-revocation/v1","reason":"keyCompromise","nonce":"aaaaaaaaaaaaaaaaaaaa","time":"2026-01-01T00:00:00Z"}') }, status: 422, code: 'ERR_JPKI_APPLICATION' },
      { name: 'a request for an unknown serial', path, json: { ...valid, request: text(`{"type":"jpki-mobile/holder-revocation/v1","serial":"0BADC0DE","reason":"keyCompromise","nonce":"aaaaaaaaaaaaaaaaaaaa","time":"${new Date().toISOString()}"}`) }, status: 422, code: 'ERR_JPKI_HOLDER_SIGNATURE' },
      { name: 'a signature of random bytes', path, json: { ...valid, signature: b64(randomBytes(256)) }, status: 422, code: 'ERR_JPKI_HOLDER_SIGNATURE' },
      { name: 'an empty-looking signature', path, json: { ...valid, signature: 'AAAA' }, status: 422, code: 'ERR_JPKI_HOLDER_SIGNATURE' },
      { name: 'GET', method: 'GET', path, status: 405, code: 'ERR_HTTP_METHOD' },
    ];
    await expectProblems(h, cases);
    // The valid request still works afterwards: none of the above spent its nonce.
    assert.equal((await h.api('POST', path, valid)).status, 200);
  });
});
