import { AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsageFlags, SubjectKeyIdentifier } from '@peculiar/asn1-x509';
import { decodeDer } from '../x509/der.js';
import {
  OID_AUTHORITY_KEY_IDENTIFIER,
  OID_BASIC_CONSTRAINTS,
  OID_EXTENDED_KEY_USAGE,
  OID_KEY_USAGE,
  OID_SUBJECT_KEY_IDENTIFIER,
  extensionOf,
  type KeyUsageBit,
  type ParsedCertificate,
} from '../x509/index.js';
import { PathError } from './errors.js';

/** The extensions path validation and relying parties read, decoded strictly (DER); `ERR_PATH_CERTIFICATE_INVALID` otherwise. */

function decode<T>(cert: ParsedCertificate, oid: string, type: new () => T, what: string, depth?: number): T | undefined {
  try {
    const ext = extensionOf(cert, oid);
    return ext === undefined ? undefined : decodeDer(ext.value, type, what);
  } catch (cause) {
    throw new PathError('ERR_PATH_CERTIFICATE_INVALID', `${what} does not decode`, { cause, ...(depth === undefined ? {} : { depth }) });
  }
}

/** RFC 5280 4.2.1.9 basicConstraints; undefined when absent. */
export function basicConstraintsOf(cert: ParsedCertificate, depth?: number): { ca: boolean; pathLength?: number } | undefined {
  const bc = decode(cert, OID_BASIC_CONSTRAINTS, BasicConstraints, 'basicConstraints', depth);
  if (bc === undefined) return undefined;
  return bc.pathLenConstraint === undefined ? { ca: bc.cA } : { ca: bc.cA, pathLength: bc.pathLenConstraint };
}

export type KeyUsageName = KeyUsageBit | 'keyEncipherment' | 'dataEncipherment' | 'keyAgreement' | 'encipherOnly' | 'decipherOnly';

const FLAGS: readonly [KeyUsageName, number][] = [
  ['digitalSignature', KeyUsageFlags.digitalSignature],
  ['nonRepudiation', KeyUsageFlags.nonRepudiation],
  ['keyEncipherment', KeyUsageFlags.keyEncipherment],
  ['dataEncipherment', KeyUsageFlags.dataEncipherment],
  ['keyAgreement', KeyUsageFlags.keyAgreement],
  ['keyCertSign', KeyUsageFlags.keyCertSign],
  ['cRLSign', KeyUsageFlags.cRLSign],
  ['encipherOnly', KeyUsageFlags.encipherOnly],
  ['decipherOnly', KeyUsageFlags.decipherOnly],
];

/** RFC 5280 4.2.1.3 keyUsage as the set of bits asserted; undefined when absent. */
export function keyUsageOf(cert: ParsedCertificate, depth?: number): ReadonlySet<KeyUsageName> | undefined {
  const ku = decode(cert, OID_KEY_USAGE, KeyUsage, 'keyUsage', depth);
  if (ku === undefined) return undefined;
  const value = ku.toNumber();
  return new Set(FLAGS.filter(([, flag]) => (value & flag) !== 0).map(([name]) => name));
}

/** RFC 5280 4.2.1.2 subjectKeyIdentifier; undefined when absent. */
export function subjectKeyIdentifierOf(cert: ParsedCertificate, depth?: number): Uint8Array | undefined {
  const ski = decode(cert, OID_SUBJECT_KEY_IDENTIFIER, SubjectKeyIdentifier, 'subjectKeyIdentifier', depth);
  return ski === undefined ? undefined : new Uint8Array(ski.buffer);
}

/** RFC 5280 4.2.1.1 authorityKeyIdentifier keyIdentifier; undefined when absent (or without keyIdentifier). */
export function authorityKeyIdentifierOf(cert: ParsedCertificate, depth?: number): Uint8Array | undefined {
  const aki = decode(cert, OID_AUTHORITY_KEY_IDENTIFIER, AuthorityKeyIdentifier, 'authorityKeyIdentifier', depth);
  return aki?.keyIdentifier === undefined ? undefined : new Uint8Array(aki.keyIdentifier.buffer);
}

/** RFC 5280 4.2.1.12 extendedKeyUsage purposes (dotted); undefined when absent. */
export function extendedKeyUsageOf(cert: ParsedCertificate, depth?: number): readonly string[] | undefined {
  const eku = decode(cert, OID_EXTENDED_KEY_USAGE, ExtendedKeyUsage, 'extendedKeyUsage', depth);
  return eku === undefined ? undefined : Array.from(eku);
}
