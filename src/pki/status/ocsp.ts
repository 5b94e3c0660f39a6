import { Buffer } from 'node:buffer';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { bytesEqual, fromHex } from '../../bytes/index.js';
import { extendedKeyUsageOf, keyUsageOf } from '../path/index.js';
import {
  certIdFor,
  parseOcspResponse,
  subjectPublicKeyOf,
  verifyOcspResponseSignature,
  type CertId,
  type ParsedOcspResponse,
  type ResponderId,
} from '../revocation/index.js';
import { OID_KP_OCSP_SIGNING, OID_OCSP_NOCHECK, extensionOf, parseCertificate, type ParsedCertificate } from '../x509/index.js';
import { DEFAULT_CLOCK_SKEW_MS, type StatusAnswer } from './answer.js';
import { StatusError } from './errors.js';

/*
 * RFC 6960 3.2, what a client checks before it accepts a response:
 *   "1. The certificate identified in a received response corresponds to the certificate that was
 *       identified in the corresponding request;
 *    2. The signature on the response is valid;
 *    3. The identity of the signer matches the intended recipient of the request;
 *    4. The signer is currently authorized to provide a response for the certificate in question;
 *    5. The time at which the status being indicated is known to be correct (thisUpdate) is
 *       sufficiently recent;
 *    6. When available, the time at or before which newer information will be available about the
 *       status of the certificate (nextUpdate) is greater than the current time."
 * 4.2.2.2: the signer is the CA itself, or holds a certificate issued directly by the CA with
 * id-kp-OCSPSigning. A delegated responder must carry id-pkix-ocsp-nocheck here (4.2.2.2.1): its own
 * status is not looked up, which only that extension makes safe.
 */

export interface OcspEvaluation {
  /** DER of the OCSPResponse. */
  readonly response: Uint8Array;
  /** The CertID that was asked about (`ocspCertId`). */
  readonly certId: CertId;
  /** The certificate's issuer: the CA that signs the response or certifies its responder. */
  readonly issuer: ParsedCertificate;
  readonly time: Date;
  /** The nonce extnValue the request carried (`EncodedOcspRequest.nonceExtnValue`); the response must echo it. */
  readonly nonce?: Uint8Array;
  /** Oldest acceptable thisUpdate when the response has no nextUpdate. */
  readonly maxAgeMs: number;
  readonly clockSkewMs?: number;
}

/** The CertID of a certificate (its issuer's name and key hashes, its serial). */
export function ocspCertId(certificate: ParsedCertificate, issuer: ParsedCertificate, hashAlgorithm: 'sha1' | 'sha256' = 'sha1'): CertId {
  return certIdFor(issuer.der, fromHex(certificate.serialNumberHex), hashAlgorithm);
}

function fail(code: ConstructorParameters<typeof StatusError>[0], message: string, cause?: unknown): never {
  throw new StatusError(code, message, cause === undefined ? undefined : { cause });
}

function keyHash(spki: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha1').update(subjectPublicKeyOf(spki)).digest());
}

function matchesResponderId(id: ResponderId | undefined, cert: ParsedCertificate): boolean {
  if (id === undefined) return false;
  return id.kind === 'byKey' ? bytesEqual(id.keyHash, keyHash(cert.subjectPublicKeyInfo)) : bytesEqual(id.name, cert.subject);
}

/** 4.2.2.2: a certificate the CA issued to a responder: issued and signed by `issuer`, OCSPSigning, nocheck, valid now. */
function authorisedResponder(cert: ParsedCertificate, issuer: ParsedCertificate, time: Date, skew: number): boolean {
  if (!bytesEqual(cert.issuer, issuer.subject)) return false;
  const key = createPublicKey({ key: Buffer.from(issuer.subjectPublicKeyInfo), format: 'der', type: 'spki' });
  if (cert.signatureAlgorithm !== '1.2.840.113549.1.1.11' || !verify('sha256', cert.tbsDer, key, cert.signatureValue)) return false;
  if (time.getTime() + skew < cert.notBefore.getTime() || time.getTime() - skew > cert.notAfter.getTime()) return false;
  const eku = extendedKeyUsageOf(cert);
  const ku = keyUsageOf(cert);
  return eku !== undefined && eku.includes(OID_KP_OCSP_SIGNING) && (ku === undefined || ku.has('digitalSignature')) && extensionOf(cert, OID_OCSP_NOCHECK) !== undefined;
}

