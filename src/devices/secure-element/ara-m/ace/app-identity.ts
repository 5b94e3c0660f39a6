import { createHash } from 'node:crypto';
import { AceError } from './errors.js';

/**
 * The hashes an application is known by (digest 4.4 step 2, [AOSP-SE] `AccessControlEnforcer`): "for
 * each signature of the calling package, both SHA-1 and SHA-256 of the certificate bytes are tried,
 * in that order, for every signature". `certificates` are the DER signing certificates in the order
 * the package manager lists them; the result is [SHA-1(c1), SHA-256(c1), SHA-1(c2), …].
 */
export function appCertificateHashes(certificates: readonly Uint8Array[]): Uint8Array[] {
  if (certificates.length === 0) throw new AceError('ERR_ACE_NO_CERTIFICATES', 'an application has at least one signing certificate');
  return certificates.flatMap((der) => [digest('sha1', der), digest('sha256', der)]);
}

function digest(algorithm: 'sha1' | 'sha256', data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(algorithm).update(data).digest());
}
