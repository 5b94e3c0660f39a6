import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { concat, fromHex, toHex } from '../../../src/bytes/index.js';
import { hasCode } from '../../../src/errors/index.js';
import {
  certIdKey,
  decodeOcspGetPath,
  encodeCertId,
  MAX_REQUESTS,
  parseOcspRequest,
  RevocationError,
} from '../../../src/pki/revocation/index.js';
import { extension, OID, TAG, tlv } from '../../../src/pki/revocation/der-writer.js';

const NULL = Uint8Array.of(5, 0);
const H20 = new Uint8Array(20).fill(0x11);
const H32 = new Uint8Array(32).fill(0x22);

interface CertIdShape {
  algorithm?: Uint8Array;
  nameHash?: Uint8Array;
  keyHash?: Uint8Array;
  serial?: Uint8Array;
}
function certId({ algorithm = tlv(TAG.SEQUENCE, tlv(TAG.OID, OID.sha1), NULL), nameHash = H20, keyHash = H20, serial = fromHex('0111') }: CertIdShape = {}): Uint8Array {
  return tlv(TAG.SEQUENCE, algorithm, tlv(TAG.OCTET_STRING, nameHash), tlv(TAG.OCTET_STRING, keyHash), tlv(TAG.INTEGER, serial));
}
const single = (id = certId(), ...exts: Uint8Array[]): Uint8Array => tlv(TAG.SEQUENCE, id, ...(exts.length ? [tlv(TAG.CONTEXT_0, tlv(TAG.SEQUENCE, ...exts))] : []));

interface RequestShape {
  requests?: Uint8Array[];
  extensions?: Uint8Array[];
  before?: Uint8Array[];
  signature?: Uint8Array;
}
function request({ requests = [single()], extensions, before = [], signature }: RequestShape = {}): Uint8Array {
  const tbs = tlv(TAG.SEQUENCE, ...before, tlv(TAG.SEQUENCE, ...requests), ...(extensions ? [tlv(TAG.CONTEXT_2, tlv(TAG.SEQUENCE, ...extensions))] : []));
  return tlv(TAG.SEQUENCE, tbs, ...(signature ? [signature] : []));
}
const nonceExt = (value: Uint8Array): Uint8Array => extension(OID.ocspNonce, value);
const criticalExt = (oidHex: string, value: Uint8Array = NULL): Uint8Array => tlv(TAG.SEQUENCE, tlv(TAG.OID, fromHex(oidHex)), fromHex('0101FF'), tlv(TAG.OCTET_STRING, value));
const wrapped = (n: number): Uint8Array => tlv(TAG.OCTET_STRING, new Uint8Array(n).fill(0x5a));

