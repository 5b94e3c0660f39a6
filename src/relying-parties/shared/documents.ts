import { canonicalJson } from '../../store/index.js';

/**
 * The documents the relying parties ask holders to sign are UTF-8 JSON in the canonical form of
 * RFC 8785 (JCS: members sorted, no white space; `canonicalJson`), so that the bytes signed are one
 * function of their content: a verifier can re-derive them from the parsed document and compare. They
 * are stored and served byte for byte as signed.
 */
export function encodeDocument(value: Record<string, unknown>): Uint8Array {
  return new Uint8Array(Buffer.from(canonicalJson(value), 'utf8'));
}

export function decodeDocument(bytes: Uint8Array): unknown {
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
}
