import { createHash } from 'node:crypto';

/**
 * Who calls the OMAPI: an installed application, known to the OS by its package name and the DER
 * certificates it is signed with (Android `PackageInfo.signatures`). The OS, not the app, says who the
 * caller is: a `Phone` builds this from its package registry.
 */
export interface AppIdentity {
  readonly packageName: string;
  /** DER X.509 certificates, in the order the package lists them. */
  readonly signingCertificates: readonly Uint8Array[];
}

/**
 * The caller as the access-control seam sees it: the package name, the certificate hashes the ARA
 * rules are written against, and whether the OS granted it the privileged permission
 * (`SECURE_ELEMENT_PRIVILEGED_OPERATION`, given to system apps only).
 */
export interface CallerCredentials {
  readonly packageName: string;
  /** `certificateHashes` of the signing certificates. */
  readonly hashes: readonly Uint8Array[];
  readonly privileged: boolean;
}

/** SHA-1 (20 bytes) and SHA-256 (32 bytes) of one DER certificate: the two Hash-REF-DO lengths (gp-scp03.md 4.2). */
export function certificateHash(der: Uint8Array): { readonly sha1: Uint8Array; readonly sha256: Uint8Array } {
  return {
    sha1: new Uint8Array(createHash('sha1').update(der).digest()),
    sha256: new Uint8Array(createHash('sha256').update(der).digest()),
  };
}

/**
 * The hashes a rule engine tries, in the enforcer's order (gp-scp03.md 4.4 step 2, [AOSP-SE]
 * `AccessRuleCache.findAccessRule`): for each signing certificate, its SHA-1 then its SHA-256.
 */
export function certificateHashes(certificates: readonly Uint8Array[]): Uint8Array[] {
  return certificates.flatMap((der) => {
    const h = certificateHash(der);
    return [h.sha1, h.sha256];
  });
}

export function credentialsOf(identity: AppIdentity, privileged: boolean): CallerCredentials {
  return { packageName: identity.packageName, hashes: certificateHashes(identity.signingCertificates), privileged };
}
