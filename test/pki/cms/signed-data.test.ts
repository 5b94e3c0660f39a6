import assert from 'node:assert/strict';
import { createHash, sign } from 'node:crypto';
import { describe, it } from 'node:test';
import { bytesEqual, fromHex, toHex } from '../../../src/bytes/index.js';
import { buildSignedData, CMS_OID, CmsError, parseSignedData, prepareSignedData, verifySignedData } from '../../../src/pki/cms/index.js';
import { TAG } from '../../../src/pki/revocation/der-writer.js';
import { parseCertificate } from '../../../src/pki/x509/index.js';
import { CERT, CONTENT, KEY, OTHER_KEY, cardLikeSigner, sha256 } from './helpers.js';

/** The builder and the reader of a detached SignedData (RFC 5652 5), against each other. */

const SIGNING_TIME = new Date('2026-05-01T09:30:00Z');

async function built(content = CONTENT) {
  return buildSignedData({ content, certificate: CERT, signingTime: SIGNING_TIME, sign: cardLikeSigner(KEY) });
}

describe('CMS SignedData: building with an external signer', () => {
  it('gives the card a 51-byte SHA-256 DigestInfo over DER(signedAttrs), and nothing of the document', () => {
    const prepared = prepareSignedData({ content: CONTENT, certificate: CERT, signingTime: SIGNING_TIME });
    assert.equal(prepared.digestInfo.length, 51);
    assert.equal(toHex(prepared.digestInfo.subarray(0, 19)), '3031300D060960864801650304020105000420');
    assert.deepEqual(prepared.digestInfo.subarray(19), sha256(prepared.signedAttributes));
    assert.equal(prepared.signedAttributes[0], 0x31, 'an explicit SET OF tag (RFC 5652 5.4)');
  });

  it('writes version 1, sha256, id-data without eContent, the certificate, and one SignerInfo by issuerAndSerialNumber', async () => {
    const cms = await built();
    const parsed = parseSignedData(cms);
    assert.equal(parsed.version, 1);
    assert.deepEqual(parsed.digestAlgorithms, ['2.16.840.1.101.3.4.2.1']);
    assert.deepEqual(parsed.contentType, CMS_OID.data);
    assert.deepEqual(parsed.certificates, [CERT]);
    const s = parsed.signer;
    assert.equal(s.version, 1);
    const cert = parseCertificate(CERT);
    assert.equal(s.sid.kind, 'issuerAndSerialNumber');
    assert.ok(s.sid.kind === 'issuerAndSerialNumber' && bytesEqual(s.sid.issuer, cert.issuer) && toHex(s.sid.serialNumber) === cert.serialNumberHex);
    assert.equal(s.digestAlgorithm, 'sha256');
    assert.equal(s.signatureAlgorithm, 'sha256WithRSAEncryption');
    assert.deepEqual(s.messageDigest, sha256(CONTENT));
    assert.deepEqual(s.signingTime, SIGNING_TIME);
    assert.deepEqual(s.attributes.map((a) => a.type).sort(), ['1.2.840.113549.1.9.3', '1.2.840.113549.1.9.4', '1.2.840.113549.1.9.5']);
    assert.equal(s.signature.length, 256);
  });

  it('orders the signed attributes as DER sorts a SET OF (X.690 11.6), so that openssl re-encodes the same bytes', () => {
    const { signedAttributes } = prepareSignedData({ content: CONTENT, certificate: CERT, signingTime: SIGNING_TIME });
    const attrs = parseSignedAttrs(signedAttributes);
    const sorted = [...attrs].sort((a, b) => Buffer.compare(a, b));
    assert.deepEqual(attrs.map(toHex), sorted.map(toHex));
  });

  it('is the same SignedData whether the signer is the card-like DigestInfo signer or node:crypto over the attributes', async () => {
    const prepared = prepareSignedData({ content: CONTENT, certificate: CERT, signingTime: SIGNING_TIME });
    const a = prepared.complete(new Uint8Array(sign('sha256', prepared.signedAttributes, KEY)));
    assert.deepEqual(a, await built(), 'RSASSA-PKCS1-v1_5 is deterministic');
  });

  it('writes signingTime as UTCTime through 2049 and GeneralizedTime from 2050 (RFC 5652 11.3)', () => {
    const at = (d: string) => prepareSignedData({ content: CONTENT, certificate: CERT, signingTime: new Date(d) }).signedAttributes;
    assert.ok(toHex(at('2049-12-31T23:59:59Z')).includes('170D3439313233313233353935395A'));
    assert.ok(toHex(at('2050-01-01T00:00:00Z')).includes('180F32303530303130313030303030305A'));
  });

  it('refuses a signature the certificate key did not make (ERR_CMS_SIGNER_FAILED), and bad parameters (ERR_CMS_PARAMS)', async () => {
    await assert.rejects(buildSignedData({ content: CONTENT, certificate: CERT, signingTime: SIGNING_TIME, sign: cardLikeSigner(OTHER_KEY) }), code('ERR_CMS_SIGNER_FAILED'));
    const prepared = prepareSignedData({ content: CONTENT, certificate: CERT, signingTime: SIGNING_TIME });
    assert.throws(() => prepared.complete(new Uint8Array(0)), code('ERR_CMS_SIGNER_FAILED'));
    assert.throws(() => prepared.complete(new Uint8Array(256)), code('ERR_CMS_SIGNER_FAILED'));
    assert.throws(() => prepareSignedData({ content: 'text' as unknown as Uint8Array, certificate: CERT, signingTime: SIGNING_TIME }), code('ERR_CMS_PARAMS'));
    assert.throws(() => prepareSignedData({ content: CONTENT, certificate: fromHex('3000'), signingTime: SIGNING_TIME }), code('ERR_CMS_PARAMS'));
    assert.throws(() => prepareSignedData({ content: CONTENT, certificate: CERT, signingTime: new Date(NaN) }), code('ERR_CMS_PARAMS'));
    await assert.rejects(buildSignedData({ content: CONTENT, certificate: CERT, signingTime: SIGNING_TIME, sign: undefined as never }), code('ERR_CMS_PARAMS'));
  });
});

