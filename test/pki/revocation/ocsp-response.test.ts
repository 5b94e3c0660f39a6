import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AsnConvert } from '@peculiar/asn1-schema';
import { BasicOCSPResponse, OCSPResponse } from '@peculiar/asn1-ocsp';
import { concat, fromHex, toHex } from '../../../src/bytes/index.js';
import { hasCode } from '../../../src/errors/index.js';
import { keyObjectSigner, type Signer } from '../../../src/pki/signer.js';
import {
  buildOcspResponse,
  certIdKey,
  encodeSingleResponse,
  issuerParts,
  OCSP_RESPONSE_STATUS,
  ocspErrorResponse,
  parseOcspResponse,
  presignOcspResponse,
  responderKeyHash,
  RevocationError,
  subjectPublicKeyOf,
  verifyOcspResponseSignature,
  type CertId,
  type OcspErrorStatus,
  type OcspResponseParams,
  type OcspSingleResponse,
} from '../../../src/pki/revocation/index.js';
import { extension, OID, SHA256_WITH_RSA, TAG, tlv } from '../../../src/pki/revocation/der-writer.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signer = keyObjectSigner(privateKey);
/** A signer with a fixed "signature", so that whole responses can be compared byte for byte. */
const fixedSigner: Signer = { publicKeySpki: signer.publicKeySpki, sign: () => new Uint8Array(4).fill(0xab), begin: () => signer.begin() };

const certId: CertId = { hashAlgorithm: 'sha1', issuerNameHash: new Uint8Array(20).fill(0x11), issuerKeyHash: new Uint8Array(20).fill(0x22), serialNumber: fromHex('0111') };
const T0 = new Date(Date.UTC(2026, 10, 1));
const T1 = new Date(Date.UTC(2026, 10, 2));
const single = (over: Partial<OcspSingleResponse> = {}): OcspSingleResponse => ({ certId, status: { kind: 'good' }, thisUpdate: T0, nextUpdate: T1, ...over });
const params = (over: Partial<OcspResponseParams> = {}): OcspResponseParams => ({ responderKeyHash: new Uint8Array(20).fill(0x33), producedAt: T0, responses: [single()], signer, ...over });

describe('OCSP error responses (RFC 6960 4.2.1)', () => {
  const expected: [OcspErrorStatus, string][] = [
    ['malformedRequest', '3003' + '0A0101'],
    ['internalError', '3003' + '0A0102'],
    ['tryLater', '3003' + '0A0103'],
    ['sigRequired', '3003' + '0A0105'],
    ['unauthorized', '3003' + '0A0106'],
  ];
  for (const [status, hex] of expected) {
    it(`${status} is ${hex} and parses back`, () => {
      assert.equal(toHex(ocspErrorResponse(status)), hex);
      const parsed = parseOcspResponse(ocspErrorResponse(status));
      assert.equal(parsed.status, status);
      assert.deepEqual([parsed.responses, parsed.certs], [[], []]);
      assert.equal(verifyOcspResponseSignature(parsed, publicKey), false);
    });
  }
  it('refuses "successful" and unknown statuses', () => {
    for (const s of ['successful', 'nope', 'toString']) {
      assert.throws(() => ocspErrorResponse(s as OcspErrorStatus), (e) => hasCode(e, 'ERR_OCSP_RESPONSE_STATUS_INVALID'), s);
    }
  });
});

