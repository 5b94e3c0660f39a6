import { bytesEqual } from '../../bytes/index.js';
import { decodeTlv, encodeTlv, type Tlv } from '../../tlv/index.js';
import { CertificateError } from './errors.js';
import { OID_CERTIFICATE_POLICIES } from './oids.js';
import { extensionOf, parseCertificate } from './parse.js';

/**
 * certificatePolicies decoded without the ASN.1 schema library: its BER parser renders an arc above
 * 2^53 — such as the UUID arc of PROJECT_ARC — as `{hex}` instead of decimal, so the policy OIDs of
 * this project would not compare. Parsed here over the project's TLV codec, strictly (DER only).
 */

/**
 * X.690 8.19.2: "Each subidentifier is represented as a series of (one or more) octets. Bit 8 of each
 * octet indicates whether it is the last in the series ... the leading octet of the subidentifier
 * shall not have the value 80" — 8.19.4: the first subidentifier is `X*40 + Y`.
 */
export function decodeOid(content: Uint8Array): string {
  if (content.length === 0 || (content[content.length - 1]! & 0x80) !== 0) {
    throw new CertificateError('ERR_CERT_DER', 'an OBJECT IDENTIFIER is empty or cut short');
  }
  const arcs: bigint[] = [];
  let value = 0n;
  let fresh = true;
  for (const byte of content) {
    if (fresh && byte === 0x80) throw new CertificateError('ERR_CERT_DER', 'an OBJECT IDENTIFIER arc is not minimal');
    value = (value << 7n) | BigInt(byte & 0x7f);
    fresh = (byte & 0x80) === 0;
    if (fresh) {
      arcs.push(value);
      value = 0n;
    }
  }
  const first = arcs[0]!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

export interface PolicyQualifier {
  readonly id: string;
  /** DER of the qualifier (an IA5String for id-qt-cps). */
  readonly qualifier: Uint8Array;
}

export interface PolicyInformationEntry {
  readonly oid: string;
  readonly qualifiers: readonly PolicyQualifier[];
}

function expect(node: Tlv | undefined, tag: number): Tlv {
  if (node === undefined || node.tag !== tag) throw new CertificateError('ERR_CERT_DER', `expected tag ${tag.toString(16)}`);
  return node;
}

function oidOf(node: Tlv | undefined): string {
  return decodeOid(expect(node, 0x06).value);
}

/**
 * RFC 5280 4.2.1.4:
 *
 *     certificatePolicies ::= SEQUENCE SIZE (1..MAX) OF PolicyInformation
 *     PolicyInformation ::= SEQUENCE {
 *          policyIdentifier   CertPolicyId,
 *          policyQualifiers   SEQUENCE SIZE (1..MAX) OF PolicyQualifierInfo OPTIONAL }
 *     PolicyQualifierInfo ::= SEQUENCE {
 *          policyQualifierId  PolicyQualifierId,
 *          qualifier          ANY DEFINED BY policyQualifierId }
 *
 * Decodes the extension value; `ERR_CERT_DER` for anything else or anything that is not DER.
 */
export function decodeCertificatePolicies(value: Uint8Array): PolicyInformationEntry[] {
  let root: Tlv;
  try {
    root = decodeTlv(value, { maxDepth: 32 });
  } catch (cause) {
    throw new CertificateError('ERR_CERT_DER', 'certificatePolicies does not decode', { cause });
  }
  if (!bytesEqual(encodeTlv(root), value)) throw new CertificateError('ERR_CERT_DER', 'certificatePolicies is not DER');
  const infos = expect(root, 0x30).children ?? [];
  if (infos.length === 0) throw new CertificateError('ERR_CERT_DER', 'certificatePolicies is empty');
  return infos.map((info) => {
    const parts = expect(info, 0x30).children ?? [];
    if (parts.length < 1 || parts.length > 2) throw new CertificateError('ERR_CERT_DER', 'a malformed PolicyInformation');
    const qualifierList = parts[1] === undefined ? [] : expect(parts[1], 0x30).children ?? [];
    if (parts[1] !== undefined && qualifierList.length === 0) throw new CertificateError('ERR_CERT_DER', 'an empty policyQualifiers');
    const qualifiers = qualifierList.map((q) => {
      const pair = expect(q, 0x30).children ?? [];
      if (pair.length !== 2) throw new CertificateError('ERR_CERT_DER', 'a malformed PolicyQualifierInfo');
      return { id: oidOf(pair[0]), qualifier: encodeTlv(pair[1]!) };
    });
    return { oid: oidOf(parts[0]), qualifiers };
  });
}

/** The policy OIDs of a certificate (for `classifyPolicy`); empty when it has no certificatePolicies. */
export function certificatePolicyOids(certificateDer: Uint8Array): string[] {
  const ext = extensionOf(parseCertificate(certificateDer), OID_CERTIFICATE_POLICIES);
  return ext === undefined ? [] : decodeCertificatePolicies(ext.value).map((p) => p.oid);
}
