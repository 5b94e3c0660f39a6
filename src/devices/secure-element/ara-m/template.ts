import { decodeTlv, decodeTlvList, TlvError, type Tlv } from '../../../tlv/index.js';
import { AraError, type AraErrorCode } from './errors.js';
import { tagName } from './tags.js';

/**
 * What a decoder tells its caller besides the value: the tags of the unknown data objects it skipped,
 * in document order. AOSP skips unknown data objects in FF40, REF-AR-DO and AR-DO ([AOSP-SE]
 * `Response_ALL_AR_DO`, `REF_AR_DO`, `AR_DO`); the ARA-M stores a rule without them and answers '6382'
 * ([pySim-ARA] SW table: "rule successfully stored but contained at least one unknown (discarded)
 * BER-TLV").
 */
export interface DecodeReport {
  readonly dropped: number[];
}

export function newReport(): DecodeReport {
  return { dropped: [] };
}

/** Exactly one BER-TLV data object filling `bytes` (strict `src/tlv` rules), as an `AraError`. */
export function parseOne(bytes: Uint8Array): Tlv {
  try {
    return decodeTlv(bytes);
  } catch (err) {
    if (err instanceof TlvError) throw new AraError('ERR_ARA_TLV', `not BER-TLV: ${err.code}`, { cause: err });
    throw err;
  }
}

/** A sequence of BER-TLV data objects filling `bytes`, as an `AraError`. */
export function parseList(bytes: Uint8Array): Tlv[] {
  try {
    return decodeTlvList(bytes);
  } catch (err) {
    if (err instanceof TlvError) throw new AraError('ERR_ARA_TLV', `not BER-TLV: ${err.code}`, { cause: err });
    throw err;
  }
}

export function expectTag(node: Tlv, tag: number, what: string): void {
  if (node.tag !== tag) {
    throw new AraError('ERR_ARA_UNEXPECTED_TAG', `${what} has tag ${tagName(tag)}, got ${tagName(node.tag)}`);
  }
}

/**
 * The children of a template, each known tag at most once ('ERR_ARA_DUPLICATE_DO' otherwise). An
 * unknown child is dropped into `report`, or refused with `unknownCode` when dropping it could change
 * what the template means.
 */
export function childrenOf(
  node: Tlv,
  known: readonly number[],
  unknown: { readonly report: DecodeReport } | { readonly reject: AraErrorCode },
): Map<number, Tlv> {
  const out = new Map<number, Tlv>();
  for (const child of node.children ?? []) {
    if (!known.includes(child.tag)) {
      if ('reject' in unknown) {
        throw new AraError(unknown.reject, `data object ${tagName(child.tag)} is not allowed in ${tagName(node.tag)}`);
      }
      unknown.report.dropped.push(child.tag);
      continue;
    }
    if (out.has(child.tag)) throw new AraError('ERR_ARA_DUPLICATE_DO', `${tagName(child.tag)} appears twice in ${tagName(node.tag)}`);
    out.set(child.tag, child);
  }
  return out;
}
