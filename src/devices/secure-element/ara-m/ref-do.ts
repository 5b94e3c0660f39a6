import { bytesEqual, fromHex, toHex } from '../../../bytes/index.js';
import { encodeTlv, tlv, type Tlv } from '../../../tlv/index.js';
import { AraError } from './errors.js';
import { TAG } from './tags.js';
import { childrenOf, expectTag } from './template.js';

/**
 * AID-REF-DO (SEAC v1.1 Table 6-3; digest 4.2): `4F 00` all SE applications, `4F 05..10 <AID>` one
 * application (SEAC allows a partial AID; AOSP matches exactly, and so does this project's enforcer),
 * `C0 00` the default selected application (AOSP uses it for a null AID or `0000000000`).
 */
export type AidRef =
  | { readonly kind: 'all' }
  | { readonly kind: 'aid'; readonly aid: Uint8Array }
  | { readonly kind: 'default' };

/**
 * REF-DO 'E1' (SEAC Table 6-5): `[4F | C0] C1 [CA]`. Rules of [AOSP-SE] `REF_DO`, kept here:
 * - C1 (DeviceAppID / Hash-REF-DO) is required: empty = all device applications, 20 bytes = SHA-1,
 *   32 bytes = SHA-256 of the application's signing certificate (DER).
 * - no AID-REF-DO means a carrier-privilege rule: AOSP assumes the AID `FFFFFFFFFFFF`.
 * - CA (PKG-REF-DO, [UICC-CP]) only with a carrier-privilege AID: "a specific AID + hash + CA together
 *   is rejected".
 */
export interface RefDo {
  /** Absent: a carrier-privilege REF-DO. */
  readonly aid?: AidRef;
  readonly hash: Uint8Array;
  /** Android package name, 1..127 printable ASCII characters. */
  readonly packageName?: string;
}

/** The AID AOSP gives a carrier-privilege REF-DO without an AID-REF-DO ([AOSP-SE] `AID_REF_DO`). */
export const CARRIER_PRIVILEGE_AID: Uint8Array = fromHex('FFFFFFFFFFFF');

/** Hash-REF-DO lengths: all apps, SHA-1, SHA-256 (digest 4.2). */
export const HASH_LENGTHS: readonly number[] = [0, 20, 32];

/** PKG-REF-DO: "at most 127" ([pySim-ARA] `--pkg-ref` help, digest 4.2; AOSP accepts 128). */
export const MAX_PACKAGE_NAME = 127;

const KNOWN = [TAG.AID_REF_DO, TAG.AID_REF_DO_DEFAULT, TAG.HASH_REF_DO, TAG.PKG_REF_DO];

/** True for a REF-DO with no AID-REF-DO or with the AID `FFFFFFFFFFFF`. */
export function isCarrierPrivilegeRef(ref: RefDo): boolean {
  return ref.aid === undefined || (ref.aid.kind === 'aid' && bytesEqual(ref.aid.aid, CARRIER_PRIVILEGE_AID));
}

export function decodeAidRef(node: Tlv): AidRef {
  if (node.tag === TAG.AID_REF_DO_DEFAULT) {
    if (node.value.length !== 0) throw new AraError('ERR_ARA_DEFAULT_AID_NOT_EMPTY', `C0 must be empty, has ${node.value.length} byte(s)`);
    return { kind: 'default' };
  }
  expectTag(node, TAG.AID_REF_DO, 'an AID-REF-DO');
  const n = node.value.length;
  if (n === 0) return { kind: 'all' };
  if (n < 5 || n > 16) throw new AraError('ERR_ARA_AID_LENGTH', `an AID-REF-DO is empty or 5..16 bytes, got ${n}`);
  return { kind: 'aid', aid: node.value.slice() };
}

