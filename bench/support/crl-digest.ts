/**
 * Reads the revoked-certificate list of a DER CRL (RFC 5280 5.1) without building objects per entry:
 * the number of entries, the reason codes, and a SHA-256 over every entry's serial, revocation time
 * and reason in order, so that two CRLs listing the same entries give the same digest whatever else
 * their entries carry (openssl adds a holdInstructionCode to held ones).
 */
import { createHash } from 'node:crypto';

export interface CrlDigest {
  readonly entries: number;
  readonly digest: string;
  readonly reasons: ReadonlyMap<number, number>;
}

interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
  /** Index after the TLV. */
  readonly next: number;
}

function tlv(der: Uint8Array, pos: number): Tlv {
  const tag = der[pos]!;
  let len = der[pos + 1]!;
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i]!;
    start += n;
  }
  if (start + len > der.length) throw new Error(`truncated DER at ${pos}`);
  return { tag, start, end: start + len, next: start + len };
}

const REASON_CODE_OID = [0x06, 0x03, 0x55, 0x1d, 0x15];

function reasonIn(der: Uint8Array, from: number, to: number): number {
  outer: for (let i = from; i + REASON_CODE_OID.length + 5 <= to; i++) {
    for (let k = 0; k < REASON_CODE_OID.length; k++) if (der[i + k] !== REASON_CODE_OID[k]) continue outer;
    // extnValue OCTET STRING { ENUMERATED } right after the OID (the extension is non-critical).
    const p = i + REASON_CODE_OID.length;
    if (der[p] === 0x04 && der[p + 2] === 0x0a && der[p + 3] === 0x01) return der[p + 4]!;
  }
  return 0xff;
}

export function crlDigest(der: Uint8Array): CrlDigest {
  const top = tlv(der, 0);
  const tbs = tlv(der, top.start);
  let p = tbs.start;
  let t = tlv(der, p);
  if (t.tag === 0x02) t = tlv(der, (p = t.next)); // version
  t = tlv(der, (p = t.next)); // signature -> issuer
  t = tlv(der, (p = t.next)); // issuer -> thisUpdate
  t = tlv(der, (p = t.next)); // thisUpdate -> nextUpdate or revoked
  if (t.tag === 0x17 || t.tag === 0x18) t = tlv(der, (p = t.next));
  const hash = createHash('sha256');
  const reasons = new Map<number, number>();
  let entries = 0;
  if (t.tag === 0x30) {
    for (let e = t.start; e < t.end; ) {
      const entry = tlv(der, e);
      const serial = tlv(der, entry.start);
      const time = tlv(der, serial.next);
      const reason = time.next < entry.end ? reasonIn(der, time.next, entry.end) : 0xff;
      hash.update(der.subarray(serial.start, serial.end));
      hash.update(der.subarray(time.start, time.end));
      hash.update(Uint8Array.of(reason));
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      entries++;
      e = entry.next;
    }
  }
  return { entries, digest: hash.digest('hex'), reasons };
}

/** The DER inside a PEM file (the first block). */
export function pemToDer(text: string): Uint8Array {
  const m = /-----BEGIN [^-]+-----([\s\S]*?)-----END [^-]+-----/.exec(text);
  if (!m) throw new Error('no PEM block');
  return new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}
