import { bytesEqual, toHex } from '../../bytes/index.js';
import type { DerNode, DerReader } from './der-reader.js';
import { oidToString, TAG } from './der-writer.js';
import type { RevocationErrorCode } from './errors.js';
import { RevocationError } from './errors.js';

/*
 * RFC 5280 4.1:
 *
 *   Extensions  ::=  SEQUENCE SIZE (1..MAX) OF Extension
 *   Extension  ::=  SEQUENCE  {
 *        extnID      OBJECT IDENTIFIER,
 *        critical    BOOLEAN DEFAULT FALSE,
 *        extnValue   OCTET STRING }
 *
 * 4.2: "A certificate MUST NOT include more than one instance of a particular extension"; CRLs (5.2)
 * and OCSP (RFC 6960 4.4) reuse the syntax, and the rule is applied to them too.
 */

export interface RawExtension {
  /** extnID content octets. */
  readonly oid: Uint8Array;
  readonly critical: boolean;
  /** extnValue content octets: the DER of the extension's own value. */
  readonly value: Uint8Array;
}

/** Reads the Extensions SEQUENCE `node` (already read from `r`). */
export function readExtensions(r: DerReader, node: DerNode, what: string, duplicateCode: RevocationErrorCode): RawExtension[] {
  if (node.tag !== TAG.SEQUENCE) r.fail('tag', `${what}: not a SEQUENCE`);
  const list = r.inside(node);
  const out: RawExtension[] = [];
  const seen = new Set<string>();
  while (!list.atEnd()) {
    const e = list.inside(list.expect(TAG.SEQUENCE, what));
    const oid = e.oid(e.expect(TAG.OID, `${what} extnID`), `${what} extnID`);
    const flag = e.optional(TAG.BOOLEAN, `${what} critical`);
    // A BOOLEAN FALSE written out breaks DER (DEFAULT values are omitted, X.690 11.5); many clients
    // do it anyway, and it changes nothing, so it is accepted.
    const critical = flag === undefined ? false : e.boolean(flag, `${what} critical`);
    const value = e.value(e.expect(TAG.OCTET_STRING, `${what} extnValue`));
    e.finish(what);
    const key = toHex(oid);
    if (seen.has(key)) throw new RevocationError(duplicateCode, `${what}: extension ${key} appears twice`);
    seen.add(key);
    out.push({ oid, critical, value });
  }
  if (out.length === 0) r.fail('value', `${what}: an empty Extensions (SIZE 1..MAX)`);
  return out;
}

/*
 * RFC 5280 5.2 (CRLs): "If a CRL contains a critical extension that the application cannot process,
 * then the application MUST NOT use that CRL"; 5.3 says the same of CRL entry extensions, and 4.2 of
 * certificates. OCSP (RFC 6960 4.4) reuses this extension model: a critical extension the receiver
 * does not recognise is never ignored, so the message is rejected rather than half understood.
 */
export function rejectUnknownCritical(list: readonly RawExtension[], known: readonly Uint8Array[], code: RevocationErrorCode, what: string): void {
  for (const e of list) {
    if (e.critical && !known.some((k) => bytesEqual(k, e.oid))) {
      throw new RevocationError(code, `${what}: unknown critical extension ${oidToString(e.oid)}`);
    }
  }
}