describe('OCSP response building', () => {
  it('writes the exact bytes of a BasicOCSPResponse (byKey, good, nonce echoed, certs)', () => {
    const cert = fromHex('3003020101'); // any DER SEQUENCE: the builder only wraps it
    const der = buildOcspResponse(params({ signer: fixedSigner, nonce: fromHex('0402CAFE'), responderCertificate: cert }));
    const time = (t: string): string => '180F' + toHex(Buffer.from(t));
    const certIdHex = '303B' + '300906052B0E03021A0500' + '0414' + '11'.repeat(20) + '0414' + '22'.repeat(20) + '02020111';
    const singleHex = '3063' + certIdHex + '8000' + time('20261101000000Z') + 'A011' + time('20261102000000Z');
    const nonceHex = 'A115' + '3013' + '3011' + '06092B0601050507300102' + '0404' + '0402CAFE';
    const dataHex = '3081A7' + 'A2160414' + '33'.repeat(20) + time('20261101000000Z') + '3065' + singleHex + nonceHex;
    const basicHex = '3081C9' + dataHex + toHex(SHA256_WITH_RSA) + '030500ABABABAB' + 'A007' + '3005' + '3003020101';
    const expected = '3081E3' + '0A0100' + 'A081DD' + '3081DA' + '06092B0601050507300101' + '0481CC' + basicHex;
    assert.equal(toHex(der), expected);
  });

  it('round-trips every status, both hash algorithms and the nonce through parseOcspResponse', () => {
    const sha256Id: CertId = { hashAlgorithm: 'sha256', issuerNameHash: new Uint8Array(32).fill(1), issuerKeyHash: new Uint8Array(32).fill(2), serialNumber: fromHex('00FF'), hashParameters: 'absent' };
    const responses: OcspSingleResponse[] = [
      single(),
      single({ certId: sha256Id, status: { kind: 'revoked', revocationTime: new Date(Date.UTC(2051, 0, 1)), reason: 6 } }),
      { certId, status: { kind: 'revoked', revocationTime: T0 }, thisUpdate: T0 },
      single({ status: { kind: 'unknown' } }),
    ];
    const der = buildOcspResponse(params({ responses, nonce: fromHex('0410' + '77'.repeat(16)) }));
    const parsed = parseOcspResponse(der);
    assert.equal(parsed.status, 'successful');
    assert.deepEqual(parsed.responderId, { kind: 'byKey', keyHash: new Uint8Array(20).fill(0x33) });
    assert.deepEqual(parsed.producedAt, T0);
    assert.deepEqual(parsed.responses, [
      { certId, status: { kind: 'good' }, thisUpdate: T0, nextUpdate: T1 },
      { certId: sha256Id, status: { kind: 'revoked', revocationTime: new Date(Date.UTC(2051, 0, 1)), reason: 6 }, thisUpdate: T0, nextUpdate: T1 },
      { certId, status: { kind: 'revoked', revocationTime: T0 }, thisUpdate: T0 },
      { certId, status: { kind: 'unknown' }, thisUpdate: T0, nextUpdate: T1 },
    ]);
    assert.equal(toHex(parsed.nonce!), '0410' + '77'.repeat(16));
    assert.equal(parsed.signatureAlgorithm, '1.2.840.113549.1.1.11');
    assert.ok(verifyOcspResponseSignature(parsed, publicKey));
    assert.ok(verifyOcspResponseSignature(parsed, signer.publicKeySpki));
    assert.equal(verifyOcspResponseSignature(parsed, generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey), false);
    assert.throws(() => verifyOcspResponseSignature({ ...parsed, signatureAlgorithm: '1.2.840.10045.4.3.2' }, publicKey), (e) => hasCode(e, 'ERR_OCSP_SIGNATURE_ALGORITHM_UNSUPPORTED'));
  });

  it('decodes the same way with @peculiar/asn1-ocsp (an independent decoder)', () => {
    const der = buildOcspResponse(params({ responses: [single({ status: { kind: 'revoked', revocationTime: T0, reason: 1 } })], nonce: fromHex('04020102') }));
    const response = AsnConvert.parse(der, OCSPResponse);
    assert.equal(response.responseStatus, OCSP_RESPONSE_STATUS.successful);
    assert.equal(response.responseBytes?.responseType, '1.3.6.1.5.5.7.48.1.1');
    const basic = AsnConvert.parse(response.responseBytes!.response.buffer, BasicOCSPResponse);
    const one = basic.tbsResponseData.responses[0]!;
    assert.equal(one.certID.hashAlgorithm.algorithm, '1.3.14.3.2.26');
    assert.equal(toHex(new Uint8Array(one.certID.serialNumber)), '0111');
    assert.equal(one.certStatus.revoked?.revocationTime.getTime(), T0.getTime());
    assert.equal(one.certStatus.revoked?.revocationReason?.reason, 1);
    assert.equal(one.nextUpdate?.getTime(), T1.getTime());
    assert.equal(basic.tbsResponseData.responseExtensions?.[0]?.extnID, '1.3.6.1.5.5.7.48.1.2');
    assert.equal(toHex(new Uint8Array(basic.tbsResponseData.responseExtensions![0]!.extnValue.buffer)), '04020102');
  });

  it('signs pre-encoded SingleResponses to the same bytes, and pre-signs without nonce', () => {
    const encoded = encodeSingleResponse(single());
    assert.deepEqual(buildOcspResponse(params({ signer: fixedSigner, responses: [encoded] })), buildOcspResponse(params({ signer: fixedSigner })));
    const presigned = presignOcspResponse({ responderKeyHash: new Uint8Array(20), producedAt: T0, response: single(), signer });
    assert.equal(presigned.key, certIdKey(certId));
    assert.equal(presigned.key, 'sha1:' + '11'.repeat(20) + ':' + '22'.repeat(20) + ':0111');
    assert.deepEqual([presigned.thisUpdate, presigned.nextUpdate], [T0, T1]);
    const parsed = parseOcspResponse(presigned.der);
    assert.equal(parsed.nonce, undefined);
    assert.ok(verifyOcspResponseSignature(parsed, publicKey));
  });

  it('computes the responder KeyHash over the key bits only', () => {
    const bits = subjectPublicKeyOf(signer.publicKeySpki);
    assert.equal(toHex(concat(fromHex('00'), bits)), toHex(signer.publicKeySpki.subarray(signer.publicKeySpki.length - bits.length - 1)));
    assert.equal(responderKeyHash(signer.publicKeySpki).length, 20);
  });

  const bad: [string, () => unknown, string][] = [
    ['a 19-byte responderKeyHash', () => buildOcspResponse(params({ responderKeyHash: new Uint8Array(19) })), 'ERR_OCSP_KEY_HASH_LENGTH'],
    ['no responses', () => buildOcspResponse(params({ responses: [] })), 'ERR_OCSP_NO_RESPONSES'],
    ['reason 7', () => encodeSingleResponse(single({ status: { kind: 'revoked', revocationTime: T0, reason: 7 } })), 'ERR_OCSP_REASON_INVALID'],
    ['reason removeFromCRL', () => encodeSingleResponse(single({ status: { kind: 'revoked', revocationTime: T0, reason: 8 } })), 'ERR_OCSP_REASON_INVALID'],
    ['an invalid revocationTime', () => encodeSingleResponse(single({ status: { kind: 'revoked', revocationTime: new Date(NaN) } })), 'ERR_OCSP_TIME_RANGE'],
    ['nextUpdate before thisUpdate', () => encodeSingleResponse(single({ thisUpdate: T1, nextUpdate: T0 })), 'ERR_OCSP_TIME_RANGE'],
    ['an invalid producedAt', () => buildOcspResponse(params({ producedAt: new Date('no') })), 'ERR_OCSP_TIME_RANGE'],
    ['SHA-256 CertID with SHA-1-sized hashes', () => encodeSingleResponse(single({ certId: { ...certId, hashAlgorithm: 'sha256' } })), 'ERR_OCSP_CERT_ID_INVALID'],
    ['a non-minimal serial', () => encodeSingleResponse(single({ certId: { ...certId, serialNumber: fromHex('0001') } })), 'ERR_OCSP_CERT_ID_INVALID'],
    ['a status kind outside the CHOICE', () => encodeSingleResponse(single({ status: { kind: 'hold' } as never })), 'ERR_OCSP_CERT_STATUS_INVALID'],
    ['a responder certificate that is not DER', () => buildOcspResponse(params({ responderCertificate: fromHex('3005') })), 'ERR_OCSP_CERTIFICATE_INVALID'],
    ['an issuer certificate that is not DER', () => issuerParts(fromHex('300100')), 'ERR_OCSP_CERTIFICATE_INVALID'],
    ['an SPKI that is not DER', () => responderKeyHash(fromHex('3000')), 'ERR_OCSP_CERTIFICATE_INVALID'],
  ];
  for (const [name, run, code] of bad) it(`rejects ${name} → ${code}`, () => assert.throws(run, (e) => hasCode(e, code)));
});

