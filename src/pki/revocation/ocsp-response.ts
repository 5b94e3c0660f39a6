import type { Signer } from '../signer.js';
import { certIdKey, HASH_LENGTH, type CertId } from './cert-id.js';
import { DerReader, OCSP_DER } from './der-reader.js';
import { extension, isMinimalInteger, OID, SHA256_WITH_RSA, TAG, tlv } from './der-writer.js';
import { RevocationError } from './errors.js';
import { OCSP_RESPONSE_STATUS } from './ocsp-status.js';
import { isCrlReasonCode } from './reasons.js';
import { encodeTime, timeMs } from './time.js';

/*
 * RFC 6960 4.2.1:
 *
 *   OCSPResponse ::= SEQUENCE {
 *      responseStatus         OCSPResponseStatus,
 *      responseBytes          [0] EXPLICIT ResponseBytes OPTIONAL }
 *   ResponseBytes ::=       SEQUENCE {
 *       responseType   OBJECT IDENTIFIER,
 *       response       OCTET STRING }
 *   BasicOCSPResponse       ::= SEQUENCE {
 *      tbsResponseData      ResponseData,
 *      signatureAlgorithm   AlgorithmIdentifier,
 *      signature            BIT STRING,
 *      certs            [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
 *   ResponseData ::= SEQUENCE {
 *      version              [0] EXPLICIT Version DEFAULT v1,
 *      responderID              ResponderID,
 *      producedAt               GeneralizedTime,
 *      responses                SEQUENCE OF SingleResponse,
 *      responseExtensions   [1] EXPLICIT Extensions OPTIONAL }
 *   ResponderID ::= CHOICE {
 *      byName   [1] Name,
 *      byKey    [2] KeyHash }
 *   SingleResponse ::= SEQUENCE {
 *      certID                       CertID,
 *      certStatus                   CertStatus,
 *      thisUpdate                   GeneralizedTime,
 *      nextUpdate         [0]       EXPLICIT GeneralizedTime OPTIONAL,
 *      singleExtensions   [1]       EXPLICIT Extensions OPTIONAL }
 *   CertStatus ::= CHOICE {
 *       good        [0]     IMPLICIT NULL,
 *       revoked     [1]     IMPLICIT RevokedInfo,
 *       unknown     [2]     IMPLICIT UnknownInfo }
 *   RevokedInfo ::= SEQUENCE {
 *       revocationTime              GeneralizedTime,
 *       revocationReason    [0]     EXPLICIT CRLReason OPTIONAL }
 *
 * (The OCSP module is EXPLICIT TAGS, so ResponderID's [1] and [2] wrap a Name and an OCTET STRING.)
 */

export type OcspCertStatus =
  | { readonly kind: 'good' }
  | { readonly kind: 'revoked'; readonly revocationTime: Date; readonly reason?: number }
  | { readonly kind: 'unknown' };

export interface OcspSingleResponse {
  /** The CertID as parsed from the request (or from `certIdFor`), echoed with its hash algorithm. */
  readonly certId: CertId;
  readonly status: OcspCertStatus;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
}

/** A SingleResponse already in DER (`encodeSingleResponse`), to sign into many responses. */
export interface EncodedSingleResponse {
  readonly der: Uint8Array;
}

export interface OcspResponseParams {
  /** DER of the delegated responder's certificate, sent in `certs`; omit when the CA signs itself. */
  readonly responderCertificate?: Uint8Array;
  /** ResponderID byKey: SHA-1 of the responder's subjectPublicKey bits (`responderKeyHash`). */
  readonly responderKeyHash: Uint8Array;
  readonly producedAt: Date;
  readonly responses: readonly (OcspSingleResponse | EncodedSingleResponse)[];
  /** The request's nonce extnValue contents (`ParsedOcspRequest.nonce`), echoed byte for byte. */
  readonly nonce?: Uint8Array;
  readonly signer: Signer;
}

