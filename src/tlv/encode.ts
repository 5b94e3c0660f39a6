import { concat } from '../bytes/index.js';
import { TlvError } from './errors.js';
import { encodeLength } from './length.js';
import type { Tlv } from './node.js';
import { encodeTag } from './tag.js';

/**
 * DER-style encoding of one data object: minimal tag and length fields, constructed values built
 * from `children` (never from `value`), so encode → decode → encode is byte-exact.
 */
export function encodeTlv(node: Tlv): Uint8Array {
  const tagBytes = encodeTag(node.tag);
  checkConstructed(node.tag, tagBytes, node.constructed);
  const content = node.constructed ? encodeTlvList(node.children) : node.value;
  return concat(tagBytes, encodeLength(content.length), content);
}

/** The concatenated encodings of a sequence of data objects (ISO/IEC 7816-4 5.2.1). */
export function encodeTlvList(nodes: readonly Tlv[]): Uint8Array {
  return concat(...nodes.map((n) => encodeTlv(n)));
}

/** X.690 8.1.2.5: the constructed flag is a property of the tag, so a node cannot disagree. */
export function checkConstructed(tag: number, tagBytes: Uint8Array, constructed: boolean): void {
  if (((tagBytes[0]! & 0x20) !== 0) !== constructed) {
    throw new TlvError(
      'ERR_TLV_CONSTRUCTED_MISMATCH',
      `tag ${tag.toString(16).toUpperCase()} is ${constructed ? 'primitive' : 'constructed'}`,
    );
  }
}
