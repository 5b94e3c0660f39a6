import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fromHex } from '../../../src/bytes/index.js';
import { buildSignedData, CMS_OID, CmsError, MAX_CMS_BYTES, parseSignedData, verifySignedData, type CmsErrorCode } from '../../../src/pki/cms/index.js';
import { TAG, tlv } from '../../../src/pki/revocation/der-writer.js';
import { parseCertificate } from '../../../src/pki/x509/index.js';
import {
  CERT,
  CONTENT,
  ECDSA_SHA256,
  KEY,
  SET,
  SHA1,
  algorithm,
  attribute,
  cardLikeSigner,
  int,
  oid,
  sha256,
  signedData,
  signerInfo,
  standardAttributes,
} from './helpers.js';

/**
 * Every malformed or unsupported shape of a SignedData gets its own code (RFC 5652 5), and random or
 * mutated bytes get a CmsError, never anything else.
 */

const [contentType, signingTime, messageDigest] = standardAttributes();
const TABLE: readonly [string, () => Uint8Array, CmsErrorCode][] = [
  ['empty input', () => new Uint8Array(0), 'ERR_CMS_DER_TRUNCATED'],
  ['a byte after the ContentInfo', () => Uint8Array.from([...signedData(), 0]), 'ERR_CMS_DER_TRAILING'],
  ['cut short', () => signedData().subarray(0, 200), 'ERR_CMS_DER_TRUNCATED'],
  ['indefinite length (BER, as openssl -stream writes)', () => Uint8Array.from([0x30, 0x80, ...signedData().subarray(2), 0, 0]), 'ERR_CMS_DER_LENGTH'],
  ['non-minimal length', () => fromHex('30810100'), 'ERR_CMS_DER_LENGTH'],
  ['not a SEQUENCE', () => fromHex('310100'), 'ERR_CMS_DER_TAG'],
  ['ContentInfo of id-data', () => signedData({ contentType: CMS_OID.data }), 'ERR_CMS_CONTENT_TYPE_UNSUPPORTED'],
  ['SignedData version 2', () => signedData({ version: 2 }), 'ERR_CMS_VERSION_UNSUPPORTED'],
  ['SignedData version 5', () => signedData({ version: 5 }), 'ERR_CMS_VERSION_UNSUPPORTED'],
  ['attached content', () => signedData({ encapContentInfo: tlv(TAG.SEQUENCE, oid(CMS_OID.data), tlv(TAG.CONTEXT_0, tlv(TAG.OCTET_STRING, CONTENT))) }), 'ERR_CMS_NOT_DETACHED'],
  ['eContentType that is not id-data', () => signedData({ encapContentInfo: tlv(TAG.SEQUENCE, oid(CMS_OID.signedData)) }), 'ERR_CMS_CONTENT_TYPE_UNSUPPORTED'],
  ['no SignerInfo', () => signedData({ signerInfos: [] }), 'ERR_CMS_SIGNER_COUNT'],
  ['two SignerInfos', () => signedData({ signerInfos: [signerInfo(), signerInfo()] }), 'ERR_CMS_SIGNER_COUNT'],
  ['an attribute certificate in certificates', () => signedData({ certificates: tlv(TAG.CONTEXT_0, tlv(TAG.CONTEXT_1, CERT.subarray(4))) }), 'ERR_CMS_CERTIFICATE_INVALID'],
  ['a certificate that does not parse', () => signedData({ certificates: tlv(TAG.CONTEXT_0, tlv(TAG.SEQUENCE, int(1))) }), 'ERR_CMS_CERTIFICATE_INVALID'],
  ['seventeen certificates', () => signedData({ certificates: tlv(TAG.CONTEXT_0, ...new Array<Uint8Array>(17).fill(CERT)) }), 'ERR_CMS_TOO_LARGE'],
  ['SignerInfo version 3 with issuerAndSerialNumber', () => signedData({ version: 3, signerInfos: [signerInfo({ version: 3 })] }), 'ERR_CMS_VERSION_UNSUPPORTED'],
  ['SignerInfo version 3 in a version 1 SignedData', () => signedData({ signerInfos: [signerInfo({ version: 3, sid: tlv(TAG.CONTEXT_PRIMITIVE_0, fromHex('0102')) })] }), 'ERR_CMS_VERSION_UNSUPPORTED'],
  ['SHA-1 digest', () => signedData({ signerInfos: [signerInfo({ digestAlgorithm: algorithm(SHA1) })] }), 'ERR_CMS_ALGORITHM_UNSUPPORTED'],
  ['ECDSA signature algorithm', () => signedData({ signerInfos: [signerInfo({ signatureAlgorithm: algorithm(ECDSA_SHA256) })] }), 'ERR_CMS_ALGORITHM_UNSUPPORTED'],
  ['digest algorithm with parameters', () => signedData({ signerInfos: [signerInfo({ digestAlgorithm: tlv(TAG.SEQUENCE, oid(CMS_OID.sha256), int(1)) })] }), 'ERR_CMS_ALGORITHM_UNSUPPORTED'],
  ['no signedAttrs', () => signedData({ signerInfos: [signerInfo({ attributes: null })] }), 'ERR_CMS_SIGNED_ATTRIBUTES_MISSING'],
  ['empty signedAttrs', () => signedData({ signerInfos: [signerInfo({ attributes: [] })] }), 'ERR_CMS_DER_VALUE'],
  ['no messageDigest', () => signedData({ signerInfos: [signerInfo({ attributes: [contentType!, signingTime!] })] }), 'ERR_CMS_ATTRIBUTE_MISSING'],
  ['no contentType', () => signedData({ signerInfos: [signerInfo({ attributes: [signingTime!, messageDigest!] })] }), 'ERR_CMS_ATTRIBUTE_MISSING'],
  ['messageDigest twice', () => signedData({ signerInfos: [signerInfo({ attributes: [contentType!, messageDigest!, messageDigest!] })] }), 'ERR_CMS_ATTRIBUTE_INVALID'],
  ['messageDigest with two values', () => signedData({ signerInfos: [signerInfo({ attributes: [contentType!, attribute(CMS_OID.messageDigest, tlv(TAG.OCTET_STRING, sha256(CONTENT)), tlv(TAG.OCTET_STRING, sha256(CONTENT)))] })] }), 'ERR_CMS_ATTRIBUTE_INVALID'],
  ['messageDigest of 20 bytes', () => signedData({ signerInfos: [signerInfo({ attributes: [contentType!, attribute(CMS_OID.messageDigest, tlv(TAG.OCTET_STRING, new Uint8Array(20)))] })] }), 'ERR_CMS_ATTRIBUTE_INVALID'],
  ['messageDigest that is not an OCTET STRING', () => signedData({ signerInfos: [signerInfo({ attributes: [contentType!, attribute(CMS_OID.messageDigest, int(1))] })] }), 'ERR_CMS_ATTRIBUTE_INVALID'],
  ['attribute without values', () => signedData({ signerInfos: [signerInfo({ attributes: [contentType!, messageDigest!, tlv(TAG.SEQUENCE, oid(CMS_OID.signingTime), tlv(SET))] })] }), 'ERR_CMS_ATTRIBUTE_INVALID'],
  ['signingTime that is not a time', () => signedData({ signerInfos: [signerInfo({ attributes: [contentType!, messageDigest!, attribute(CMS_OID.signingTime, tlv(TAG.UTC_TIME, new TextEncoder().encode('261399000000Z')))] })] }), 'ERR_CMS_ATTRIBUTE_INVALID'],
  ['contentType other than eContentType', () => signedData({ signerInfos: [signerInfo({ attributes: [attribute(CMS_OID.contentType, oid(CMS_OID.signedData)), messageDigest!] })] }), 'ERR_CMS_CONTENT_TYPE_MISMATCH'],
  ['empty signature', () => signedData({ signerInfos: [signerInfo({ signature: new Uint8Array(0) })] }), 'ERR_CMS_DER_VALUE'],
  ['over 1 MiB', () => new Uint8Array(MAX_CMS_BYTES + 1), 'ERR_CMS_TOO_LARGE'],
];