const HASH_OID = { sha1: OID.sha1, sha256: OID.sha256 } as const;
const NULL = Uint8Array.of(TAG.NULL, 0);
const GOOD = Uint8Array.of(TAG.CONTEXT_PRIMITIVE_0, 0);
const UNKNOWN = Uint8Array.of(TAG.CONTEXT_PRIMITIVE_2, 0);

/** DER of a CertID, with the AlgorithmIdentifier in the form the client used. */
export function encodeCertId(id: CertId): Uint8Array {
  const length = HASH_LENGTH[id.hashAlgorithm];
  if (length === undefined || id.issuerNameHash?.length !== length || id.issuerKeyHash?.length !== length) {
    throw new RevocationError('ERR_OCSP_CERT_ID_INVALID', 'CertID hashes do not match its hash algorithm');
  }
  if (!(id.serialNumber instanceof Uint8Array) || !isMinimalInteger(id.serialNumber)) {
    throw new RevocationError('ERR_OCSP_CERT_ID_INVALID', 'CertID serialNumber is not minimal INTEGER content');
  }
  const algorithm = tlv(TAG.OID, HASH_OID[id.hashAlgorithm]);
  return tlv(
    TAG.SEQUENCE,
    id.hashParameters === 'absent' ? tlv(TAG.SEQUENCE, algorithm) : tlv(TAG.SEQUENCE, algorithm, NULL),
    tlv(TAG.OCTET_STRING, id.issuerNameHash),
    tlv(TAG.OCTET_STRING, id.issuerKeyHash),
    tlv(TAG.INTEGER, id.serialNumber),
  );
}

/** DER of one SingleResponse, built once and reused in every response that carries it. */
export function encodeSingleResponse(r: OcspSingleResponse): EncodedSingleResponse {
  const thisUpdate = timeMs(r.thisUpdate, 'ERR_OCSP_TIME_RANGE', 'thisUpdate');
  const parts = [encodeCertId(r.certId), encodeStatus(r.status), generalizedTime(r.thisUpdate, 'thisUpdate')];
  if (r.nextUpdate !== undefined) {
    if (timeMs(r.nextUpdate, 'ERR_OCSP_TIME_RANGE', 'nextUpdate') < thisUpdate) {
      throw new RevocationError('ERR_OCSP_TIME_RANGE', 'nextUpdate is before thisUpdate');
    }
    parts.push(tlv(TAG.CONTEXT_0, generalizedTime(r.nextUpdate, 'nextUpdate')));
  }
  return { der: tlv(TAG.SEQUENCE, ...parts) };
}

function encodeStatus(status: OcspCertStatus): Uint8Array {
  switch (status?.kind) {
    case 'good':
      return GOOD;
    case 'unknown':
      return UNKNOWN;
    case 'revoked': {
      const time = generalizedTime(status.revocationTime, 'revocationTime');
      if (status.reason === undefined) return tlv(TAG.CONTEXT_1, time);
      // RFC 5280 5.3.1: removeFromCRL only undoes a hold in a delta CRL; it is no revocation reason.
      if (!isCrlReasonCode(status.reason) || status.reason === 8) {
        throw new RevocationError('ERR_OCSP_REASON_INVALID', `${status.reason} is not a revocation reason`);
      }
      return tlv(TAG.CONTEXT_1, time, tlv(TAG.CONTEXT_0, Uint8Array.of(TAG.ENUMERATED, 1, status.reason)));
    }
    default:
      throw new RevocationError('ERR_OCSP_CERT_STATUS_INVALID', 'certStatus kind is not good, revoked or unknown');
  }
}

/** RFC 6960 4.2.2.1 / RFC 5280 4.1.2.5.2: GeneralizedTime, YYYYMMDDHHMMSSZ. */
function generalizedTime(date: Date, what: string): Uint8Array {
  return encodeTime(date, true, 'ERR_OCSP_TIME_RANGE', what);
}

