import { Buffer } from 'node:buffer';
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { bytesEqual } from '../../bytes/index.js';
import {
  OID_AUTHORITY_INFO_ACCESS,
  OID_AUTHORITY_KEY_IDENTIFIER,
  OID_BASIC_CONSTRAINTS,
  OID_CERTIFICATE_POLICIES,
  OID_CRL_DISTRIBUTION_POINTS,
  OID_EXTENDED_KEY_USAGE,
  OID_ISSUER_ALT_NAME,
  OID_KEY_USAGE,
  OID_OCSP_NOCHECK,
  OID_SUBJECT_ALT_NAME,
  OID_SUBJECT_KEY_IDENTIFIER,
  certificatePolicyOids,
  parseCertificate,
  type ParsedCertificate,
} from '../x509/index.js';
import { PathError, type PathErrorCode } from './errors.js';
import { authorityKeyIdentifierOf, basicConstraintsOf, keyUsageOf, subjectKeyIdentifierOf } from './extensions.js';

/*
 * Certification path validation (RFC 5280 6.1) for the JPKI hierarchy: an end entity issued directly
 * by a self-signed CA, each CA generation configured as a trust anchor. Untrusted intermediates are
 * taken too (at most `maxIntermediates`), which costs one more loop. What it checks, for every
 * certificate from the end entity up to the anchor:
 *   6.1.3 (a)(1) the signature, with the issuer's key (sha256/384/512WithRSAEncryption, RSA >= 2048);
 *   6.1.3 (a)(2) the validity period at `time`;
 *   6.1.3 (a)(4) name chaining: issuer = the issuer's subject (DER bytes), and the authority key
 *                identifier, when both sides have one, equal to the issuer's subject key identifier
 *                (4.2.1.1, what picks the right one of several CA generations that share a name);
 *   6.1.4 (k)(l)(m)(n) an issuer is a CA: basicConstraints cA, keyUsage keyCertSign, pathLenConstraint;
 *   6.1.4 (o), 6.1.5 (f) no critical extension this code does not process.
 * Policy processing is reduced to what JPKI needs: the end entity's policy is the caller's business
 * (src/sdk checks it against the kind it expects); an intermediate, when there is one, must assert that
 * policy or anyPolicy (no mappings, no constraints: their extensions are critical and not processed).
 */

/** RFC 5280 4.2.1.4 anyPolicy. */
const ANY_POLICY = '2.5.29.32.0';

/** Extensions whose meaning is processed here or by the relying party (critical or not, they are understood). */
const UNDERSTOOD = new Set([
  OID_KEY_USAGE,
  OID_BASIC_CONSTRAINTS,
  OID_CERTIFICATE_POLICIES,
  OID_SUBJECT_ALT_NAME,
  OID_ISSUER_ALT_NAME,
  OID_EXTENDED_KEY_USAGE,
  OID_AUTHORITY_KEY_IDENTIFIER,
  OID_SUBJECT_KEY_IDENTIFIER,
  OID_CRL_DISTRIBUTION_POINTS,
  OID_AUTHORITY_INFO_ACCESS,
  OID_OCSP_NOCHECK,
]);

/** RFC 4055 5 / RFC 8017 A.2.4, with the hash each one uses. SHA-1 is not taken. */
const SIGNATURE_HASH: ReadonlyMap<string, string> = new Map([
  ['1.2.840.113549.1.1.11', 'sha256'],
  ['1.2.840.113549.1.1.12', 'sha384'],
  ['1.2.840.113549.1.1.13', 'sha512'],
]);

export const MIN_RSA_BITS = 2048;

export interface PathValidationOptions {
  /** DER of the end-entity certificate. */
  readonly certificate: Uint8Array | ParsedCertificate;
  /** The trust anchors (`trustAnchor` checks each once, at configuration). */
  readonly anchors: readonly ParsedCertificate[];
  /** Untrusted certificates that may sit between the end entity and an anchor (e.g. from a CMS). */
  readonly intermediates?: readonly (Uint8Array | ParsedCertificate)[];
  /** The time the path must be valid at. */
  readonly time: Date;
  /** Most intermediates in a path (default 2; JPKI needs none). */
  readonly maxIntermediates?: number;
  /** The end entity's policy OID: every intermediate must assert it or anyPolicy. */
  readonly policy?: string;
}

export interface ValidatedPath {
  readonly endEntity: ParsedCertificate;
  /** Between the end entity and the anchor, nearest to the end entity first (empty in JPKI). */
  readonly intermediates: readonly ParsedCertificate[];
  readonly anchor: ParsedCertificate;
}

