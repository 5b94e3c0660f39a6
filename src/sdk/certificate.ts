import { PathError, keyUsageOf, validatePath, type ValidatedPath } from '../pki/path/index.js';
import { certificatePolicyOids, decodeBasicFour, parseCertificate, type BasicFour, type ParsedCertificate } from '../pki/x509/index.js';
import { fingerprintOf, type IssuerInfo, type LoadedAnchor } from './anchors.js';
import { RelyingPartyError, type RelyingPartyErrorCode } from './errors.js';
import { bytesOf, CERTIFICATE_LABELS, type BinaryInput } from './input.js';
import { jpkiPolicies, USES, type CertificateKind, type CertificateUse, type RelyingPartyMode } from './kinds.js';

/**
 * Everything about a holder's certificate that needs no network: it parses, its policy makes it one of
 * the kinds this use accepts (and not a test certificate in production), its keyUsage fits, and it
 * chains to a trust anchor of the right hierarchy at the time (jpki-ap.md 5, items 1 to 4).
 */

/** What results say about the holder's certificate. */
export interface CertificateInfo {
  /** DER of the certificate. */
  readonly der: Uint8Array;
  /** Serial number in uppercase hex (its INTEGER content octets). */
  readonly serialNumber: string;
  /** RFC 4514 subject and issuer. */
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SHA-256 of the DER, uppercase hex. */
  readonly fingerprint: string;
  /** The JPKI policy OID that made it its kind. */
  readonly policy: string;
  /** Whether that policy is a production or a test policy. */
  readonly policyMode: RelyingPartyMode;
}

export interface CheckedCertificate {
  readonly kind: CertificateKind;
  readonly holder: 'card' | 'phone';
  readonly parsed: ParsedCertificate;
  readonly info: CertificateInfo;
  readonly path: ValidatedPath;
  /** The configured anchor the path ends at. */
  readonly issuer: IssuerInfo;
  /** The certificate's own issuer (the anchor, in JPKI): it answers for its status. */
  readonly directIssuer: ParsedCertificate;
}

export interface CertificateCheck {
  readonly certificate: BinaryInput | ParsedCertificate;
  readonly use: CertificateUse;
  readonly accept: readonly CertificateKind[];
  readonly mode: RelyingPartyMode;
  readonly anchors: readonly LoadedAnchor[];
  readonly intermediates?: readonly (BinaryInput | Uint8Array)[];
  readonly time: Date;
}

/** Parses a holder's certificate: ERR_RP_CERT_MALFORMED for anything that is not one. */
export function parseHolderCertificate(input: BinaryInput | ParsedCertificate): ParsedCertificate {
  if (input !== null && typeof input === 'object' && !(input instanceof Uint8Array)) {
    const parsed = input as Partial<ParsedCertificate>;
    if (parsed.der instanceof Uint8Array && parsed.tbsDer instanceof Uint8Array && parsed.tbsCertificate !== undefined) return input;
  }
  const der = bytesOf(input, 'the certificate', { labels: CERTIFICATE_LABELS, code: 'ERR_RP_CERT_MALFORMED' });
  try {
    return parseCertificate(der);
  } catch (cause) {
    throw new RelyingPartyError('ERR_RP_CERT_MALFORMED', 'the certificate does not parse', { cause });
  }
}

const PATH_CODES: Partial<Record<PathError['code'], RelyingPartyErrorCode>> = {
  ERR_PATH_ISSUER_UNKNOWN: 'ERR_RP_CERT_ISSUER_UNKNOWN',
  ERR_PATH_EXPIRED: 'ERR_RP_CERT_EXPIRED',
  ERR_PATH_NOT_YET_VALID: 'ERR_RP_CERT_NOT_YET_VALID',
};

