import { JpkiMobileError } from '../../errors/index.js';

/**
 * Every way a certification path is refused (RFC 5280 6.1). `depth` says which certificate: 0 the end
 * entity, then each issuer up to the trust anchor.
 */
export type PathErrorCode =
  /** The parameters are not what validatePath takes (not bytes, an invalid time). */
  | 'ERR_PATH_PARAMS'
  /** A certificate of the path does not parse, or one of its extensions does not decode. */
  | 'ERR_PATH_CERTIFICATE_INVALID'
  /** A configured trust anchor is not a CA certificate (basicConstraints cA, keyCertSign, its own signature). */
  | 'ERR_PATH_ANCHOR_INVALID'
  /** No trust anchor or intermediate has the issuer's name and key identifier: a chain to an unknown anchor. */
  | 'ERR_PATH_ISSUER_UNKNOWN'
  /** A certificate's signature does not verify with its issuer's key. */
  | 'ERR_PATH_SIGNATURE_INVALID'
  /** A signature algorithm other than sha256/384/512WithRSAEncryption, or a key that is not RSA of 2048 bits or more. */
  | 'ERR_PATH_ALGORITHM_UNSUPPORTED'
  /** The time is after a certificate's notAfter. */
  | 'ERR_PATH_EXPIRED'
  /** The time is before a certificate's notBefore. */
  | 'ERR_PATH_NOT_YET_VALID'
  /** An issuer is not a CA: no basicConstraints cA, or a keyUsage without keyCertSign. */
  | 'ERR_PATH_NOT_CA'
  /** More intermediates than allowed, or a pathLenConstraint exceeded. */
  | 'ERR_PATH_LENGTH'
  /** A critical extension this validator does not process (RFC 5280 4.2: the certificate MUST be rejected). */
  | 'ERR_PATH_CRITICAL_EXTENSION'
  /** An intermediate CA does not assert the end entity's policy (nor anyPolicy). */
  | 'ERR_PATH_POLICY';

export class PathError extends JpkiMobileError<PathErrorCode> {
  /** Which certificate failed: 0 the end entity, 1 its issuer, and so on (undefined when none in particular). */
  readonly depth: number | undefined;

  constructor(code: PathErrorCode, message: string, options?: { cause?: unknown; depth?: number }) {
    super(code, message, options);
    this.depth = options?.depth;
  }
}