function fail(code: PathErrorCode, message: string, depth?: number, cause?: unknown): never {
  throw new PathError(code, message, { ...(depth === undefined ? {} : { depth }), ...(cause === undefined ? {} : { cause }) });
}

function parse(der: Uint8Array | ParsedCertificate, depth: number | undefined, code: PathErrorCode = 'ERR_PATH_CERTIFICATE_INVALID'): ParsedCertificate {
  if (!(der instanceof Uint8Array)) {
    if (der !== null && typeof der === 'object' && der.der instanceof Uint8Array && der.tbsDer instanceof Uint8Array) return der;
    return fail('ERR_PATH_PARAMS', 'a certificate must be DER bytes', depth);
  }
  try {
    return parseCertificate(der);
  } catch (cause) {
    return fail(code, 'a certificate does not parse', depth, cause);
  }
}

/** The RSA key of a certificate, refused unless RSA of at least MIN_RSA_BITS. */
export function rsaKeyOf(cert: ParsedCertificate, depth?: number): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(cert.subjectPublicKeyInfo), format: 'der', type: 'spki' });
  } catch (cause) {
    return fail('ERR_PATH_CERTIFICATE_INVALID', 'the subject public key does not load', depth, cause);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa' || bits < MIN_RSA_BITS) {
    fail('ERR_PATH_ALGORITHM_UNSUPPORTED', `a ${key.asymmetricKeyType ?? 'unknown'} key of ${bits} bits (RSA of ${MIN_RSA_BITS} or more)`, depth);
  }
  return key;
}

/** 6.1.3 (a)(1): true when `issuer`'s key verifies `cert`'s signature; refuses unsupported algorithms. */
function signedBy(cert: ParsedCertificate, issuer: ParsedCertificate, depth: number): boolean {
  const hash = SIGNATURE_HASH.get(cert.signatureAlgorithm);
  // 4.1.1.2: signatureAlgorithm "MUST contain the same algorithm identifier as the signature field".
  if (hash === undefined || cert.tbsCertificate.signature.algorithm !== cert.signatureAlgorithm) {
    fail('ERR_PATH_ALGORITHM_UNSUPPORTED', `signature algorithm ${cert.signatureAlgorithm}`, depth);
  }
  return verify(hash, cert.tbsDer, rsaKeyOf(issuer, depth + 1), cert.signatureValue);
}

/** 6.1.3 (a)(4) and 4.2.1.1: a possible issuer of `cert` by name and key identifier. */
function mayHaveIssued(cert: ParsedCertificate, issuer: ParsedCertificate, depth: number): boolean {
  if (!bytesEqual(cert.issuer, issuer.subject)) return false;
  const aki = authorityKeyIdentifierOf(cert, depth);
  const ski = subjectKeyIdentifierOf(issuer, depth + 1);
  return aki === undefined || ski === undefined || bytesEqual(aki, ski);
}

function checkValidity(cert: ParsedCertificate, time: Date, depth: number): void {
  if (time.getTime() < cert.notBefore.getTime()) fail('ERR_PATH_NOT_YET_VALID', `not valid before ${cert.notBefore.toISOString()}`, depth);
  if (time.getTime() > cert.notAfter.getTime()) fail('ERR_PATH_EXPIRED', `expired at ${cert.notAfter.toISOString()}`, depth);
}

function checkCriticalExtensions(cert: ParsedCertificate, depth: number): void {
  for (const e of cert.extensions) {
    if (e.critical && !UNDERSTOOD.has(e.oid)) fail('ERR_PATH_CRITICAL_EXTENSION', `unprocessed critical extension ${e.oid}`, depth);
  }
}

/** 6.1.4 (k)(n): an issuer must be a CA allowed to sign certificates. */
function checkCa(cert: ParsedCertificate, depth: number, code: PathErrorCode = 'ERR_PATH_NOT_CA'): { pathLength?: number } {
  const bc = basicConstraintsOf(cert, depth);
  if (bc?.ca !== true) fail(code, 'basicConstraints does not say cA', depth);
  const ku = keyUsageOf(cert, depth);
  if (ku !== undefined && !ku.has('keyCertSign')) fail(code, 'keyUsage lacks keyCertSign', depth);
  return bc.pathLength === undefined ? {} : { pathLength: bc.pathLength };
}

/**
 * Checks a certificate configured as a trust anchor: a CA (basicConstraints cA, keyCertSign), an RSA
 * key of 2048 bits or more, no unprocessed critical extension, and, when self-issued, a signature that
 * verifies with its own key. `ERR_PATH_ANCHOR_INVALID` otherwise. Its validity is checked per path.
 */
