import { bytesEqual, toHex } from '../../bytes/index.js';
import { keyUsageOf, subjectKeyIdentifierOf } from '../path/index.js';
import { parseCrl, verifyCrlSignature, type ParsedCrl, type ParsedCrlEntry } from '../revocation/index.js';
import type { ParsedCertificate } from '../x509/index.js';
import { DEFAULT_CLOCK_SKEW_MS, type StatusAnswer } from './answer.js';
import { StatusError } from './errors.js';

/*
 * RFC 5280 6.3.3, reduced to a complete CRL issued by the certificate's own CA (no indirect CRLs, no
 * delta CRLs, no distribution-point scopes: the CRL reader refuses their critical extensions):
 *   (b) verify the issuer: the CRL issuer is the certificate issuer (names as DER bytes, and the
 *       authority key identifier, when present, is the CA's subject key identifier);
 *   (f) "Obtain and validate the certification path for the issuer of the complete CRL": the CA's
 *       keyUsage allows cRLSign; (g) the signature verifies with the CA's key;
 *   (i) look the serial number up; an entry means revoked, with its reasonCode (certificateHold is a
 *       hold, 5.3.1);
 * and 5.1.2.5: a CRL is current from thisUpdate until nextUpdate ("Conforming CRL issuers MUST include
 * the nextUpdate time in all CRLs"; without it the CRL cannot be judged fresh and is not used).
 */

/** A CRL checked against its issuer and the time: what it says about any serial of that CA. */
export interface VerifiedCrl {
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly crlNumber?: bigint;
  /** The CA it was checked against: its subject key identifier in hex (its SPKI in hex when it has none). */
  readonly issuerKeyIdentifier: string;
  readonly entries: number;
  /** What the CRL says about the certificate with this serial (content octets, as in the certificate). */
  statusOf(serialNumberHex: string): StatusAnswer;
}

export interface CrlEvaluation {
  readonly crl: Uint8Array;
  readonly issuer: ParsedCertificate;
  readonly time: Date;
  readonly clockSkewMs?: number;
}

function fail(code: ConstructorParameters<typeof StatusError>[0], message: string, cause?: unknown): never {
  throw new StatusError(code, message, cause === undefined ? undefined : { cause });
}

/** Parses and checks a complete CRL for certificates issued by `issuer`; `StatusError` when it cannot be used. */
export function evaluateCrl(e: CrlEvaluation): VerifiedCrl {
  if (!(e.crl instanceof Uint8Array) || !(e.time instanceof Date)) fail('ERR_STATUS_PARAMS', 'crl must be bytes and time a Date');
  const skew = e.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
  let crl: ParsedCrl;
  try {
    crl = parseCrl(e.crl);
  } catch (cause) {
    return fail('ERR_STATUS_CRL_MALFORMED', 'the CRL does not decode', cause);
  }
  if (!bytesEqual(crl.issuer, e.issuer.subject)) fail('ERR_STATUS_CRL_ISSUER_MISMATCH', "the CRL issuer is not the certificate's CA");
  const ski = subjectKeyIdentifierOf(e.issuer);
  if (crl.authorityKeyIdentifier !== undefined && ski !== undefined && !bytesEqual(crl.authorityKeyIdentifier, ski)) {
    fail('ERR_STATUS_CRL_ISSUER_MISMATCH', "the CRL's authority key identifier is another CA generation's");
  }
  const ku = keyUsageOf(e.issuer);
  if (ku !== undefined && !ku.has('cRLSign')) fail('ERR_STATUS_CRL_ISSUER_MISMATCH', 'the CA may not sign CRLs (no cRLSign)');
  let signed: boolean;
  try {
    signed = verifyCrlSignature(crl, e.issuer.subjectPublicKeyInfo);
  } catch (cause) {
    return fail('ERR_STATUS_CRL_SIGNATURE', 'the CRL signature algorithm is not supported', cause);
  }
  if (!signed) fail('ERR_STATUS_CRL_SIGNATURE', "the CRL signature does not verify with the CA's key");
  const now = e.time.getTime();
  if (crl.thisUpdate.getTime() > now + skew) fail('ERR_STATUS_CRL_STALE', 'thisUpdate is in the future');
  const nextUpdate = crl.nextUpdate;
  if (nextUpdate === undefined) return fail('ERR_STATUS_CRL_STALE', 'the CRL has no nextUpdate');
  if (nextUpdate.getTime() < now - skew) fail('ERR_STATUS_CRL_STALE', 'nextUpdate has passed');

  const bySerial = new Map<string, ParsedCrlEntry>();
  for (const entry of crl.entries) bySerial.set(toHex(entry.serial), entry);
  const thisUpdate = crl.thisUpdate;
  return {
    thisUpdate,
    nextUpdate,
    ...(crl.crlNumber === undefined ? {} : { crlNumber: crl.crlNumber }),
    issuerKeyIdentifier: ski === undefined ? toHex(e.issuer.subjectPublicKeyInfo) : toHex(ski),
    entries: crl.entries.length,
    statusOf(serialNumberHex: string): StatusAnswer {
      const entry = bySerial.get(serialNumberHex.toUpperCase());
      if (entry === undefined) return { status: 'good', thisUpdate, nextUpdate };
      return { status: 'revoked', revokedAt: entry.revocationDate, ...(entry.reason === undefined ? {} : { reason: entry.reason }), thisUpdate, nextUpdate };
    },
  };
}
