/**
 * What a relying party with a public mandate (the portal, the kiosk) may learn from the certification
 * service about a certificate and its holder. A user-authentication certificate carries no basic four
 * information (jpki-ap.md 5, rule 7): such a party maps the certificate's serial to the person the
 * municipal office registered, as the real Mynaportal and the convenience-store issuance service do
 * through J-LIS. The bank has no such mandate and reads the basic four from the signature certificate.
 */

export type DirectoryHierarchy = 'sign' | 'auth';
export type DirectoryStatus = 'good' | 'held' | 'revoked';

/** One certificate as the service records it (GET /api/v1/certificates/:serial). */
export interface DirectoryCertificate {
  readonly serial: string;
  readonly hierarchy: DirectoryHierarchy;
  readonly device: 'card' | 'phone';
  readonly personId: string;
  readonly status: DirectoryStatus;
  /** RFC 5280 CRLReason code when revoked or held (6). */
  readonly reason: number | null;
  readonly revokedAt: string | null;
  readonly notBefore: string;
  readonly notAfter: string;
  /** For a phone certificate: the card signature certificate that authorised it. */
  readonly linkedSerial: string | null;
}

/** A person and every certificate issued to them (GET /api/v1/persons/:personId). */
export interface DirectoryPerson {
  readonly personId: string;
  readonly name: string;
  readonly address: string;
  readonly birthDate: string;
  /** 1 male, 2 female, 3 not stated (the JPKI code of the basic four information). */
  readonly sex: number;
  readonly nameSubstituteMap: string | null;
  readonly addressSubstituteMap: string | null;
  readonly updatedAt: string;
  readonly certificates: readonly DirectoryCertificate[];
}

/** The port; `HttpJpkiDirectory` reaches the service's API with an operator token of role `relying-party`. */
export interface JpkiDirectory {
  /** `ERR_DIRECTORY_UNKNOWN` when the service has no certificate with this serial (uppercase hex). */
  certificate(serial: string): Promise<DirectoryCertificate>;
  person(personId: string): Promise<DirectoryPerson>;
}
