import { Certificate, TBSCertificate } from '@peculiar/asn1-x509';
import { toHex } from '../../bytes/index.js';
import { decodeDer, toDer } from './der.js';
import { CertificateError } from './errors.js';
import { dnOf, nameToString, type Dn } from './names.js';

export interface ParsedExtension {
  readonly oid: string;
  readonly critical: boolean;
  /** extnValue contents: the DER of the extension's own value. */
  readonly value: Uint8Array;
}

/** The fields of a certificate that callers need, with the decoded objects for the rest. */
export interface ParsedCertificate {
  readonly der: Uint8Array;
  /** The exact signed bytes. */
  readonly tbsDer: Uint8Array;
  readonly version: number;
  /** Serial number content octets in uppercase hex (`067C6A21`). */
  readonly serialNumberHex: string;
  /** DER of the subject and issuer names (compare these bytes to chain). */
  readonly subject: Uint8Array;
  readonly issuer: Uint8Array;
  /** RFC 4514 strings. */
  readonly subjectString: string;
  readonly issuerString: string;
  /** The RDNs, when every RDN is one known attribute. */
  readonly subjectDn: Dn | undefined;
  readonly issuerDn: Dn | undefined;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly subjectPublicKeyInfo: Uint8Array;
  readonly extensions: readonly ParsedExtension[];
  readonly signatureAlgorithm: string;
  readonly signatureValue: Uint8Array;
  readonly certificate: Certificate;
  readonly tbsCertificate: TBSCertificate;
}

/** A DER Certificate, strictly decoded: `ERR_CERT_DER` for anything that is not exactly one. */
export function decodeCertificate(der: Uint8Array): Certificate {
  return decodeDer(der, Certificate, 'Certificate');
}

/** A DER TBSCertificate, strictly decoded. */
export function decodeTbsCertificate(der: Uint8Array): TBSCertificate {
  return decodeDer(der, TBSCertificate, 'TBSCertificate');
}

/**
 * RFC 5280 4.1:
 *
 *     Certificate  ::=  SEQUENCE  {
 *          tbsCertificate       TBSCertificate,
 *          signatureAlgorithm   AlgorithmIdentifier,
 *          signatureValue       BIT STRING  }
 *
 * Parses a DER certificate; every malformed input, whatever the shape, is `ERR_CERT_DER`.
 */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  if (!(der instanceof Uint8Array)) throw new CertificateError('ERR_CERT_DER', 'a certificate must be bytes');
  const certificate = decodeCertificate(der);
  try {
    const tbs = certificate.tbsCertificate;
    const time = (t: { getTime(): Date }): Date => t.getTime();
    return {
      der: der.slice(),
      tbsDer: certificate.tbsCertificateRaw !== undefined ? new Uint8Array(certificate.tbsCertificateRaw) : toDer(tbs),
      version: tbs.version + 1,
      serialNumberHex: toHex(new Uint8Array(tbs.serialNumber)),
      subject: toDer(tbs.subject),
      issuer: toDer(tbs.issuer),
      subjectString: nameToString(tbs.subject),
      issuerString: nameToString(tbs.issuer),
      subjectDn: dnOf(tbs.subject),
      issuerDn: dnOf(tbs.issuer),
      notBefore: time(tbs.validity.notBefore),
      notAfter: time(tbs.validity.notAfter),
      subjectPublicKeyInfo: toDer(tbs.subjectPublicKeyInfo),
      extensions: Array.from(tbs.extensions ?? [], (e) => ({ oid: e.extnID, critical: e.critical, value: new Uint8Array(e.extnValue.buffer) })),
      signatureAlgorithm: certificate.signatureAlgorithm.algorithm,
      signatureValue: new Uint8Array(certificate.signatureValue),
      certificate,
      tbsCertificate: tbs,
    };
  } catch (cause) {
    throw new CertificateError('ERR_CERT_DER', 'certificate fields do not decode', { cause });
  }
}

/** The value of the one extension with `oid`, undefined when absent (`ERR_CERT_DER` when repeated). */
export function extensionOf(parsed: ParsedCertificate, oid: string): ParsedExtension | undefined {
  const found = parsed.extensions.filter((e) => e.oid === oid);
  if (found.length > 1) throw new CertificateError('ERR_CERT_DER', `extension ${oid} appears more than once`);
  return found[0];
}
