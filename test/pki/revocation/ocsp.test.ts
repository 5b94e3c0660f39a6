import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { toHex } from '../../../src/bytes/index.js';
import { keyObjectSigner, type Signer } from '../../../src/pki/signer.js';
import {
  buildOcspResponse,
  certIdFor,
  certIdKey,
  issuerParts,
  ocspErrorResponse,
  parseOcspRequest,
  parseOcspResponse,
  presignOcspResponse,
  responderKeyHash,
  verifyOcspResponseSignature,
  type OcspCertStatus,
  type OcspErrorStatus,
  type OcspSingleResponse,
  type ParsedOcspRequest,
} from '../../../src/pki/revocation/index.js';
import { extension, OID, TAG, tlv } from '../../../src/pki/revocation/der-writer.js';
import { makeTestPki, openssl, type TestPki } from './openssl-pki.js';

describe('OCSP (RFC 6960) against openssl', () => {
  let pki: TestPki;
  let signer: Signer;
  let keyHash: Uint8Array;
  const now = Date.now();
  const times = { thisUpdate: new Date(now - 60_000), nextUpdate: new Date(now + 3_600_000) };

  /** Has openssl write a request; returns it parsed. */
  function opensslRequest(name: string, args: string[]): ParsedOcspRequest {
    const r = openssl(pki.dir, ['ocsp', ...args, '-reqout', name]);
    assert.equal(r.status, 0, r.stderr);
    return parseOcspRequest(readFileSync(pki.path(name)));
  }

  function respond(name: string, responses: OcspSingleResponse[], nonce?: Uint8Array, s: Signer = signer): Uint8Array {
    const der = buildOcspResponse({ responderCertificate: pki.responderDer, responderKeyHash: keyHash, producedAt: new Date(now), responses, nonce, signer: s });
    writeFileSync(pki.path(name), der);
    return der;
  }

  before(() => {
    pki = makeTestPki();
    signer = keyObjectSigner(pki.responderKey);
    keyHash = responderKeyHash(signer.publicKeySpki);
  });
  after(() => pki?.remove());

  it("parses openssl's requests and matches the CertID computed for the CA (SHA-1 and SHA-256, with and without nonce)", () => {
    const plain = opensslRequest('plain.req', ['-issuer', 'ca.pem', '-cert', 'ee1.pem', '-no_nonce']);
    const nonce = opensslRequest('nonce.req', ['-issuer', 'ca.pem', '-cert', 'ee1.pem']);
    const sha256 = opensslRequest('sha256.req', ['-sha256', '-issuer', 'ca.pem', '-cert', 'ee1.pem']);
    for (const [req, alg] of [[plain, 'sha1'], [nonce, 'sha1'], [sha256, 'sha256']] as const) {
      assert.equal(req.requests.length, 1);
      assert.equal(req.signed, false);
      assert.deepEqual(req.requests[0], certIdFor(pki.caDer, pki.ee1Serial, alg));
      assert.deepEqual(req.requests[0], certIdFor(issuerParts(pki.caDer), Uint8Array.of(1, 0x11), alg));
    }
    assert.equal(plain.nonce, undefined);
    // OpenSSL sends RFC 8954's form: extnValue = OCTET STRING (16 random octets).
    assert.equal(nonce.nonceValue?.length, 16);
    assert.equal(toHex(nonce.nonce!), '0410' + toHex(nonce.nonceValue!));
    assert.equal(sha256.nonceValue?.length, 16);
    const two = opensslRequest('two.req', ['-issuer', 'ca.pem', '-cert', 'ee1.pem', '-cert', 'ee2.pem', '-no_nonce']);
    assert.deepEqual(two.requests.map((r) => toHex(r.serialNumber)), ['0111', '0222']);
  });

  const cases: [string, OcspCertStatus, RegExp][] = [
    ['good', { kind: 'good' }, /ee1\.pem: good\n/],
    ['revoked with keyCompromise', { kind: 'revoked', revocationTime: new Date(now - 86_400_000), reason: 1 }, /ee1\.pem: revoked\n[^]*Reason: keyCompromise\n/],
    ['revoked with certificateHold', { kind: 'revoked', revocationTime: new Date(now - 86_400_000), reason: 6 }, /ee1\.pem: revoked\n[^]*Reason: certificateHold\n/],
    ['revoked without reason', { kind: 'revoked', revocationTime: new Date(now - 86_400_000) }, /ee1\.pem: revoked\n(?![^]*Reason)/],
    ['unknown', { kind: 'unknown' }, /ee1\.pem: unknown\n/],
  ];
  for (const [name, status, expected] of cases) {
    it(`openssl verifies a ${name} response and prints the status`, () => {
      const req = opensslRequest('plain.req', ['-issuer', 'ca.pem', '-cert', 'ee1.pem', '-no_nonce']);
      respond('status.resp', [{ certId: req.requests[0]!, status, ...times }]);
      const out = openssl(pki.dir, ['ocsp', '-respin', 'status.resp', '-issuer', 'ca.pem', '-cert', 'ee1.pem', '-CAfile', 'ca.pem', '-no_nonce']);
      assert.equal(out.status, 0, out.stderr);
      assert.match(out.stderr, /Response verify OK/);
      assert.doesNotMatch(out.stderr, /WARNING/);
      assert.match(out.stdout, expected);
    });
  }

  it('echoes the SHA-256 CertID so that openssl -sha256 finds its status', () => {
    const req = opensslRequest('sha256.req', ['-sha256', '-issuer', 'ca.pem', '-cert', 'ee1.pem', '-no_nonce']);
    respond('sha256.resp', [{ certId: req.requests[0]!, status: { kind: 'revoked', revocationTime: new Date(now - 1000), reason: 1 }, ...times }]);
    const out = openssl(pki.dir, ['ocsp', '-sha256', '-respin', 'sha256.resp', '-issuer', 'ca.pem', '-cert', 'ee1.pem', '-CAfile', 'ca.pem', '-no_nonce']);
    assert.match(out.stderr, /Response verify OK/);
    assert.match(out.stdout, /ee1\.pem: revoked\n[^]*Reason: keyCompromise/);
    // The SHA-1 CertID of the same certificate is not in it.
    const sha1 = openssl(pki.dir, ['ocsp', '-respin', 'sha256.resp', '-issuer', 'ca.pem', '-cert', 'ee1.pem', '-CAfile', 'ca.pem', '-no_nonce']);
    assert.match(sha1.stdout, /No Status found/);
  });

  it('answers two CertIDs in one response', () => {
    const req = opensslRequest('two.req', ['-issuer', 'ca.pem', '-cert', 'ee1.pem', '-cert', 'ee2.pem', '-no_nonce']);
    respond('two.resp', [
      { certId: req.requests[0]!, status: { kind: 'revoked', revocationTime: new Date(now - 1000), reason: 4 }, ...times },
      { certId: req.requests[1]!, status: { kind: 'good' }, ...times },
    ]);
    const out = openssl(pki.dir, ['ocsp', '-respin', 'two.resp', '-issuer', 'ca.pem', '-cert', 'ee1.pem', '-cert', 'ee2.pem', '-CAfile', 'ca.pem', '-no_nonce']);
    assert.match(out.stderr, /Response verify OK/);
    assert.match(out.stdout, /ee1\.pem: revoked\n[^]*Reason: superseded\n[^]*ee2\.pem: good\n/);
  });

  it('echoes the nonce of the request so that openssl -reqin checks it without a warning', () => {
    for (const args of [['-issuer', 'ca.pem', '-cert', 'ee1.pem'], ['-sha256', '-issuer', 'ca.pem', '-cert', 'ee1.pem']]) {
      const req = opensslRequest('nonce.req', args);
      respond('nonce.resp', [{ certId: req.requests[0]!, status: { kind: 'good' }, ...times }], req.nonce);
      const out = openssl(pki.dir, ['ocsp', '-reqin', 'nonce.req', '-respin', 'nonce.resp', '-CAfile', 'ca.pem']);
      assert.equal(out.status, 0, out.stderr);
      assert.match(out.stderr, /Response verify OK/);
      assert.doesNotMatch(out.stderr, /WARNING|Nonce Verify error/);
      assert.deepEqual(parseOcspResponse(readFileSync(pki.path('nonce.resp'))).nonce, req.nonce);
    }
  });

  it('is caught by openssl when the nonce is wrong or missing (the check above can fail)', () => {
    const req = opensslRequest('nonce.req', ['-issuer', 'ca.pem', '-cert', 'ee1.pem']);
    const other = Uint8Array.from(req.nonce!);
    other[other.length - 1]! ^= 1;
    respond('wrong.resp', [{ certId: req.requests[0]!, status: { kind: 'good' }, ...times }], other);
    const wrong = openssl(pki.dir, ['ocsp', '-reqin', 'nonce.req', '-respin', 'wrong.resp', '-CAfile', 'ca.pem']);
    assert.notEqual(wrong.status, 0);
    assert.match(wrong.stderr, /Nonce Verify error/);
    respond('none.resp', [{ certId: req.requests[0]!, status: { kind: 'good' }, ...times }]);
    assert.match(openssl(pki.dir, ['ocsp', '-reqin', 'nonce.req', '-respin', 'none.resp', '-CAfile', 'ca.pem']).stderr, /WARNING: no nonce in response/);
  });

  it('echoes a bare nonce (extnValue without the inner OCTET STRING) byte for byte', () => {
    const certId = certIdFor(pki.caDer, pki.ee1Serial, 'sha1');
    const bare = Uint8Array.from({ length: 20 }, (_, i) => 0xa0 + i);
    const cid = tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, tlv(TAG.OID, OID.sha1), Uint8Array.of(5, 0)), tlv(TAG.OCTET_STRING, certId.issuerNameHash), tlv(TAG.OCTET_STRING, certId.issuerKeyHash), tlv(TAG.INTEGER, certId.serialNumber));
    const request = tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, cid)), tlv(TAG.CONTEXT_2, tlv(TAG.SEQUENCE, extension(OID.ocspNonce, bare)))));
    writeFileSync(pki.path('bare.req'), request);
    const req = parseOcspRequest(request);
    assert.deepEqual(req.nonce, bare);
    assert.deepEqual(req.nonceValue, bare);
    respond('bare.resp', [{ certId: req.requests[0]!, status: { kind: 'good' }, ...times }], req.nonce);
    const out = openssl(pki.dir, ['ocsp', '-reqin', 'bare.req', '-respin', 'bare.resp', '-CAfile', 'ca.pem']);
    assert.match(out.stderr, /Response verify OK/);
    assert.doesNotMatch(out.stderr, /WARNING|Nonce Verify error/);
  });

  it('pre-signs a response once and serves the same bytes to every request for that CertID', () => {
    const req = opensslRequest('plain.req', ['-issuer', 'ca.pem', '-cert', 'ee1.pem', '-no_nonce']);
    const certId = certIdFor(pki.caDer, pki.ee1Serial, 'sha1');
    const presigned = presignOcspResponse({ responderCertificate: pki.responderDer, responderKeyHash: keyHash, producedAt: new Date(now), response: { certId, status: { kind: 'good' }, ...times }, signer });
    const table = new Map([[presigned.key, presigned.der]]);
    const served = table.get(certIdKey(req.requests[0]!));
    assert.ok(served !== undefined, 'the parsed CertID finds the pre-signed response');
    assert.equal(table.get(certIdKey(certIdFor(pki.caDer, pki.ee2Serial, 'sha1'))), undefined);
    writeFileSync(pki.path('presigned.resp'), served);
    const out = openssl(pki.dir, ['ocsp', '-respin', 'presigned.resp', '-issuer', 'ca.pem', '-cert', 'ee1.pem', '-CAfile', 'ca.pem', '-no_nonce']);
    assert.match(out.stderr, /Response verify OK/);
    assert.match(out.stdout, /ee1\.pem: good/);
  });

  it('lets the CA sign its own responses (no delegated certificate in certs)', () => {
    const caSigner = keyObjectSigner(pki.caKey);
    const req = opensslRequest('plain.req', ['-issuer', 'ca.pem', '-cert', 'ee2.pem', '-no_nonce']);
    const der = buildOcspResponse({ responderKeyHash: responderKeyHash(caSigner.publicKeySpki), producedAt: new Date(now), responses: [{ certId: req.requests[0]!, status: { kind: 'good' }, ...times }], signer: caSigner });
    writeFileSync(pki.path('ca.resp'), der);
    const out = openssl(pki.dir, ['ocsp', '-respin', 'ca.resp', '-issuer', 'ca.pem', '-cert', 'ee2.pem', '-CAfile', 'ca.pem', '-no_nonce']);
    assert.match(out.stderr, /Response verify OK/);
    assert.match(out.stdout, /ee2\.pem: good/);
    const parsed = parseOcspResponse(der);
    assert.equal(parsed.certs.length, 0);
    assert.ok(verifyOcspResponseSignature(parsed, pki.caKey));
  });

  it('fails openssl verification when signed by a key the responder certificate does not hold', () => {
    const req = opensslRequest('plain.req', ['-issuer', 'ca.pem', '-cert', 'ee1.pem', '-no_nonce']);
    respond('forged.resp', [{ certId: req.requests[0]!, status: { kind: 'good' }, ...times }], undefined, keyObjectSigner(pki.caKey));
    const out = openssl(pki.dir, ['ocsp', '-respin', 'forged.resp', '-issuer', 'ca.pem', '-cert', 'ee1.pem', '-CAfile', 'ca.pem', '-no_nonce']);
    assert.doesNotMatch(out.stderr, /Response verify OK/);
  });

  const errors: [OcspErrorStatus, string][] = [
    ['malformedRequest', 'malformedrequest (1)'],
    ['internalError', 'internalerror (2)'],
    ['tryLater', 'trylater (3)'],
    ['sigRequired', 'sigrequired (5)'],
    ['unauthorized', 'unauthorized (6)'],
  ];
  for (const [status, printed] of errors) {
    it(`openssl reads the ${status} error response`, () => {
      writeFileSync(pki.path('error.resp'), ocspErrorResponse(status));
      const out = openssl(pki.dir, ['ocsp', '-respin', 'error.resp', '-resp_text']);
      assert.ok(out.stdout.toLowerCase().includes(`responder error: ${printed}`), out.stdout + out.stderr);
    });
  }
});