/**
 * A successful OCSPResponse carrying a BasicOCSPResponse signed with sha256WithRSAEncryption by
 * `signer`: the delegated responder's key (RFC 6960 4.2.2.2), or the CA's own.
 */
export function buildOcspResponse(p: OcspResponseParams): Uint8Array {
  if (!(p.responderKeyHash instanceof Uint8Array) || p.responderKeyHash.length !== 20) {
    throw new RevocationError('ERR_OCSP_KEY_HASH_LENGTH', 'responderKeyHash must be the 20-byte SHA-1 KeyHash');
  }
  if (p.responses.length === 0) throw new RevocationError('ERR_OCSP_NO_RESPONSES', 'a BasicOCSPResponse needs at least one SingleResponse');
  const singles = p.responses.map((r) => ('der' in r ? r.der : encodeSingleResponse(r).der));
  const data = [
    tlv(TAG.CONTEXT_2, tlv(TAG.OCTET_STRING, p.responderKeyHash)),
    generalizedTime(p.producedAt, 'producedAt'),
    tlv(TAG.SEQUENCE, ...singles),
  ];
  // RFC 8954 2.1: "in responses, it would be included as one of the responseExtensions".
  if (p.nonce !== undefined) data.push(tlv(TAG.CONTEXT_1, tlv(TAG.SEQUENCE, extension(OID.ocspNonce, p.nonce))));
  const responseData = tlv(TAG.SEQUENCE, ...data);
  const signature = p.signer.sign(responseData);
  const basic = [responseData, SHA256_WITH_RSA, tlv(TAG.BIT_STRING, Uint8Array.of(0), signature)];
  if (p.responderCertificate !== undefined) {
    checkCertificate(p.responderCertificate);
    basic.push(tlv(TAG.CONTEXT_0, tlv(TAG.SEQUENCE, p.responderCertificate)));
  }
  const responseBytes = tlv(TAG.SEQUENCE, tlv(TAG.OID, OID.ocspBasic), tlv(TAG.OCTET_STRING, tlv(TAG.SEQUENCE, ...basic)));
  return tlv(TAG.SEQUENCE, Uint8Array.of(TAG.ENUMERATED, 1, OCSP_RESPONSE_STATUS.successful), tlv(TAG.CONTEXT_0, responseBytes));
}

function checkCertificate(der: Uint8Array): void {
  try {
    const r = new DerReader(der, OCSP_DER);
    r.expect(TAG.SEQUENCE, 'Certificate');
    r.finish('Certificate');
  } catch (cause) {
    throw new RevocationError('ERR_OCSP_CERTIFICATE_INVALID', 'responderCertificate is not one DER SEQUENCE', { cause });
  }
}

/** A response signed ahead of time for one CertID, without nonce, served as stored bytes. */
export interface PresignedOcspResponse {
  /** `certIdKey` of the CertID: look a parsed request's CertID up by it. */
  readonly key: string;
  readonly der: Uint8Array;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
}

/**
 * RFC 6960 2.5: "OCSP responders MAY pre-produce signed responses specifying the status of
 * certificates at a specified time." One CertID, no nonce, signed once and served as stored bytes.
 * A request with a nonce may get these bytes too ("Support for all extensions is OPTIONAL for both
 * clients and responders", 4.4): the client then sees a response without a nonce. Which to do is the
 * responder's policy.
 */
export function presignOcspResponse(p: Omit<OcspResponseParams, 'responses' | 'nonce'> & { readonly response: OcspSingleResponse }): PresignedOcspResponse {
  const { response, ...rest } = p;
  const der = buildOcspResponse({ ...rest, responses: [response] });
  return {
    key: certIdKey(response.certId),
    der,
    thisUpdate: response.thisUpdate,
    ...(response.nextUpdate === undefined ? {} : { nextUpdate: response.nextUpdate }),
  };
}