export function trustAnchor(der: Uint8Array | ParsedCertificate): ParsedCertificate {
  const cert = parse(der, undefined, 'ERR_PATH_ANCHOR_INVALID');
  try {
    checkCa(cert, 0, 'ERR_PATH_ANCHOR_INVALID');
    checkCriticalExtensions(cert, 0);
    rsaKeyOf(cert, 0);
    if (bytesEqual(cert.issuer, cert.subject) && !signedBy(cert, cert, 0)) fail('ERR_PATH_ANCHOR_INVALID', 'a self-issued anchor whose signature does not verify');
  } catch (cause) {
    if (cause instanceof PathError && cause.code === 'ERR_PATH_ANCHOR_INVALID') throw cause;
    fail('ERR_PATH_ANCHOR_INVALID', `not a usable trust anchor: ${(cause as Error).message}`, undefined, cause);
  }
  return cert;
}

/**
 * Builds the path from `certificate` to one of `anchors` (through `intermediates` when needed) and
 * validates it at `time`. The first problem found is thrown as a `PathError`; of several candidate
 * issuers, the first whose signature verifies is taken.
 */
export function validatePath(options: PathValidationOptions): ValidatedPath {
  const time = options.time;
  if (!(time instanceof Date) || Number.isNaN(time.getTime())) fail('ERR_PATH_PARAMS', 'time must be a valid Date');
  const maxIntermediates = options.maxIntermediates ?? 2;
  const endEntity = parse(options.certificate, 0);
  const intermediates = (options.intermediates ?? []).map((c) => parse(c, undefined));
  const chain = build(endEntity, 0, options.anchors, intermediates, maxIntermediates, []);
  const path = [endEntity, ...chain];
  // Checked from the end entity upwards, so that the error names the nearest broken certificate.
  for (let depth = 0; depth < path.length; depth++) {
    const cert = path[depth]!;
    checkValidity(cert, time, depth);
    checkCriticalExtensions(cert, depth);
    if (depth === 0) continue;
    const { pathLength } = checkCa(cert, depth);
    // 6.1.4 (l)(m): pathLenConstraint counts the intermediates below this CA (all non-self-issued here).
    if (pathLength !== undefined && depth - 1 > pathLength) fail('ERR_PATH_LENGTH', `pathLenConstraint ${pathLength} exceeded`, depth);
    const isAnchor = depth === path.length - 1;
    if (!isAnchor && options.policy !== undefined) {
      let policies: string[];
      try {
        policies = certificatePolicyOids(cert.der);
      } catch (cause) {
        return fail('ERR_PATH_CERTIFICATE_INVALID', 'certificatePolicies does not decode', depth, cause);
      }
      if (!policies.includes(options.policy) && !policies.includes(ANY_POLICY)) {
        fail('ERR_PATH_POLICY', `intermediate does not assert ${options.policy}`, depth);
      }
    }
  }
  return { endEntity, intermediates: chain.slice(0, -1), anchor: chain[chain.length - 1]! };
}

/** The issuers of `cert` up to an anchor (the anchor last). */
function build(
  cert: ParsedCertificate,
  depth: number,
  anchors: readonly ParsedCertificate[],
  intermediates: readonly ParsedCertificate[],
  maxIntermediates: number,
  used: readonly ParsedCertificate[],
): ParsedCertificate[] {
  let named = false;
  for (const anchor of anchors) {
    if (!mayHaveIssued(cert, anchor, depth)) continue;
    named = true;
    if (signedBy(cert, anchor, depth)) return [anchor];
  }
  let deeper: PathError | undefined;
  if (depth < maxIntermediates) {
    for (const candidate of intermediates) {
      if (used.includes(candidate) || candidate === cert || !mayHaveIssued(cert, candidate, depth)) continue;
      named = true;
      if (!signedBy(cert, candidate, depth)) continue;
      try {
        return [candidate, ...build(candidate, depth + 1, anchors, intermediates, maxIntermediates, [...used, candidate])];
      } catch (err) {
        if (!(err instanceof PathError)) throw err;
        deeper ??= err;
      }
    }
  }
  if (deeper !== undefined) throw deeper;
  if (named) fail('ERR_PATH_SIGNATURE_INVALID', 'no issuer with this name and key identifier verifies the signature', depth);
  if (depth >= maxIntermediates && intermediates.some((c) => mayHaveIssued(cert, c, depth))) fail('ERR_PATH_LENGTH', `more than ${maxIntermediates} intermediates`, depth);
  return fail('ERR_PATH_ISSUER_UNKNOWN', `no trust anchor or intermediate issued ${cert.issuerString}`, depth);
}