export function encodeAidRef(aid: AidRef): Tlv {
  const node = aid.kind === 'default' ? tlv(TAG.AID_REF_DO_DEFAULT, new Uint8Array(0)) : tlv(TAG.AID_REF_DO, aid.kind === 'all' ? new Uint8Array(0) : aid.aid);
  decodeAidRef(node);
  return node;
}

/** Decodes and checks a REF-DO 'E1'. Unknown data objects inside are refused: dropping one could widen the rule. */
export function decodeRefDo(node: Tlv): RefDo {
  expectTag(node, TAG.REF_DO, 'a REF-DO');
  const parts = childrenOf(node, KNOWN, { reject: 'ERR_ARA_REF_DO_UNKNOWN_DO' });
  const aidNode = parts.get(TAG.AID_REF_DO);
  const defaultNode = parts.get(TAG.AID_REF_DO_DEFAULT);
  if (aidNode && defaultNode) throw new AraError('ERR_ARA_DUPLICATE_DO', 'a REF-DO holds one AID-REF-DO, not both 4F and C0');
  const aidDo = aidNode ?? defaultNode;
  const aid = aidDo ? decodeAidRef(aidDo) : undefined;
  const hashNode = parts.get(TAG.HASH_REF_DO);
  if (!hashNode) throw new AraError('ERR_ARA_HASH_MISSING', 'a REF-DO needs its Hash-REF-DO C1');
  if (!HASH_LENGTHS.includes(hashNode.value.length)) {
    throw new AraError('ERR_ARA_HASH_LENGTH', `a Hash-REF-DO is 0, 20 or 32 bytes, got ${hashNode.value.length}`);
  }
  const ref: RefDo = { ...(aid ? { aid } : {}), hash: hashNode.value.slice() };
  const pkgNode = parts.get(TAG.PKG_REF_DO);
  if (!pkgNode) return ref;
  const packageName = decodePackageName(pkgNode.value);
  if (!isCarrierPrivilegeRef(ref)) {
    throw new AraError('ERR_ARA_PKG_WITH_AID', 'a PKG-REF-DO goes only with a carrier-privilege REF-DO (no AID, or FFFFFFFFFFFF)');
  }
  return { ...ref, packageName };
}

function decodePackageName(value: Uint8Array): string {
  if (value.length === 0 || value.length > MAX_PACKAGE_NAME) {
    throw new AraError('ERR_ARA_PKG_LENGTH', `a package name is 1..${MAX_PACKAGE_NAME} bytes, got ${value.length}`);
  }
  if (value.some((b) => b < 0x21 || b > 0x7e)) throw new AraError('ERR_ARA_PKG_CHARSET', 'a package name is printable ASCII without spaces');
  return String.fromCharCode(...value);
}

/** Builds a REF-DO in the canonical order 4F|C0, C1, CA, checked by the decoder's rules. */
export function encodeRefDo(ref: RefDo): Tlv {
  const children: Tlv[] = [];
  if (ref.aid) children.push(encodeAidRef(ref.aid));
  children.push(tlv(TAG.HASH_REF_DO, ref.hash));
  if (ref.packageName !== undefined) {
    const name = ref.packageName;
    const bytes = Uint8Array.from(name, (c) => (c.charCodeAt(0) <= 0xff ? c.charCodeAt(0) : 0));
    children.push(tlv(TAG.PKG_REF_DO, bytes));
  }
  const node = tlv(TAG.REF_DO, children);
  decodeRefDo(node);
  return node;
}

/**
 * The identity of a REF-DO: "rules with an identical REF-DO (AID DO, hash DO and package DO all
 * equal) are combined" (digest 4.4 step 1). The canonical encoding, in hex.
 */
export function refDoKey(ref: RefDo): string {
  return toHex(encodeTlv(encodeRefDo(ref)));
}

/** The identity of an AID-REF-DO alone (for Command-Delete by AID and the specific-beats-generic checks). */
export function aidRefKey(aid: AidRef | undefined): string {
  return aid === undefined ? '-' : toHex(encodeTlv(encodeAidRef(aid)));
}
