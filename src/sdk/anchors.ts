import { createHash } from 'node:crypto';
import { toHex } from '../bytes/index.js';
import { subjectKeyIdentifierOf, trustAnchor } from '../pki/path/index.js';
import type { ParsedCertificate } from '../pki/x509/index.js';
import { RelyingPartyError } from './errors.js';
import { bytesOf, CERTIFICATE_LABELS, type BinaryInput } from './input.js';

/**
 * The JPKI CAs a relying party trusts, per hierarchy: every live generation of the signature CA
 * (署名用) and of the user-authentication CA (利用者証明用), as the verifier checklist asks
 * (jpki-ap.md 3.1: "A verifier must accept every live CA generation"). A certificate is checked only
 * against the anchors of the hierarchy its use needs, so a signature CA never vouches for a login.
 */
export type TrustAnchorInput = BinaryInput | { readonly certificate: BinaryInput; readonly label?: string };

export interface TrustAnchorsInput {
  /** The signature CA generations: PEM or DER certificates. */
  readonly sign?: readonly TrustAnchorInput[];
  /** The user-authentication CA generations. */
  readonly auth?: readonly TrustAnchorInput[];
}

/** A trust anchor as results report it: which CA generation vouched for the certificate. */
export interface IssuerInfo {
  readonly hierarchy: 'sign' | 'auth';
  /** The label given in the configuration, if any (e.g. `sign-2023`). */
  readonly label?: string;
  /** RFC 4514 subject. */
  readonly subject: string;
  /** subjectKeyIdentifier in uppercase hex: tells generations that share a name apart. */
  readonly keyIdentifier: string;
  /** SHA-256 of the certificate DER, uppercase hex (what `openssl x509 -fingerprint -sha256` prints, without colons). */
  readonly fingerprint: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface LoadedAnchor {
  readonly certificate: ParsedCertificate;
  readonly info: IssuerInfo;
}

export function fingerprintOf(der: Uint8Array): string {
  return toHex(new Uint8Array(createHash('sha256').update(der).digest()));
}

function loadOne(input: TrustAnchorInput, hierarchy: 'sign' | 'auth', index: number): LoadedAnchor {
  const entry = typeof input === 'string' || input instanceof Uint8Array ? { certificate: input } : input;
  if (entry === null || typeof entry !== 'object') throw new RelyingPartyError('ERR_RP_CONFIG', `trustAnchors.${hierarchy}[${index}] is not a certificate`);
  const what = `trustAnchors.${hierarchy}[${index}]`;
  let certificate: ParsedCertificate;
  try {
    certificate = trustAnchor(bytesOf(entry.certificate, what, { labels: CERTIFICATE_LABELS, code: 'ERR_RP_CONFIG' }));
  } catch (cause) {
    if (cause instanceof RelyingPartyError) throw cause;
    throw new RelyingPartyError('ERR_RP_CONFIG', `${what} is not a usable CA certificate`, { cause });
  }
  const ski = subjectKeyIdentifierOf(certificate);
  return {
    certificate,
    info: {
      hierarchy,
      ...(entry.label === undefined ? {} : { label: String(entry.label) }),
      subject: certificate.subjectString,
      keyIdentifier: ski === undefined ? '' : toHex(ski),
      fingerprint: fingerprintOf(certificate.der),
      notBefore: certificate.notBefore,
      notAfter: certificate.notAfter,
    },
  };
}

/** Loads and checks every anchor (a CA certificate with keyCertSign and a valid self-signature); ERR_RP_CONFIG otherwise. */
export function loadTrustAnchors(input: TrustAnchorsInput | undefined): Readonly<Record<'sign' | 'auth', readonly LoadedAnchor[]>> {
  if (input === null || typeof input !== 'object') throw new RelyingPartyError('ERR_RP_CONFIG', 'trustAnchors must be { sign: [...], auth: [...] }');
  const out = { sign: [] as LoadedAnchor[], auth: [] as LoadedAnchor[] };
  for (const hierarchy of ['sign', 'auth'] as const) {
    const list = input[hierarchy] ?? [];
    if (!Array.isArray(list)) throw new RelyingPartyError('ERR_RP_CONFIG', `trustAnchors.${hierarchy} must be an array`);
    list.forEach((a, i) => out[hierarchy].push(loadOne(a, hierarchy, i)));
  }
  if (out.sign.length + out.auth.length === 0) throw new RelyingPartyError('ERR_RP_CONFIG', 'no trust anchor is configured');
  return out;
}