/** An OCSPResponse around a hand-made ResponseData, for shapes the builder never produces. */
function wrap(responseData: Uint8Array, responseType = OID.ocspBasic): Uint8Array {
  const basic = tlv(TAG.SEQUENCE, responseData, SHA256_WITH_RSA, fromHex('03020000'));
  return tlv(TAG.SEQUENCE, fromHex('0A0100'), tlv(TAG.CONTEXT_0, tlv(TAG.SEQUENCE, tlv(TAG.OID, responseType), tlv(TAG.OCTET_STRING, basic))));
}
const BY_KEY = tlv(TAG.CONTEXT_2, tlv(TAG.OCTET_STRING, new Uint8Array(20)));
const GT = tlv(TAG.GENERALIZED_TIME, Buffer.from('20261101000000Z'));
const CERT_ID = fromHex('303B300906052B0E03021A0500' + '0414' + '11'.repeat(20) + '0414' + '22'.repeat(20) + '02020111');
const singleWith = (status: Uint8Array): Uint8Array => tlv(TAG.SEQUENCE, CERT_ID, status, GT);
const data = (...parts: Uint8Array[]): Uint8Array => tlv(TAG.SEQUENCE, ...parts);

/** The response with its responseStatus value replaced. */
function withStatus(der: Uint8Array, status: number): Uint8Array {
  const out = der.slice();
  const at = 2 + (der[1]! & 0x7f); // the ENUMERATED after a long-form length
  assert.equal(toHex(out.subarray(at, at + 2)), '0A01');
  out[at + 2] = status;
  return out;
}