describe('CMS SignedData: malformed and unsupported input', () => {
  it('the well-formed assembly of the table verifies (so each row breaks one thing only)', () => {
    assert.deepEqual(verifySignedData(signedData(), CONTENT).signerCertificate, CERT);
    // unsignedAttrs and crls are skipped, a sha256 with NULL parameters and rsaEncryption are taken.
    const variant = signedData({
      crls: tlv(TAG.CONTEXT_1),
      signerInfos: [signerInfo({ digestAlgorithm: algorithm(CMS_OID.sha256, 'null'), signatureAlgorithm: algorithm(CMS_OID.rsaEncryption, 'null'), unsigned: tlv(TAG.CONTEXT_1, attribute(CMS_OID.signingTime, tlv(TAG.UTC_TIME, new TextEncoder().encode('260501093000Z')))) })],
    });
    assert.equal(verifySignedData(variant, CONTENT).signedData.signer.signatureAlgorithm, 'rsaEncryption');
  });

  for (const [name, make, expected] of TABLE) {
    it(`${name}: ${expected}`, () => {
      assert.throws(() => parseSignedData(make()), (e) => e instanceof CmsError && e.code === expected, name);
    });
  }

  it('subjectKeyIdentifier sid in a version 3 SignedData is read, and matched against the certificate SKI', () => {
    const ski = (() => {
      const ext = '0603551D0E04160414';
      const hex = Buffer.from(CERT).toString('hex').toUpperCase();
      const at = hex.indexOf(ext);
      return fromHex(hex.slice(at + ext.length, at + ext.length + 40));
    })();
    const cms = signedData({ version: 3, signerInfos: [signerInfo({ version: 3, sid: tlv(TAG.CONTEXT_PRIMITIVE_0, ski) })] });
    assert.deepEqual(verifySignedData(cms, CONTENT).signerCertificate, CERT);
    const unknown = signedData({ version: 3, signerInfos: [signerInfo({ version: 3, sid: tlv(TAG.CONTEXT_PRIMITIVE_0, new Uint8Array(20)) })] });
    assert.throws(() => verifySignedData(unknown, CONTENT), (e) => e instanceof CmsError && e.code === 'ERR_CMS_SIGNER_CERTIFICATE_MISSING');
  });

  it('random bytes: a CmsError or nothing, never another exception (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        try {
          parseSignedData(bytes);
        } catch (e) {
          assert.ok(e instanceof CmsError, String(e));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('random DER-shaped prefixes: a CmsError, never another exception (fast-check)', () => {
    fc.assert(
      fc.property(fc.constantFrom(0x30, 0x31, 0xa0, 0x06, 0x02), fc.uint8Array({ maxLength: 300 }), (tag, rest) => {
        try {
          parseSignedData(Uint8Array.from([tag, ...(rest.length < 128 ? [rest.length] : [0x82, rest.length >> 8, rest.length & 0xff]), ...rest]));
        } catch (e) {
          assert.ok(e instanceof CmsError, String(e));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('one byte of a real SignedData changed: a CmsError, or it verifies with the same signed bytes, signature and key (fast-check)', async () => {
    const good = await buildSignedData({ content: CONTENT, certificate: CERT, signingTime: new Date('2026-05-01T09:30:00Z'), sign: cardLikeSigner(KEY) });
    const original = verifySignedData(good, CONTENT);
    // The RSA key itself (n, e): SPKI bytes may differ where openssl ignores them (rsaEncryption parameters).
    const keyOf = (der: Uint8Array) => createPublicKey({ key: Buffer.from(parseCertificate(der).subjectPublicKeyInfo), format: 'der', type: 'spki' }).export({ format: 'jwk' });
    let refused = 0;
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const bad = good.slice();
        bad[at]! ^= flip;
        let v: ReturnType<typeof verifySignedData>;
        try {
          v = verifySignedData(bad, CONTENT);
        } catch (e) {
          assert.ok(e instanceof CmsError, String(e));
          refused++;
          return;
        }
        // What still verifies was changed where nothing is signed (inside the carried certificate,
        // the informational digestAlgorithms): the signed attributes, signature and key are the same.
        assert.deepEqual(v.signedData.signer.signedAttributes, original.signedData.signer.signedAttributes);
        assert.deepEqual(v.signedData.signer.signature, original.signedData.signer.signature);
        assert.deepEqual(keyOf(v.signerCertificate), keyOf(original.signerCertificate));
      }),
      { numRuns: 400 },
    );
    assert.ok(refused > 0);
  });
});