/** The key that signed the response: the CA's own, or an authorised responder's from `certs`. */
function responderOf(parsed: ParsedOcspResponse, issuer: ParsedCertificate, time: Date, skew: number): ParsedCertificate {
  if (matchesResponderId(parsed.responderId, issuer)) return issuer;
  for (const der of parsed.certs) {
    let cert: ParsedCertificate;
    try {
      cert = parseCertificate(der);
    } catch {
      continue;
    }
    if (matchesResponderId(parsed.responderId, cert) && authorisedResponder(cert, issuer, time, skew)) return cert;
  }
  return fail('ERR_STATUS_OCSP_RESPONDER_UNAUTHORIZED', 'the response is signed neither by the CA nor by a responder it authorised');
}

function sameCertId(a: CertId, b: CertId): boolean {
  return a.hashAlgorithm === b.hashAlgorithm && bytesEqual(a.issuerNameHash, b.issuerNameHash) && bytesEqual(a.issuerKeyHash, b.issuerKeyHash) && bytesEqual(a.serialNumber, b.serialNumber);
}

/** Checks a response against RFC 6960 3.2 and returns what it says; `StatusError` when it cannot be used. */
export function evaluateOcspResponse(e: OcspEvaluation): StatusAnswer {
  if (!(e.response instanceof Uint8Array) || !(e.time instanceof Date)) fail('ERR_STATUS_PARAMS', 'response must be bytes and time a Date');
  const skew = e.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
  let parsed: ParsedOcspResponse;
  try {
    parsed = parseOcspResponse(e.response);
  } catch (cause) {
    return fail('ERR_STATUS_OCSP_MALFORMED', 'the OCSP response does not decode', cause);
  }
  if (parsed.status !== 'successful') fail('ERR_STATUS_OCSP_RESPONSE_STATUS', `the responder answered ${parsed.status}`);
  const responder = responderOf(parsed, e.issuer, e.time, skew);
  let signed: boolean;
  try {
    signed = verifyOcspResponseSignature(parsed, responder.subjectPublicKeyInfo);
  } catch (cause) {
    return fail('ERR_STATUS_OCSP_SIGNATURE', 'the response signature algorithm is not supported', cause);
  }
  if (!signed) fail('ERR_STATUS_OCSP_SIGNATURE', "the response signature does not verify with the responder's key");
  if (e.nonce !== undefined && (parsed.nonce === undefined || !bytesEqual(parsed.nonce, e.nonce))) {
    fail('ERR_STATUS_OCSP_NONCE_MISMATCH', 'the response does not echo the request nonce');
  }
  const single = parsed.responses.find((r) => sameCertId(r.certId, e.certId));
  if (single === undefined) fail('ERR_STATUS_OCSP_CERT_ID_MISMATCH', 'no SingleResponse for the certificate asked about');
  const now = e.time.getTime();
  if (single.thisUpdate.getTime() > now + skew) fail('ERR_STATUS_OCSP_STALE', 'thisUpdate is in the future');
  if (single.nextUpdate !== undefined && single.nextUpdate.getTime() < now - skew) fail('ERR_STATUS_OCSP_STALE', 'nextUpdate has passed');
  if (single.nextUpdate === undefined && single.thisUpdate.getTime() < now - e.maxAgeMs) fail('ERR_STATUS_OCSP_STALE', 'thisUpdate is older than the max age');
  const times = { thisUpdate: single.thisUpdate, ...(single.nextUpdate === undefined ? {} : { nextUpdate: single.nextUpdate }) };
  const s = single.status;
  if (s.kind === 'good') return { status: 'good', ...times };
  if (s.kind === 'unknown') return { status: 'unknown', ...times };
  return { status: 'revoked', revokedAt: s.revocationTime, ...(s.reason === undefined ? {} : { reason: s.reason }), ...times };
}