export function checkCertificate(c: CertificateCheck): CheckedCertificate {
  const parsed = parseHolderCertificate(c.certificate);
  const serialNumber = parsed.serialNumberHex;
  const fail = (code: RelyingPartyErrorCode, message: string, extra: { kind?: CertificateKind; cause?: unknown } = {}): never => {
    throw new RelyingPartyError(code, message, { serialNumber, ...extra });
  };

  let oids: string[];
  try {
    oids = certificatePolicyOids(parsed.der);
  } catch (cause) {
    return fail('ERR_RP_CERT_MALFORMED', 'certificatePolicies does not decode', { cause });
  }
  const known = jpkiPolicies(oids);
  const policy = known[0];
  if (policy === undefined) return fail('ERR_RP_CERT_POLICY_UNKNOWN', `no JPKI certificate policy among [${oids.join(', ')}]`);
  if (known.length > 1) return fail('ERR_RP_CERT_POLICY_UNKNOWN', `several JPKI policies at once: [${known.map((p) => p.oid).join(', ')}]`);
  const kind = policy.kind;
  if (policy.mode === 'test' && c.mode === 'production') {
    fail('ERR_RP_CERT_TEST_POLICY', `a test certificate (policy ${policy.oid}) presented to a production relying party`, { kind });
  }
  if (!c.accept.includes(kind)) fail('ERR_RP_CERT_WRONG_KIND', `a ${kind} certificate where ${c.accept.join(' or ')} is expected`, { kind });

  const use = USES[c.use];
  let keyUsage: ReturnType<typeof keyUsageOf>;
  try {
    keyUsage = keyUsageOf(parsed);
  } catch (cause) {
    return fail('ERR_RP_CERT_MALFORMED', 'keyUsage does not decode', { kind, cause });
  }
  const missing = use.keyUsage.filter((bit) => keyUsage === undefined || !keyUsage.has(bit));
  if (missing.length > 0) fail('ERR_RP_CERT_KEY_USAGE', `keyUsage lacks ${missing.join(' and ')}`, { kind });

  const anchors = c.anchors.filter((a) => a.info.hierarchy === use.hierarchy);
  if (anchors.length === 0) throw new RelyingPartyError('ERR_RP_CONFIG', `no trust anchor is configured for ${use.hierarchy} certificates`, { serialNumber, kind });
  let path: ValidatedPath;
  try {
    const intermediates = (c.intermediates ?? []).map((i) => bytesOf(i, 'an intermediate certificate', { labels: CERTIFICATE_LABELS, code: 'ERR_RP_CERT_PATH_INVALID' }));
    path = validatePath({ certificate: parsed, anchors: anchors.map((a) => a.certificate), intermediates, time: c.time, policy: policy.oid });
  } catch (cause) {
    if (!(cause instanceof PathError)) throw cause instanceof RelyingPartyError ? cause : new RelyingPartyError('ERR_RP_CERT_PATH_INVALID', 'the path cannot be validated', { cause, serialNumber, kind });
    const code = PATH_CODES[cause.code] ?? (cause.code === 'ERR_PATH_CERTIFICATE_INVALID' && cause.depth === 0 ? 'ERR_RP_CERT_MALFORMED' : 'ERR_RP_CERT_PATH_INVALID');
    return fail(code, cause.message, { kind, cause });
  }
  const anchor = anchors.find((a) => a.certificate === path.anchor)!;
  return {
    kind,
    holder: kind.startsWith('card') ? 'card' : 'phone',
    parsed,
    info: {
      der: parsed.der,
      serialNumber,
      subject: parsed.subjectString,
      issuer: parsed.issuerString,
      notBefore: parsed.notBefore,
      notAfter: parsed.notAfter,
      fingerprint: fingerprintOf(parsed.der),
      policy: policy.oid,
      policyMode: policy.mode,
    },
    path,
    issuer: anchor.info,
    directIssuer: path.intermediates[0] ?? path.anchor,
  };
}

/**
 * The basic four information (name, address, birth date, sex, and the substitute-character maps) of
 * a signature certificate's subjectAltName (jpki-ap.md 5 item 7), read without any trust decision:
 * use it on a certificate that `verifySignedDocument` or `verifyCertificate` accepted. Undefined for a
 * certificate without it (a user-authentication certificate); ERR_RP_CERT_MALFORMED when it is broken.
 */
export function basicFourOf(certificate: BinaryInput | ParsedCertificate): BasicFour | undefined {
  const parsed = parseHolderCertificate(certificate);
  try {
    return decodeBasicFour(parsed.der);
  } catch (cause) {
    throw new RelyingPartyError('ERR_RP_CERT_MALFORMED', 'the basic four information does not decode', { cause, serialNumber: parsed.serialNumberHex });
  }
}
