import { encodeTlvList, checkConstructed } from './encode.js';
import type { Tlv, TlvConstructed, TlvPrimitive } from './node.js';
import { encodeTag } from './tag.js';

/**
 * Builds a data object: bytes for a primitive tag, children for a constructed one (b6 of the tag
 * decides, X.690 8.1.2.5). The value is copied, so later changes to the caller's buffer do not
 * leak into the node; a constructed node's `value` is the encoding of its children.
 */
export function tlv(tag: number, value: Uint8Array): TlvPrimitive;
export function tlv(tag: number, children: readonly Tlv[]): TlvConstructed;
export function tlv(tag: number, content: Uint8Array | readonly Tlv[]): Tlv;
export function tlv(tag: number, content: Uint8Array | readonly Tlv[]): Tlv {
  const tagBytes = encodeTag(tag);
  if (content instanceof Uint8Array) {
    checkConstructed(tag, tagBytes, false);
    return { tag, constructed: false, value: new Uint8Array(content) };
  }
  checkConstructed(tag, tagBytes, true);
  const children = [...content];
  return { tag, constructed: true, value: encodeTlvList(children), children };
}
