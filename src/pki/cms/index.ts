/**
 * CMS SignedData (RFC 5652) for JPKI signed documents: a strict reader of detached SignedData with one
 * signer, its verification (signature over the signed attributes, message digest of the content), and
 * a builder whose RSA signature comes from outside (a card or a phone signing a DigestInfo).
 * I/O-free: times and signatures are parameters.
 */
export { CmsError, type CmsErrorCode } from './errors.js';
export { CMS_OID } from './oids.js';
export { parseSignedData, MAX_CMS_BYTES, MAX_CERTIFICATES, type ParsedSignedData } from './signed-data.js';
export { MAX_ATTRIBUTES, type ParsedSignerInfo, type SignerIdentifier, type SignedAttribute } from './signer-info.js';
export { verifySignedData, findSignerCertificate, type SignedDataVerification } from './verify.js';
export { prepareSignedData, buildSignedData, type SignedDataParams, type PreparedSignedData, type DigestInfoSigner } from './build.js';
