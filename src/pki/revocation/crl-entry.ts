import { RevocationError } from './errors.js';
import { GENERALIZED_TIME_SIZE, isUtcTimeRange, timeMs, type TimeEncoder, UTC_TIME_SIZE } from './time.js';

/*
 * RFC 5280 5.1:
 *
 *   revokedCertificates     SEQUENCE OF SEQUENCE  {
 *        userCertificate         CertificateSerialNumber,
 *        revocationDate          Time,
 *        crlEntryExtensions      Extensions OPTIONAL
 *                                 -- if present, version MUST be v2
 *                             }  OPTIONAL,
 *
 * This is the hot path of a CRL of a million entries, so an entry is written by hand into the
 * writer's buffer: no ASN.1 object, no intermediate array. Its size is a function of the serial
 * length, the time form and whether a reasonCode is present, which keeps the measuring pass cheap.
 */

/** One revoked certificate as the CA's store yields it. */
export interface CrlEntry {
  /** CertificateSerialNumber content octets: positive, minimal, 1 to 20 bytes (RFC 5280 4.1.2.2). */
  readonly serial: Uint8Array;
  readonly revocationDate: Date;
  /** CRLReason code (reasons.ts); absent or 0 (unspecified) writes no reasonCode extension. */
  readonly reason?: number;
}

/*
 * RFC 5280 5.3.1: "The reasonCode is a non-critical CRL entry extension ... CRL issuers are strongly
 * encouraged to include meaningful reason codes in CRL entries; however, the reason code CRL entry
 * extension SHOULD be absent instead of using the unspecified (0) reasonCode value."
 *
 *   crlEntryExtensions = SEQUENCE { Extension { extnID 2.5.29.21, extnValue OCTET STRING { ENUMERATED } } }
 */
const REASON_EXTENSIONS = Uint8Array.of(0x30, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01, 0x00);
const REASON_EXTENSIONS_SIZE = REASON_EXTENSIONS.length;

/** Per code 0..10: 0 writes nothing (unspecified), 1 writes the extension, -1 not a CRLReason, -2 delta CRLs only. */
const REASON_ACTION: readonly number[] = [0, 1, 1, 1, 1, 1, 1, -1, -2, 1, 1];

/** The largest entry: header 2, serial 2 + 20, GeneralizedTime 17, reasonCode 14. */
export const MAX_ENTRY_SIZE = 2 + 22 + GENERALIZED_TIME_SIZE + REASON_EXTENSIONS_SIZE;

/** Encoded size of the entry's SEQUENCE, header included; throws on an entry that cannot be written. */
export function entrySize(e: CrlEntry): number {
  const serial = e.serial;
  const n = serial instanceof Uint8Array ? serial.length : 0;
  // RFC 5280 4.1.2.2: "The serial number MUST be a positive integer ... Conforming CAs MUST NOT use
  // serialNumber values longer than 20 octets." X.690 8.3.2: the encoding is minimal.
  if (n === 0 || n > 20 || serial[0]! >= 0x80 || (serial[0] === 0 && (n === 1 || serial[1]! < 0x80))) {
    throw new RevocationError('ERR_CRL_SERIAL_INVALID', 'an entry serial is not a positive, minimal INTEGER of 1 to 20 octets');
  }
  const ms = timeMs(e.revocationDate, 'ERR_CRL_TIME_RANGE', 'revocationDate');
  return 4 + n + (isUtcTimeRange(ms) ? UTC_TIME_SIZE : GENERALIZED_TIME_SIZE) + (reasonAction(e.reason) === 1 ? REASON_EXTENSIONS_SIZE : 0);
}

function reasonAction(reason: number | undefined): number {
  if (reason === undefined) return 0;
  const action = Number.isInteger(reason) && reason >= 0 && reason <= 10 ? REASON_ACTION[reason]! : -1;
  if (action === -1) throw new RevocationError('ERR_CRL_REASON_UNKNOWN', `${reason} is not a CRLReason value`);
  // RFC 5280 5.3.1: "removeFromCRL (8) ... may only appear in delta CRLs" (this writer makes complete CRLs).
  if (action === -2) throw new RevocationError('ERR_CRL_REASON_DELTA_ONLY', 'removeFromCRL appears only in delta CRLs');
  return action;
}

/** Writes an entry already measured by `entrySize` (so valid, and `size` bytes long) at `pos`. */
export function writeEntry(buf: Uint8Array, pos: number, e: CrlEntry, size: number, times: TimeEncoder): number {
  const serial = e.serial;
  const n = serial.length;
  buf[pos++] = 0x30;
  buf[pos++] = size - 2; // at most 53: always the short form
  buf[pos++] = 0x02;
  buf[pos++] = n;
  for (let i = 0; i < n; i++) buf[pos++] = serial[i]!;
  pos = times.write(buf, pos, Math.floor(e.revocationDate.getTime() / 1000) * 1000, false);
  if (e.reason !== undefined && e.reason !== 0) {
    buf.set(REASON_EXTENSIONS, pos);
    pos += REASON_EXTENSIONS_SIZE;
    buf[pos - 1] = e.reason;
  }
  return pos;
}
