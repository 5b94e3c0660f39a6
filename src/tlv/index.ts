/**
 * BER-TLV as smart cards use it (ISO/IEC 7816-4 5.2, a subset of X.690 8.1 BER): tags of up to four
 * bytes, definite lengths of up to four length bytes, strict decoding of untrusted responses, and
 * minimal encoding.
 */
export { TlvError, type TlvErrorCode } from './errors.js';
export type { Tlv, TlvPrimitive, TlvConstructed, TlvRoot } from './node.js';
export { isConstructedTag, tagClass, tagToHex, type TagClass } from './tag.js';
export { decodeTlv, decodeTlvList, type TlvDecodeOptions } from './decode.js';
export { encodeTlv, encodeTlvList } from './encode.js';
export { tlv } from './build.js';
export { findTlv, findAllTlv, requireTlv } from './path.js';
export { dumpTlv } from './dump.js';
