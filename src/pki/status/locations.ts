import { AuthorityInfoAccessSyntax, CRLDistributionPoints } from '@peculiar/asn1-x509';
import { decodeDer } from '../x509/der.js';
import { OID_AD_OCSP, OID_AUTHORITY_INFO_ACCESS, OID_CRL_DISTRIBUTION_POINTS, extensionOf, type ParsedCertificate } from '../x509/index.js';
import { StatusError } from './errors.js';

/*
 * Where a certificate says its status is published: RFC 5280 4.2.2.1 authorityInfoAccess id-ad-ocsp
 * ("the location of the OCSP responder") and 4.2.1.13 cRLDistributionPoints fullName URIs. Only
 * http(s) URIs are returned: the real JPKI writes directoryNames there (jpki-ap.md 3.2), which name no
 * place to fetch from, and LDAP is not spoken here.
 */

const HTTP_URI = /^https?:\/\/[\x21-\x7e]+$/;

function decode<T>(cert: ParsedCertificate, oid: string, type: new () => T, what: string): T | undefined {
  try {
    const ext = extensionOf(cert, oid);
    return ext === undefined ? undefined : decodeDer(ext.value, type, what);
  } catch (cause) {
    throw new StatusError('ERR_STATUS_PARAMS', `${what} does not decode`, { cause });
  }
}

/** The http(s) OCSP responder URIs of a certificate's authorityInfoAccess, in order. */
export function ocspUrlsOf(cert: ParsedCertificate): string[] {
  const aia = decode(cert, OID_AUTHORITY_INFO_ACCESS, AuthorityInfoAccessSyntax, 'authorityInfoAccess');
  if (aia === undefined) return [];
  return Array.from(aia)
    .filter((d) => d.accessMethod === OID_AD_OCSP)
    .map((d) => d.accessLocation.uniformResourceIdentifier)
    .filter((u): u is string => typeof u === 'string' && HTTP_URI.test(u));
}

/** The http(s) fullName URIs of a certificate's cRLDistributionPoints (points limited to some reasons are skipped). */
export function crlUrlsOf(cert: ParsedCertificate): string[] {
  const cdp = decode(cert, OID_CRL_DISTRIBUTION_POINTS, CRLDistributionPoints, 'cRLDistributionPoints');
  if (cdp === undefined) return [];
  const out: string[] = [];
  for (const point of Array.from(cdp)) {
    if (point.reasons !== undefined || point.cRLIssuer !== undefined) continue;
    for (const name of point.distributionPoint?.fullName ?? []) {
      const u = name.uniformResourceIdentifier;
      if (typeof u === 'string' && HTTP_URI.test(u)) out.push(u);
    }
  }
  return out;
}
