// The JPKI application from the host's side, over any ApduTransport.
export { JpkiApClient, encodeSecret } from './client.js';
export { CERTIFICATE_EF, JPKI_AID, KEY_EF, MAX_TRIES, SECRET_EF, TOKEN_INFO_EF, type CertificateName, type KeyName, type SecretName } from './constants.js';
export { sha256DigestInfo } from './digest-info.js';
export { JpkiApError, type JpkiApErrorCode } from './errors.js';
