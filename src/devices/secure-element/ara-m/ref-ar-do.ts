import { encodeTlv, tlv, type Tlv } from '../../../tlv/index.js';
import { decodeArDo, encodeArDo, type ArDo } from './ar-do.js';
import { AraError } from './errors.js';
import { decodeRefDo, encodeRefDo, isCarrierPrivilegeRef, type RefDo } from './ref-do.js';
import { TAG } from './tags.js';
import { childrenOf, expectTag, newReport, parseOne, type DecodeReport } from './template.js';

/**
 * REF-AR-DO 'E2' (SEAC v1.1 Table 6-6): one access rule, a REF-DO and its AR-DO. "Both required,
 * except a carrier-privilege REF-DO, which may come without E3" (digest 4.2, [AOSP-SE] `REF_AR_DO`).
 */
export interface RefArDo {
  readonly ref: RefDo;
  readonly ar?: ArDo;
}

/** Decodes a REF-AR-DO; unknown data objects beside E1 and E3 are skipped into `report`. */
export function decodeRefArDo(node: Tlv, report: DecodeReport = newReport()): RefArDo {
  expectTag(node, TAG.REF_AR_DO, 'a REF-AR-DO');
  const parts = childrenOf(node, [TAG.REF_DO, TAG.AR_DO], { report });
  const refNode = parts.get(TAG.REF_DO);
  if (!refNode) throw new AraError('ERR_ARA_REF_DO_MISSING', 'a REF-AR-DO needs its REF-DO E1');
  const ref = decodeRefDo(refNode);
  const arNode = parts.get(TAG.AR_DO);
  if (!arNode) {
    if (!isCarrierPrivilegeRef(ref)) throw new AraError('ERR_ARA_AR_DO_MISSING', 'a REF-AR-DO needs its AR-DO E3 (only a carrier-privilege rule may omit it)');
    return { ref };
  }
  return { ref, ar: decodeArDo(arNode, report) };
}

/** Builds a REF-AR-DO in the canonical order E1, E3. */
export function encodeRefArDo(rule: RefArDo): Tlv {
  const children = [encodeRefDo(rule.ref), ...(rule.ar ? [encodeArDo(rule.ar)] : [])];
  const node = tlv(TAG.REF_AR_DO, children);
  decodeRefArDo(node);
  return node;
}

/** The decoded rules of a Response-ALL-REF-AR-DO and the unknown tags skipped on the way. */
export interface AllRules {
  readonly rules: RefArDo[];
  readonly dropped: readonly number[];
}

/**
 * Response-ALL-REF-AR-DO 'FF40' (SEAC Table 4-2), the whole answer to GET DATA [All]: a list of E2.
 * "Unknown inner tags are skipped" (digest 4.2, [AOSP-SE] `Response_ALL_AR_DO`); a malformed E2 fails
 * the whole response, as in AOSP, where the enforcer then denies everything.
 */
export function decodeAllRulesResponse(bytes: Uint8Array): AllRules {
  const node = parseOne(bytes);
  expectTag(node, TAG.RESPONSE_ALL_REF_AR_DO, 'a GET DATA [All] response');
  const report = newReport();
  const rules: RefArDo[] = [];
  for (const child of node.children ?? []) {
    if (child.tag === TAG.REF_AR_DO) rules.push(decodeRefArDo(child, report));
    else report.dropped.push(child.tag);
  }
  return { rules, dropped: report.dropped };
}

export function encodeAllRulesResponse(rules: readonly RefArDo[]): Uint8Array {
  return encodeTlv(tlv(TAG.RESPONSE_ALL_REF_AR_DO, rules.map(encodeRefArDo)));
}

/**
 * Response-AR-DO 'FF50' (SEAC Table 4-3), the answer to GET DATA [Specific]: the AR-DO that applies,
 * or nothing when no rule does (`FF50 00`). [GP-ARA] answers e.g. `FF50 08 E3 06 D0 01 00 D1 01 00`.
 */
export function decodeSpecificResponse(bytes: Uint8Array): ArDo | undefined {
  const node = parseOne(bytes);
  expectTag(node, TAG.RESPONSE_AR_DO, 'a GET DATA [Specific] response');
  const children = node.children ?? [];
  if (children.length === 0) return undefined;
  if (children.length > 1) throw new AraError('ERR_ARA_DUPLICATE_DO', 'a Response-AR-DO holds one AR-DO');
  return decodeArDo(children[0]!);
}

export function encodeSpecificResponse(ar: ArDo | undefined): Uint8Array {
  return encodeTlv(tlv(TAG.RESPONSE_AR_DO, ar ? [encodeArDo(ar)] : []));
}

/** Refresh tag length: "`DF20 08 <8 bytes>`. Any other length is a parse error" (digest 4.1). */
export const REFRESH_TAG_LENGTH = 8;

/** Response-Refresh-Tag-DO 'DF20' (SEAC Table 4-4). */
export function decodeRefreshTag(bytes: Uint8Array): Uint8Array {
  const node = parseOne(bytes);
  expectTag(node, TAG.REFRESH_TAG, 'a refresh tag response');
  if (node.value.length !== REFRESH_TAG_LENGTH) throw new AraError('ERR_ARA_REFRESH_TAG_LENGTH', `a refresh tag is 8 bytes, got ${node.value.length}`);
  return node.value.slice();
}

export function encodeRefreshTag(tag: Uint8Array): Uint8Array {
  if (tag.length !== REFRESH_TAG_LENGTH) throw new AraError('ERR_ARA_REFRESH_TAG_LENGTH', `a refresh tag is 8 bytes, got ${tag.length}`);
  return encodeTlv(tlv(TAG.REFRESH_TAG, tag));
}
