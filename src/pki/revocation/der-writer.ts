import { fromHex, toHex } from '../../bytes/index.js';

/*
 * The few DER encoding rules (X.690 10.1, 8.1.2-8.1.3) the revocation codecs need, written by hand so
 * that a CRL of a million entries costs no object per entry: identifier octets are always one byte
 * here (every tag used is below 31), lengths take the definite form, short below 128 and minimal long
 * form above (X.690 10.1).
 */

/** Universal and context tags used by CRLs and OCSP (X.690 8.1.2; EXPLICIT/constructed where marked). */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  CONTEXT_0: 0xa0,
  CONTEXT_1: 0xa1,
  CONTEXT_2: 0xa2,
  CONTEXT_3: 0xa3,
  CONTEXT_PRIMITIVE_0: 0x80,
  CONTEXT_PRIMITIVE_1: 0x81,
  CONTEXT_PRIMITIVE_2: 0x82,
} as const;

/** Size of the identifier and length octets of a value of `length` bytes. */
export function headerSize(length: number): number {
  if (length < 0x80) return 2;
  let n = 1;
  for (let v = length; v > 0; v = Math.floor(v / 256)) n++;
  return n + 1;
}

/** Writes tag and minimal length at `pos` of `buf`; returns the position of the first value byte. */
export function writeHeader(buf: Uint8Array, pos: number, tag: number, length: number): number {
  buf[pos++] = tag;
  if (length < 0x80) {
    buf[pos++] = length;
    return pos;
  }
  const count = headerSize(length) - 2;
  buf[pos++] = 0x80 | count;
  for (let i = count - 1; i >= 0; i--) {
    buf[pos + i] = length % 256;
    length = Math.floor(length / 256);
  }
  return pos + count;
}

/** The header alone, for a value that is streamed after it. */
export function header(tag: number, length: number): Uint8Array {
  const out = new Uint8Array(headerSize(length));
  writeHeader(out, 0, tag, length);
  return out;
}

/** One TLV whose value is the concatenation of `parts`. */
export function tlv(tag: number, ...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(headerSize(length) + length);
  let pos = writeHeader(out, 0, tag, length);
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/** Content octets of a non-negative INTEGER (X.690 8.3: two's complement, minimal). */
export function unsignedIntegerContent(value: bigint): Uint8Array {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = '0' + hex;
  if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = '00' + hex;
  return fromHex(hex);
}

/** The value of INTEGER content octets read as two's complement. */
export function integerContentToBigint(content: Uint8Array): bigint {
  if (content.length === 0) return 0n;
  const v = BigInt('0x' + toHex(content));
  return content[0]! >= 0x80 ? v - (1n << BigInt(content.length * 8)) : v;
}

/** True when `content` is a minimal two's-complement INTEGER encoding (X.690 8.3.2). */
export function isMinimalInteger(content: Uint8Array): boolean {
  if (content.length === 0) return false;
  if (content.length === 1) return true;
  const a = content[0]!;
  const b = content[1]!;
  return !((a === 0x00 && b < 0x80) || (a === 0xff && b >= 0x80));
}

/** Content octets of OBJECT IDENTIFIERs, compared byte for byte rather than decoded. */
export const OID = {
  /** 1.2.840.113549.1.1.1 rsaEncryption (RFC 8017 A.1) */
  rsaEncryption: fromHex('2a864886f70d010101'),
  /** 1.2.840.113549.1.1.11 sha256WithRSAEncryption (RFC 4055 5) */
  sha256WithRSAEncryption: fromHex('2a864886f70d01010b'),
  /** 1.3.14.3.2.26 id-sha1 */
  sha1: fromHex('2b0e03021a'),
  /** 2.16.840.1.101.3.4.2.1 id-sha256 */
  sha256: fromHex('608648016503040201'),
  /** 2.5.29.20 cRLNumber */
  crlNumber: fromHex('551d14'),
  /** 2.5.29.21 reasonCode */
  reasonCode: fromHex('551d15'),
  /** 2.5.29.35 authorityKeyIdentifier */
  authorityKeyIdentifier: fromHex('551d23'),
  /** 1.3.6.1.5.5.7.48.1.1 id-pkix-ocsp-basic */
  ocspBasic: fromHex('2b0601050507300101'),
  /** 1.3.6.1.5.5.7.48.1.2 id-pkix-ocsp-nonce */
  ocspNonce: fromHex('2b0601050507300102'),
} as const;

/** AlgorithmIdentifier { sha256WithRSAEncryption, NULL } (RFC 4055 5: the parameters MUST be NULL). */
export const SHA256_WITH_RSA: Uint8Array = tlv(TAG.SEQUENCE, tlv(TAG.OID, OID.sha256WithRSAEncryption), Uint8Array.of(TAG.NULL, 0));

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE (omitted), extnValue OCTET STRING } (RFC 5280 4.1) */
export function extension(oid: Uint8Array, value: Uint8Array): Uint8Array {
  return tlv(TAG.SEQUENCE, tlv(TAG.OID, oid), tlv(TAG.OCTET_STRING, value));
}

/** Dotted text of OID content octets (X.690 8.19), for messages and parse results. */
export function oidToString(content: Uint8Array): string {
  const arcs: bigint[] = [];
  let v = 0n;
  for (const b of content) {
    v = (v << 7n) | BigInt(b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(v);
      v = 0n;
    }
  }
  if (arcs.length === 0) return '';
  const first = arcs[0]!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}
