import { splitPrefectureMunicipality } from './address.js';
import { CertificateError } from './errors.js';
import type { Dn } from './names.js';

/** The two JPKI hierarchies: digital signature (署名用) and user authentication (利用者証明用). */
export type Hierarchy = 'sign' | 'auth';

export interface CaNames {
  /** Subject (= issuer) of the self-signed CA certificate. */
  readonly subject: Dn;
  /** The directoryName of the CA certificate's subjectAltName. */
  readonly subjectAltName: Dn;
}

/**
 * The names this CA writes. The real CAs are `C=JP, O=JPKI, OU=JPKI for digital signature, OU=Japan
 * Agency for Local Authority Information Systems` (jpki-ap.md 3.1); an emulation must never reuse them
 * (jpki-ap.md 7), so every default says plainly that it is not J-LIS.
 */
export interface CaNaming {
  readonly sign: CaNames;
  readonly auth: CaNames;
  /** O of the end-entity issuerAltName directoryName `C=JP, O=<this>`. */
  readonly issuerAltNameOrganization: string;
}

const NOT_JLIS = 'jpki-mobile emulation - not J-LIS';
const SAN_ORGANIZATION = '公的個人認証サービス (jpki-mobile emulation)';

export const DEFAULT_CA_NAMING: CaNaming = {
  sign: {
    subject: [['C', 'JP'], ['O', 'JPKI-MOBILE'], ['OU', 'JPKI for digital signature'], ['OU', NOT_JLIS]],
    subjectAltName: [['C', 'JP'], ['O', SAN_ORGANIZATION], ['OU', '公的個人認証サービス署名用'], ['OU', 'jpki-mobile - not J-LIS']],
  },
  auth: {
    subject: [['C', 'JP'], ['O', 'JPKI-MOBILE'], ['OU', 'JPKI for user authentication'], ['OU', NOT_JLIS]],
    subjectAltName: [['C', 'JP'], ['O', SAN_ORGANIZATION], ['OU', '公的個人認証サービス利用者証明用'], ['OU', 'jpki-mobile - not J-LIS']],
  },
  issuerAltNameOrganization: SAN_ORGANIZATION,
};

/** The default naming with some parts replaced. */
export function caNaming(overrides: Partial<CaNaming> = {}): CaNaming {
  return { ...DEFAULT_CA_NAMING, ...overrides };
}

/** The end-entity issuerAltName directoryName (jpki-ap.md 3.2: `C=JP, O=公的個人認証サービス` on real cards). */
export function issuerAltNameDn(naming: CaNaming): Dn {
  return [['C', 'JP'], ['O', naming.issuerAltNameOrganization]];
}

/**
 * End-entity subjects (jpki-ap.md 3.2): signature certificates `C=JP, L=<都道府県>, L=<市区町村>,
 * CN=<issuance id>`, the prefecture and municipality taken from the address; authentication certificates
 * `C=JP, CN=<issuance id>`, which carry nothing about the holder.
 */
export function endEntitySubject(hierarchy: Hierarchy, issuanceId: string, address?: string): Dn {
  if (issuanceId.length === 0) throw new CertificateError('ERR_CERT_NAME', 'empty issuance id');
  if (hierarchy === 'auth') return [['C', 'JP'], ['CN', issuanceId]];
  if (address === undefined) throw new CertificateError('ERR_CERT_PARAMS', 'a signature certificate subject needs the address');
  const { prefecture, municipality } = splitPrefectureMunicipality(address);
  return [['C', 'JP'], ['L', prefecture], ['L', municipality], ['CN', issuanceId]];
}

/** A delegated OCSP responder of a CA: the CA's subject with a CN added. */
export function ocspResponderSubject(naming: CaNaming, hierarchy: Hierarchy, commonName = 'OCSP Responder'): Dn {
  return [...naming[hierarchy].subject, ['CN', commonName]];
}

/**
 * Values that belong to the real J-LIS CAs and must not appear in anything this emulation issues:
 * the J-LIS organisation in English and Japanese, and the exact O values of the real CA names.
 */
export const REAL_JLIS_SUBSTRINGS: readonly string[] = ['Japan Agency for Local Authority Information Systems', '地方公共団体情報システム機構'];
export const REAL_JLIS_ORGANIZATIONS: readonly string[] = ['JPKI', '公的個人認証サービス'];
