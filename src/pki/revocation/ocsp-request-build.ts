import type { CertId } from './cert-id.js';
import { extension, OID, TAG, tlv } from './der-writer.js';
import { RevocationError } from './errors.js';
import { MAX_NONCE_LENGTH, MAX_REQUESTS } from './ocsp-request.js';
import { encodeCertId } from './ocsp-response.js';

/*
 * The client side of RFC 6960 4.1.1 (ASN.1 in ocsp-request.ts): an unsigned OCSPRequest, version
 * left at its DEFAULT (omitted, X.690 11.5), one Request per CertID, and optionally the nonce
 * extension in the RFC 9654 form: extnValue is the DER of `Nonce ::= OCTET STRING`.
 */

export interface OcspRequestOptions {
  /** The nonce octets (1 to 128, RFC 9654 2.1; 32 recommended). */
  readonly nonce?: Uint8Array;
}

export interface EncodedOcspRequest {
  readonly der: Uint8Array;
  /** The nonce extension's extnValue contents, as a response must echo them; undefined without a nonce. */
  readonly nonceExtnValue?: Uint8Array;
}

/** DER of an OCSPRequest for `certIds` (1 to MAX_REQUESTS). */
export function encodeOcspRequest(certIds: readonly CertId[], options: OcspRequestOptions = {}): EncodedOcspRequest {
  if (certIds.length === 0) throw new RevocationError('ERR_OCSP_NO_REQUESTS', 'an OCSPRequest needs at least one CertID');
  if (certIds.length > MAX_REQUESTS) throw new RevocationError('ERR_OCSP_TOO_MANY_REQUESTS', `more than ${MAX_REQUESTS} CertIDs`);
  const requests = certIds.map((id) => tlv(TAG.SEQUENCE, encodeCertId(id)));
  const tbs = [tlv(TAG.SEQUENCE, ...requests)];
  let nonceExtnValue: Uint8Array | undefined;
  if (options.nonce !== undefined) {
    const n = options.nonce;
    if (!(n instanceof Uint8Array) || n.length === 0) throw new RevocationError('ERR_OCSP_NONCE_EMPTY', 'a nonce of 0 octets');
    if (n.length > MAX_NONCE_LENGTH) throw new RevocationError('ERR_OCSP_NONCE_TOO_LONG', `a nonce of ${n.length} octets (at most ${MAX_NONCE_LENGTH})`);
    nonceExtnValue = tlv(TAG.OCTET_STRING, n);
    tbs.push(tlv(TAG.CONTEXT_2, tlv(TAG.SEQUENCE, extension(OID.ocspNonce, nonceExtnValue))));
  }
  const der = tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, ...tbs));
  return nonceExtnValue === undefined ? { der } : { der, nonceExtnValue };
}