describe('CMS SignedData: verifying', () => {
  it('accepts the signature over the content, and returns the signer certificate and signing time', async () => {
    const v = verifySignedData(await built(), CONTENT);
    assert.deepEqual(v.signerCertificate, CERT);
    assert.deepEqual(v.otherCertificates, []);
    assert.deepEqual(v.signingTime, SIGNING_TIME);
  });

  it('refuses the same signature over other data: ERR_CMS_MESSAGE_DIGEST_MISMATCH', async () => {
    const cms = await built();
    const other = new TextEncoder().encode('申請書: 転出届 (jpki-mobile test document)\n');
    assert.throws(() => verifySignedData(cms, other), code('ERR_CMS_MESSAGE_DIGEST_MISMATCH'));
    assert.throws(() => verifySignedData(cms, CONTENT.subarray(1)), code('ERR_CMS_MESSAGE_DIGEST_MISMATCH'));
  });

  it('refuses a signature that is not over the signed attributes: ERR_CMS_SIGNATURE_INVALID', async () => {
    const cms = await built();
    const tampered = cms.slice();
    tampered[tampered.length - 1]! ^= 0x01;
    assert.throws(() => verifySignedData(tampered, CONTENT), code('ERR_CMS_SIGNATURE_INVALID'));
  });

  it('finds the signer certificate only by issuer and serial number (ERR_CMS_SIGNER_CERTIFICATE_MISSING otherwise)', async () => {
    const cms = await built();
    const parsed = parseSignedData(cms);
    const withoutCerts = { ...parsed, certificates: [] };
    assert.throws(() => verifySignedData(withoutCerts, CONTENT), code('ERR_CMS_SIGNER_CERTIFICATE_MISSING'));
    assert.deepEqual(verifySignedData(withoutCerts, CONTENT, { extraCertificates: [CERT] }).signerCertificate, CERT);
  });

  it('hashes the content it is given, whatever its size (1 MiB)', async () => {
    const big = new Uint8Array(1024 * 1024).fill(0x61);
    const cms = await built(big);
    assert.ok(cms.length < 2000, 'detached: the content is not inside');
    assert.deepEqual(verifySignedData(cms, big).signerCertificate, CERT);
    assert.deepEqual(parseSignedData(cms).signer.messageDigest, new Uint8Array(createHash('sha256').update(big).digest()));
  });
});

function code(c: string) {
  return (e: unknown) => e instanceof CmsError && e.code === c;
}

/** The Attribute TLVs inside a DER SET. */
function parseSignedAttrs(set: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let p = set[1]! < 0x80 ? 2 : 2 + (set[1]! & 0x7f);
  while (p < set.length) {
    const len = set[p + 1]! < 0x80 ? set[p + 1]! : Number(BigInt('0x' + toHex(set.subarray(p + 2, p + 2 + (set[p + 1]! & 0x7f)))));
    const head = set[p + 1]! < 0x80 ? 2 : 2 + (set[p + 1]! & 0x7f);
    out.push(set.subarray(p, p + head + len));
    p += head + len;
  }
  assert.ok(out.length === 3 && out.every((a) => a[0] === TAG.SEQUENCE));
  return out;
}
