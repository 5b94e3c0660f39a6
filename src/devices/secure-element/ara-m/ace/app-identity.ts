import { createHash } from 'node:crypto';

/**
 * The hashes an application is known by (digest 4.4 step 2, [AOSP-SE] `AccessControlEnforcer`): "for
 * each signature of the calling package, both SHA-1 and SHA-256 of the certificate bytes are tried,
 * in that order, for every signature". `certificates` are the DER signing certificates in the order
 * the package manager lists them; the result is [SHA-1(c1), SHA-256(c1), SHA-1(c2), …], the two
 * Hash-REF-DO lengths (20 and 32 bytes, digest 4.2). No certificate gives no hash: a privileged
 * system component may have none, and the rule search refuses an empty list
 * (`ERR_ACE_NO_CERTIFICATES`).
 */
export function appCertificateHashes(certificates: readonly Uint8Array[]): Uint8Array[] {
  return certificates.flatMap((der) => [digest('sha1', der), digest('sha256', der)]);
}

function digest(algorithm: 'sha1' | 'sha256', data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(algorithm).update(data).digest());
}
