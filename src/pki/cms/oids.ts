import { fromHex } from '../../bytes/index.js';

/**
 * Content octets of the object identifiers of a JPKI SignedData, compared byte for byte:
 * RFC 5652 (content types 4, 5; attributes 11.1-11.3), RFC 5754 (SHA-256), RFC 8017 / RFC 4055 (RSA).
 */
export const CMS_OID = {
  /** 1.2.840.113549.1.7.1 id-data */
  data: fromHex('2a864886f70d010701'),
  /** 1.2.840.113549.1.7.2 id-signedData */
  signedData: fromHex('2a864886f70d010702'),
  /** 1.2.840.113549.1.9.3 id-contentType */
  contentType: fromHex('2a864886f70d010903'),
  /** 1.2.840.113549.1.9.4 id-messageDigest */
  messageDigest: fromHex('2a864886f70d010904'),
  /** 1.2.840.113549.1.9.5 id-signingTime */
  signingTime: fromHex('2a864886f70d010905'),
  /** 2.16.840.1.101.3.4.2.1 id-sha256 */
  sha256: fromHex('608648016503040201'),
  /** 1.2.840.113549.1.1.1 rsaEncryption: what openssl writes as the SignerInfo's signatureAlgorithm */
  rsaEncryption: fromHex('2a864886f70d010101'),
  /** 1.2.840.113549.1.1.11 sha256WithRSAEncryption: what this builder writes (RFC 5754 3.2) */
  sha256WithRsa: fromHex('2a864886f70d01010b'),
} as const;