describe('OCSP response reader: rejections', () => {
  const good = buildOcspResponse(params());
  const table: [string, Uint8Array, string][] = [
    ['status 4 (unused)', fromHex('30030A0104'), 'ERR_OCSP_RESPONSE_STATUS_INVALID'],
    ['status 7', fromHex('30030A0107'), 'ERR_OCSP_RESPONSE_STATUS_INVALID'],
    ['successful without responseBytes', fromHex('30030A0100'), 'ERR_OCSP_RESPONSE_STATUS_INVALID'],
    ['malformedRequest with responseBytes', withStatus(good, 1), 'ERR_OCSP_RESPONSE_STATUS_INVALID'],
    ['truncated', good.subarray(0, good.length - 1), 'ERR_OCSP_DER_TRUNCATED'],
    ['trailing bytes', concat(good, Uint8Array.of(0)), 'ERR_OCSP_DER_TRAILING'],
    ['status as INTEGER', fromHex('3003020101'), 'ERR_OCSP_DER_TAG'],
    ['responseType other than basic', wrap(data(BY_KEY, GT, tlv(TAG.SEQUENCE, singleWith(fromHex('8000')))), fromHex('2B0601050507300102')), 'ERR_OCSP_RESPONSE_TYPE_UNSUPPORTED'],
    ['ResponseData version 2', wrap(data(tlv(TAG.CONTEXT_0, fromHex('020101')), BY_KEY, GT, tlv(TAG.SEQUENCE, singleWith(fromHex('8000'))))), 'ERR_OCSP_VERSION_UNSUPPORTED'],
    ['responderID [3]', wrap(data(tlv(TAG.CONTEXT_3, tlv(TAG.OCTET_STRING, new Uint8Array(20))), GT, tlv(TAG.SEQUENCE, singleWith(fromHex('8000'))))), 'ERR_OCSP_DER_TAG'],
    ['producedAt as UTCTime', wrap(data(BY_KEY, tlv(TAG.UTC_TIME, Buffer.from('261101000000Z')), tlv(TAG.SEQUENCE, singleWith(fromHex('8000'))))), 'ERR_OCSP_DER_TAG'],
    ['certStatus [3]', wrap(data(BY_KEY, GT, tlv(TAG.SEQUENCE, singleWith(fromHex('8300'))))), 'ERR_OCSP_DER_TAG'],
    ['good with content', wrap(data(BY_KEY, GT, tlv(TAG.SEQUENCE, singleWith(fromHex('800100'))))), 'ERR_OCSP_DER_VALUE'],
    ['revocationReason 7', wrap(data(BY_KEY, GT, tlv(TAG.SEQUENCE, singleWith(tlv(TAG.CONTEXT_1, GT, fromHex('A0030A0107')))))), 'ERR_OCSP_REASON_INVALID'],
    ['unknown critical response extension', wrap(data(BY_KEY, GT, tlv(TAG.SEQUENCE, singleWith(fromHex('8000'))), tlv(TAG.CONTEXT_1, tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, fromHex('06032A0304'), fromHex('0101FF'), fromHex('04020500')))))), 'ERR_OCSP_CRITICAL_EXTENSION'],
    ['duplicate nonce', wrap(data(BY_KEY, GT, tlv(TAG.SEQUENCE, singleWith(fromHex('8000'))), tlv(TAG.CONTEXT_1, tlv(TAG.SEQUENCE, extension(OID.ocspNonce, fromHex('0401AA')), extension(OID.ocspNonce, fromHex('0401AA')))))), 'ERR_OCSP_DUPLICATE_EXTENSION'],
  ];
  for (const [name, der, code] of table) {
    it(`${name} → ${code}`, () => assert.throws(() => parseOcspResponse(der), (e) => hasCode(e, code)));
  }

  it('reads a byName responder ID', () => {
    const name = fromHex('301a310b3009060355040613024a50310b300906035504030c024341');
    const parsed = parseOcspResponse(wrap(data(tlv(TAG.CONTEXT_1, name), GT, tlv(TAG.SEQUENCE, singleWith(fromHex('8200'))))));
    assert.deepEqual(parsed.responderId, { kind: 'byName', name });
    assert.deepEqual(parsed.responses[0]!.status, { kind: 'unknown' });
  });

  it('throws nothing but RevocationError on random bytes and on mutations of a real response', () => {
    for (const base of [new Uint8Array(0), good]) {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(Math.max(good.length - 1, 0)), fc.integer({ min: 0, max: 255 }), (random, at, value) => {
          const input = base.length === 0 ? random : base.slice();
          if (base.length > 0) input[at] = value;
          try {
            parseOcspResponse(input);
          } catch (e) {
            assert.ok(e instanceof RevocationError, String(e));
          }
        }),
        { numRuns: 1000 },
      );
    }
  });
});
