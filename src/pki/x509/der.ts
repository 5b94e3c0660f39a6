import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import { bytesEqual } from '../../bytes/index.js';
import { CertificateError } from './errors.js';

/** DER of an @peculiar ASN.1 schema object. */
export function toDer(value: object): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(value));
}

/** A fresh ArrayBuffer holding exactly `bytes` (the schema classes want ArrayBuffer, not views). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

/**
 * Decodes `der` as `type` and insists that it is DER (X.690 10): re-encoding the decoded value must
 * give back the very same bytes. That single check refuses trailing bytes, non-minimal lengths and
 * integers, BER booleans, explicit DEFAULT values and unsorted or indefinite forms, which the
 * underlying BER parser accepts. Any failure is `ERR_CERT_DER`.
 */
export function decodeDer<T>(der: Uint8Array, type: new () => T, what: string): T {
  let value: T;
  let again: Uint8Array;
  try {
    value = AsnParser.parse(der, type);
    again = toDer(value as object);
  } catch (cause) {
    throw new CertificateError('ERR_CERT_DER', `${what} does not decode`, { cause });
  }
  if (!bytesEqual(again, der)) {
    throw new CertificateError('ERR_CERT_DER', `${what} is not in DER form (or has trailing bytes)`);
  }
  return value;
}

/**
 * The content octets of a DER INTEGER holding the unsigned big-endian number `bytes` (X.690 8.3.2:
 * minimal, with a leading 00 when the top bit is set so that the value stays positive).
 */
export function unsignedInteger(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  if (trimmed.length === 0) return Uint8Array.of(0);
  if ((trimmed[0]! & 0x80) === 0) return trimmed.slice();
  const out = new Uint8Array(trimmed.length + 1);
  out.set(trimmed, 1);
  return out;
}
