/**
 * Certification path validation (RFC 5280 6.1) for relying parties: trust anchors checked once, paths
 * built from an end entity through optional intermediates to an anchor, and validated at a given time.
 * I/O-free: the time is a parameter.
 */
export { PathError, type PathErrorCode } from './errors.js';
export { validatePath, trustAnchor, rsaKeyOf, MIN_RSA_BITS, type PathValidationOptions, type ValidatedPath } from './validate.js';
export {
  basicConstraintsOf,
  keyUsageOf,
  subjectKeyIdentifierOf,
  authorityKeyIdentifierOf,
  extendedKeyUsageOf,
  type KeyUsageName,
} from './extensions.js';
