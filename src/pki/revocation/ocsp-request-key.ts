import { certIdKeyOf } from './cert-id.js';
import { OID, TAG } from './der-writer.js';

/*
 * The cache key of an OCSP request in the form RFC 5019 2.1.1 asks of clients, read in place:
 *
 *   OCSPRequest { tbsRequest TBSRequest { requestList SEQUENCE { Request { reqCert CertID } } } }
 *
 * one CertID, no version, requestorName, extensions (so no nonce) or signature. That is what caching
 * clients (openssl -no_nonce, browsers, RFC 5019 clients) send, and what a responder answers from its
 * pre-signed table: this reads it without building the objects `parseOcspRequest` builds.
 *
 * It accepts only bytes that `parseOcspRequest` accepts as such a request, and gives the key
 * `certIdKey` gives for its CertID (a property test holds it to that); for anything else, valid or
 * not, it gives undefined and the caller runs the full parser, which decides.
 */

/** Reads one definite, minimal DER length at b[p] (short form, or 81/82 long form); -1 for anything else. */
function lengthAt(b: Uint8Array, p: number, end: number): number {
  if (p >= end) return -1;
  const first = b[p]!;
  if (first < 0x80) return first;
  if (first === 0x81) return p + 1 < end && b[p + 1]! >= 0x80 ? b[p + 1]! : -1;
  if (first === 0x82) return p + 2 < end && b[p + 1] !== 0 ? b[p + 1]! * 256 + b[p + 2]! : -1;
  return -1;
}

function lengthSize(b: Uint8Array, p: number): number {
  const first = b[p]!;
  return first < 0x80 ? 1 : first === 0x81 ? 2 : 3;
}

/** Checks a SEQUENCE at b[p] whose value ends exactly at `end`; returns where its value starts, or -1. */
function sequenceFilling(b: Uint8Array, p: number, end: number): number {
  if (p >= end || b[p] !== TAG.SEQUENCE) return -1;
  const length = lengthAt(b, p + 1, end);
  if (length < 0) return -1;
  const valueStart = p + 1 + lengthSize(b, p + 1);
  return valueStart + length === end ? valueStart : -1;
}

function matches(b: Uint8Array, p: number, oid: Uint8Array): boolean {
  for (let i = 0; i < oid.length; i++) if (b[p + i] !== oid[i]) return false;
  return true;
}

export function simpleOcspRequestKey(der: Uint8Array): string | undefined {
  const end = der.length;
  // Each SEQUENCE holds exactly the next one: its value starts where the next begins.
  const tbsRequest = sequenceFilling(der, 0, end); // OCSPRequest: tbsRequest, no optionalSignature
  if (tbsRequest < 0) return undefined;
  const requestList = sequenceFilling(der, tbsRequest, end); // TBSRequest: requestList only
  if (requestList < 0) return undefined;
  const request = sequenceFilling(der, requestList, end); // requestList: one Request
  if (request < 0) return undefined;
  const reqCert = sequenceFilling(der, request, end); // Request: reqCert only
  if (reqCert < 0) return undefined;
  // CertID ::= SEQUENCE { hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber } (RFC 6960 4.1.1)
  const algStart = sequenceFilling(der, reqCert, end);
  if (algStart < 0) return undefined;
  if (der[algStart] !== TAG.SEQUENCE) return undefined;
  const algLength = lengthAt(der, algStart + 1, end);
  if (algLength < 0 || algLength > 0x7f) return undefined;
  const algValue = algStart + 2;
  const algEnd = algValue + algLength;
  if (der[algValue] !== TAG.OID) return undefined;
  const oidLength = der[algValue + 1]!;
  const oidStart = algValue + 2;
  let hashLength: number;
  let alg: 'sha1' | 'sha256';
  if (oidLength === OID.sha1.length && matches(der, oidStart, OID.sha1)) {
    alg = 'sha1';
    hashLength = 20;
  } else if (oidLength === OID.sha256.length && matches(der, oidStart, OID.sha256)) {
    alg = 'sha256';
    hashLength = 32;
  } else {
    return undefined;
  }
  const paramsAt = oidStart + oidLength;
  let absent: boolean;
  if (paramsAt === algEnd) absent = true;
  else if (paramsAt + 2 === algEnd && der[paramsAt] === TAG.NULL && der[paramsAt + 1] === 0) absent = false;
  else return undefined;
  const name = algEnd;
  if (der[name] !== TAG.OCTET_STRING || der[name + 1] !== hashLength) return undefined;
  const key = name + 2 + hashLength;
  if (der[key] !== TAG.OCTET_STRING || der[key + 1] !== hashLength) return undefined;
  const serial = key + 2 + hashLength;
  if (der[serial] !== TAG.INTEGER) return undefined;
  const serialLength = lengthAt(der, serial + 1, end);
  if (serialLength < 0) return undefined;
  const serialValue = serial + 1 + lengthSize(der, serial + 1);
  if (serialValue + serialLength !== end) return undefined; // the CertID, and everything, ends with the serial
  // X.690 8.3.2: a minimal, non-empty INTEGER (what DerReader.integer demands).
  if (serialLength === 0) return undefined;
  if (serialLength > 1) {
    const a = der[serialValue]!;
    const b = der[serialValue + 1]!;
    if ((a === 0x00 && b < 0x80) || (a === 0xff && b >= 0x80)) return undefined;
  }
  return certIdKeyOf(absent ? `${alg}/absent` : alg, der, name + 2, key + 2, hashLength, serialValue, serialLength);
}