describe('OCSP request parsing (RFC 6960 4.1.1)', () => {
  const valid = request({ extensions: [nonceExt(wrapped(16))] });

  it('reads a request with a CertID and a nonce', () => {
    const r = parseOcspRequest(valid);
    assert.deepEqual(r.requests, [{ hashAlgorithm: 'sha1', issuerNameHash: H20, issuerKeyHash: H20, serialNumber: fromHex('0111') }]);
    assert.equal(toHex(r.nonce!), '0410' + '5A'.repeat(16));
    assert.equal(toHex(r.nonceValue!), '5A'.repeat(16));
    assert.equal(r.signed, false);
  });

  it('accepts an explicit v1, a requestorName, a signature, unknown non-critical and known extensions', () => {
    const r = parseOcspRequest(
      request({
        before: [tlv(TAG.CONTEXT_0, fromHex('020100')), tlv(TAG.CONTEXT_1, tlv(0x82, fromHex('6578616d706c65')))],
        requests: [single(certId(), criticalExt('2B0601050507300107'))],
        extensions: [extension(fromHex('2A0304'), NULL), criticalExt('2B0601050507300104', tlv(TAG.SEQUENCE, tlv(TAG.OID, OID.ocspBasic)))],
        signature: tlv(TAG.CONTEXT_0, tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, tlv(TAG.OID, fromHex('2A864886F70D01010B'))), fromHex('030100'))),
      }),
    );
    assert.equal(r.signed, true);
    assert.equal(r.nonce, undefined);
    assert.equal(r.requests.length, 1);
  });

  it('keeps the form of the hash AlgorithmIdentifier, so the response echoes it exactly', () => {
    for (const algorithm of [tlv(TAG.SEQUENCE, tlv(TAG.OID, OID.sha1), NULL), tlv(TAG.SEQUENCE, tlv(TAG.OID, OID.sha1))]) {
      const id = certId({ algorithm, serial: fromHex('00FF') });
      const parsed = parseOcspRequest(request({ requests: [single(id)] })).requests[0]!;
      assert.deepEqual(encodeCertId(parsed), id);
    }
    const sha256 = certId({ algorithm: tlv(TAG.SEQUENCE, tlv(TAG.OID, OID.sha256)), nameHash: H32, keyHash: H32 });
    const parsed = parseOcspRequest(request({ requests: [single(sha256)] })).requests[0]!;
    assert.equal(parsed.hashAlgorithm, 'sha256');
    assert.equal(parsed.hashParameters, 'absent');
    assert.deepEqual(encodeCertId(parsed), sha256);
    assert.notEqual(certIdKey(parsed), certIdKey({ ...parsed, hashParameters: 'null' }));
  });

  it(`accepts ${MAX_REQUESTS} requests and nonces of 1 and 128 octets, in both encodings`, () => {
    assert.equal(parseOcspRequest(request({ requests: Array.from({ length: MAX_REQUESTS }, () => single()) })).requests.length, MAX_REQUESTS);
    for (const n of [1, 128]) {
      assert.equal(parseOcspRequest(request({ extensions: [nonceExt(wrapped(n))] })).nonceValue?.length, n);
      const bare = new Uint8Array(n).fill(0x99);
      assert.deepEqual(parseOcspRequest(request({ extensions: [nonceExt(bare)] })).nonce, bare);
    }
  });

  const table: [string, Uint8Array, string][] = [
    ['empty input', new Uint8Array(0), 'ERR_OCSP_DER_TRUNCATED'],
    ['truncated DER', valid.subarray(0, valid.length - 3), 'ERR_OCSP_DER_TRUNCATED'],
    ['only a tag', Uint8Array.of(0x30), 'ERR_OCSP_DER_TRUNCATED'],
    ['wrong outer tag', concat(Uint8Array.of(0x31), valid.subarray(1)), 'ERR_OCSP_DER_TAG'],
    ['high tag number form', fromHex('3F0100'), 'ERR_OCSP_DER_TAG'],
    ['trailing bytes', concat(valid, Uint8Array.of(0, 0)), 'ERR_OCSP_DER_TRAILING'],
    ['bytes after the last element of tbsRequest', tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, single()), NULL)), 'ERR_OCSP_DER_TRAILING'],
    ['indefinite length', fromHex('30800000'), 'ERR_OCSP_DER_LENGTH'],
    ['non-minimal length', concat(fromHex('308100'), valid.subarray(2)), 'ERR_OCSP_DER_LENGTH'],
    ['five length octets', fromHex('30850000000001'), 'ERR_OCSP_DER_LENGTH'],
    ['unsupported hash OID (MD5)', request({ requests: [single(certId({ algorithm: tlv(TAG.SEQUENCE, tlv(TAG.OID, fromHex('2A864886F70D0205')), NULL), nameHash: new Uint8Array(16), keyHash: new Uint8Array(16) }))] }), 'ERR_OCSP_HASH_UNSUPPORTED'],
    ['unsupported hash OID (SHA-384)', request({ requests: [single(certId({ algorithm: tlv(TAG.SEQUENCE, tlv(TAG.OID, fromHex('608648016503040202'))) }))] }), 'ERR_OCSP_HASH_UNSUPPORTED'],
    ['hash parameters other than NULL', request({ requests: [single(certId({ algorithm: tlv(TAG.SEQUENCE, tlv(TAG.OID, OID.sha1), fromHex('020100')) }))] }), 'ERR_OCSP_HASH_UNSUPPORTED'],
    ['SHA-256 with 20-octet hashes', request({ requests: [single(certId({ algorithm: tlv(TAG.SEQUENCE, tlv(TAG.OID, OID.sha256), NULL) }))] }), 'ERR_OCSP_HASH_LENGTH'],
    ['SHA-1 with a short key hash', request({ requests: [single(certId({ keyHash: new Uint8Array(19) }))] }), 'ERR_OCSP_HASH_LENGTH'],
    ['non-minimal serial', request({ requests: [single(certId({ serial: fromHex('0001') }))] }), 'ERR_OCSP_DER_VALUE'],
    ['empty serial', request({ requests: [single(certId({ serial: new Uint8Array(0) }))] }), 'ERR_OCSP_DER_VALUE'],
    ['empty request list', request({ requests: [] }), 'ERR_OCSP_NO_REQUESTS'],
    ['17 requests', request({ requests: Array.from({ length: 17 }, () => single()) }), 'ERR_OCSP_TOO_MANY_REQUESTS'],
    ['nonce of 200 octets', request({ extensions: [nonceExt(wrapped(200))] }), 'ERR_OCSP_NONCE_TOO_LONG'],
    ['nonce of 129 octets', request({ extensions: [nonceExt(wrapped(129))] }), 'ERR_OCSP_NONCE_TOO_LONG'],
    ['bare nonce of 200 octets', request({ extensions: [nonceExt(new Uint8Array(200).fill(1))] }), 'ERR_OCSP_NONCE_TOO_LONG'],
    ['empty nonce OCTET STRING', request({ extensions: [nonceExt(fromHex('0400'))] }), 'ERR_OCSP_NONCE_EMPTY'],
    ['empty nonce extnValue', request({ extensions: [nonceExt(new Uint8Array(0))] }), 'ERR_OCSP_NONCE_EMPTY'],
    ['two nonces', request({ extensions: [nonceExt(wrapped(8)), nonceExt(wrapped(8))] }), 'ERR_OCSP_DUPLICATE_EXTENSION'],
    ['unknown critical request extension', request({ extensions: [criticalExt('2A0304')] }), 'ERR_OCSP_CRITICAL_EXTENSION'],
    ['unknown critical single request extension', request({ requests: [single(certId(), criticalExt('2A0304'))] }), 'ERR_OCSP_CRITICAL_EXTENSION'],
    ['critical flag that is not DER', request({ extensions: [tlv(TAG.SEQUENCE, tlv(TAG.OID, fromHex('2A0304')), fromHex('010101'), tlv(TAG.OCTET_STRING, NULL))] }), 'ERR_OCSP_DER_VALUE'],
    ['empty Extensions', request({ extensions: [] }), 'ERR_OCSP_DER_VALUE'],
    ['malformed extnID', request({ extensions: [extension(fromHex('2A83'), NULL)] }), 'ERR_OCSP_DER_VALUE'],
    ['version 2', request({ before: [tlv(TAG.CONTEXT_0, fromHex('020101'))] }), 'ERR_OCSP_VERSION_UNSUPPORTED'],
    ['signature that is not a SEQUENCE', request({ signature: tlv(TAG.CONTEXT_0, NULL) }), 'ERR_OCSP_DER_TAG'],
  ];
  for (const [name, der, code] of table) {
    it(`${name} → ${code}`, () => assert.throws(() => parseOcspRequest(der), (e) => hasCode(e, code)));
  }

  it('throws nothing but RevocationError on 2000 random byte strings', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        try {
          parseOcspRequest(bytes);
        } catch (e) {
          assert.ok(e instanceof RevocationError, String(e));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('throws nothing but RevocationError on 2000 mutations of a valid request', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(valid.length), (edits, cut) => {
        const mutated = valid.slice(0, Math.max(cut, 1));
        for (const [at, value] of edits) if (at < mutated.length) mutated[at] = value;
        try {
          parseOcspRequest(mutated);
        } catch (e) {
          assert.ok(e instanceof RevocationError, String(e));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('OCSP GET path (RFC 6960 A.1)', () => {
  // A request whose base64 holds "/", "+" and padding, found by varying the nonce (deterministic).
  const { der, b64 } = (() => {
    for (let i = 0; i < 3000; i++) {
      const nonce = Uint8Array.from({ length: 6 + (i % 3) }, (_, k) => (k === 0 ? i >> 2 : 0xfb ^ (k * 0x11)) & 0xff);
      const candidate = request({ extensions: [nonceExt(tlv(TAG.OCTET_STRING, nonce))] });
      const text = Buffer.from(candidate).toString('base64');
      if (text.includes('/') && text.includes('+') && text.endsWith('=')) return { der: candidate, b64: text };
    }
    throw new Error('no candidate request');
  })();

  it('decodes raw, %-encoded, lower-case, unpadded and base64url forms of a base64 with "/" and "+"', () => {
    const forms = [
      b64,
      '/' + b64,
      encodeURIComponent(b64),
      encodeURIComponent(b64).replace(/%2F/g, '%2f').replace(/%2B/g, '%2b'),
      b64.replace(/\+/g, '%2B'),
      b64.replace(/=+$/, ''),
      b64.replace(/\+/g, '-').replace(/\//g, '_'),
    ];
    assert.match(forms[2]!, /%2F/);
    assert.match(forms[2]!, /%2B/);
    assert.match(forms[2]!, /%3D/);
    for (const form of forms) {
      const bytes = decodeOcspGetPath(form);
      assert.deepEqual(bytes, der, form);
      assert.equal(parseOcspRequest(bytes).requests.length, 1);
    }
  });

  for (const bad of ['', '/', '%', '%2', '%zz', 'MEIw MEAw', 'ME*w', 'MA==MA==', 'MEIwQ', 'MA===', '====']) {
    it(`rejects ${JSON.stringify(bad)} → ERR_OCSP_GET_PATH_INVALID`, () => {
      assert.throws(() => decodeOcspGetPath(bad), (e) => hasCode(e, 'ERR_OCSP_GET_PATH_INVALID'));
    });
  }
});
