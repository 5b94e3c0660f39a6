import { JpkiMobileError } from '../../errors/index.js';

/**
 * Every way the CMS SignedData codec refuses its input (RFC 5652). The five DER shapes come first, as
 * in the revocation codecs; then what is well-formed but not what a detached JPKI signature is; then
 * what makes a signature wrong. A relying party turns these into its own answer (src/sdk).
 */
export type CmsErrorCode =
  // Broken DER (X.690 10.1): cut short, bad or non-minimal length, unexpected tag, bad value, bytes after the end.
  | 'ERR_CMS_DER_TRUNCATED'
  | 'ERR_CMS_DER_LENGTH'
  | 'ERR_CMS_DER_TAG'
  | 'ERR_CMS_DER_VALUE'
  | 'ERR_CMS_DER_TRAILING'
  /** More bytes, certificates or attributes than a signed document ever needs. */
  | 'ERR_CMS_TOO_LARGE'
  /** ContentInfo is not id-signedData, or the encapsulated content is not id-data. */
  | 'ERR_CMS_CONTENT_TYPE_UNSUPPORTED'
  /** A SignedData or SignerInfo version this reader does not know, or one that contradicts the sid. */
  | 'ERR_CMS_VERSION_UNSUPPORTED'
  /** The content is inside the SignedData (eContent present): only detached signatures are taken. */
  | 'ERR_CMS_NOT_DETACHED'
  /** Not exactly one SignerInfo. */
  | 'ERR_CMS_SIGNER_COUNT'
  /** A digest algorithm other than SHA-256, or a signature algorithm other than RSA PKCS#1 v1.5. */
  | 'ERR_CMS_ALGORITHM_UNSUPPORTED'
  /** A CertificateChoices that is not a plain X.509 certificate, or a certificate that does not parse. */
  | 'ERR_CMS_CERTIFICATE_INVALID'
  /** The SignerInfo has no signedAttrs (a signature over the bare content is not accepted). */
  | 'ERR_CMS_SIGNED_ATTRIBUTES_MISSING'
  /** contentType or messageDigest is absent from signedAttrs. */
  | 'ERR_CMS_ATTRIBUTE_MISSING'
  /** An attribute repeated, without exactly one value, or with a value of the wrong shape. */
  | 'ERR_CMS_ATTRIBUTE_INVALID'
  /** The contentType attribute differs from eContentType. */
  | 'ERR_CMS_CONTENT_TYPE_MISMATCH'
  /** No certificate in the SignedData matches the SignerInfo's sid. */
  | 'ERR_CMS_SIGNER_CERTIFICATE_MISSING'
  /** messageDigest is not the SHA-256 of the content given: the signature is over other data. */
  | 'ERR_CMS_MESSAGE_DIGEST_MISMATCH'
  /** The RSA signature over DER(signedAttrs) does not verify with the signer certificate's key. */
  | 'ERR_CMS_SIGNATURE_INVALID'
  /** Builder: parameters that cannot make a SignedData (not bytes, a time out of range, a bad certificate). */
  | 'ERR_CMS_PARAMS'
  /** Builder: the external signer returned something that is not a valid signature by the certificate's key. */
  | 'ERR_CMS_SIGNER_FAILED';

export class CmsError extends JpkiMobileError<CmsErrorCode> {}
