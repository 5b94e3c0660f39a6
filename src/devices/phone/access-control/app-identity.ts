import { appCertificateHashes } from '../../secure-element/ara-m/ace/index.js';

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
  /** `appCertificateHashes` of the signing certificates: SHA-1 then SHA-256 of each (gp-scp03.md 4.4 step 2). */
  readonly hashes: readonly Uint8Array[];
  readonly privileged: boolean;
}

/** The hashes the rule engine tries, in the enforcer's order: the ARA-M module's `appCertificateHashes`. */
export const certificateHashes: (certificates: readonly Uint8Array[]) => Uint8Array[] = appCertificateHashes;

export function credentialsOf(identity: AppIdentity, privileged: boolean): CallerCredentials {
  return { packageName: identity.packageName, hashes: appCertificateHashes(identity.signingCertificates), privileged };
}
