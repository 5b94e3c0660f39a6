import { classifyPolicy, type PolicyKind, type PolicyMode } from '../pki/x509/index.js';

/**
 * The four JPKI end-entity certificates, told apart by their certificatePolicies OID (src/pki/x509
 * oids.ts, docs/services/jpki.md): card or phone, signature (署名用) or user authentication (利用者証明用).
 */
export type CertificateKind = PolicyKind;
export type AuthenticationKind = 'card-auth' | 'phone-auth';
export type SignatureKind = 'card-sign' | 'phone-sign';
/** `production` accepts production policies only; `test` accepts test and production policies. */
export type RelyingPartyMode = PolicyMode;

export const AUTHENTICATION_KINDS: readonly AuthenticationKind[] = ['card-auth', 'phone-auth'];
export const SIGNATURE_KINDS: readonly SignatureKind[] = ['card-sign', 'phone-sign'];

/** What a use of a certificate needs: its hierarchy (which anchors), the kinds it may be, the key usage bits. */
export interface UseProfile {
  readonly hierarchy: 'sign' | 'auth';
  readonly kinds: readonly CertificateKind[];
  /** RFC 5280 4.2.1.3 bits the certificate must assert (jpki-ap.md 5 item 3). */
  readonly keyUsage: readonly ('digitalSignature' | 'nonRepudiation')[];
}

export const USES = {
  login: { hierarchy: 'auth', kinds: AUTHENTICATION_KINDS, keyUsage: ['digitalSignature'] },
  signing: { hierarchy: 'sign', kinds: SIGNATURE_KINDS, keyUsage: ['digitalSignature', 'nonRepudiation'] },
} as const satisfies Record<string, UseProfile>;

export type CertificateUse = keyof typeof USES;

/** The policy OIDs a certificate carries, read as JPKI kinds: every one this system knows, with its mode. */
export function jpkiPolicies(oids: readonly string[]): { oid: string; kind: CertificateKind; mode: PolicyMode }[] {
  const out: { oid: string; kind: CertificateKind; mode: PolicyMode }[] = [];
  for (const oid of oids) {
    const c = classifyPolicy(oid);
    if (c !== undefined) out.push({ oid, ...c });
  }
  return out;
}
