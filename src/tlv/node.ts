/**
 * A primitive data object (X.690 8.1.2.5, b6 = 0): the value is opaque bytes. `children` is
 * declared absent so `node.children` reads as `undefined` without narrowing first.
 */
export interface TlvPrimitive {
  readonly tag: number;
  readonly constructed: false;
  readonly value: Uint8Array;
  readonly children?: undefined;
}

/**
 * A constructed data object (b6 = 1): its value is a sequence of data objects. `value` holds the
 * content bytes (as received when decoded, the children's encoding when built); encoding always
 * starts from `children`.
 */
export interface TlvConstructed {
  readonly tag: number;
  readonly constructed: true;
  readonly value: Uint8Array;
  readonly children: readonly Tlv[];
}

/** One BER-TLV data object; `constructed` always agrees with b6 of the first tag byte. */
export type Tlv = TlvPrimitive | TlvConstructed;

/** Where a lookup or dump starts: one data object, or a sequence of them (e.g. a whole response). */
export type TlvRoot = Tlv | readonly Tlv[];

/** The top-level data objects of a root. */
export function rootList(root: TlvRoot): readonly Tlv[] {
  return isList(root) ? root : [root];
}

function isList(root: TlvRoot): root is readonly Tlv[] {
  return Array.isArray(root);
}
