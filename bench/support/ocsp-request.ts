/**
 * A minimal DER encoder for the OCSP requests the load client sends (RFC 6960 4.1.1): one CertID,
 * no nonce, no signature, no extensions, which is what a caching client sends and what both
 * responders can answer from what they have at hand.
 *
 *   OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest }
 *   TBSRequest  ::= SEQUENCE { requestList SEQUENCE OF Request }
 *   Request     ::= SEQUENCE { reqCert CertID }
 */
import { certIdFor, encodeCertId, type OcspHashAlgorithm } from '../../src/pki/revocation/index.js';

function derLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  if (n < 0x100) return Uint8Array.of(0x81, n);
  return Uint8Array.of(0x82, n >> 8, n & 0xff);
}

function sequence(content: Uint8Array): Uint8Array {
  const len = derLength(content.length);
  const out = new Uint8Array(1 + len.length + content.length);
  out[0] = 0x30;
  out.set(len, 1);
  out.set(content, 1 + len.length);
  return out;
}

/** DER of an OCSPRequest for the certificate `serial` (content octets) issued by `issuerCertificate`. */
export function ocspRequest(issuerCertificate: Uint8Array, serial: Uint8Array, hash: OcspHashAlgorithm = 'sha1'): Uint8Array {
  return sequence(sequence(sequence(sequence(encodeCertId(certIdFor(issuerCertificate, serial, hash))))));
}
