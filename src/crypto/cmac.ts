import { createCipheriv } from 'node:crypto';
import { AES_BLOCK, aesAlgorithm, aesEncryptBlock } from './aes.js';

const ZERO_BLOCK = new Uint8Array(AES_BLOCK);
const RB = 0x87; // RFC 4493 2.3: R_128 = 0^120 || 10000111

/** RFC 4493 2.3 (Generate_Subkey): the left shift of a block by one bit, XOR Rb when the MSB was 1. */
function double(block: Uint8Array): Uint8Array {
  const out = new Uint8Array(AES_BLOCK);
  for (let i = 0; i < AES_BLOCK - 1; i++) out[i] = ((block[i]! << 1) | (block[i + 1]! >>> 7)) & 0xff;
  out[AES_BLOCK - 1] = (block[AES_BLOCK - 1]! << 1) & 0xff;
  if (block[0]! & 0x80) out[AES_BLOCK - 1]! ^= RB;
  return out;
}

/**
 * AES-CMAC (RFC 4493, NIST SP 800-38B) under one key, with the subkeys K1 and K2 derived once.
 *
 * RFC 4493 2.4: the message is cut into blocks; a complete last block is XORed with K1, an
 * incomplete (or empty) one is padded with `10…0` and XORed with K2; the MAC is the last block of
 * AES-CBC with a zero IV over the result. The CBC pass is one node:crypto call over a copy of the
 * message, so the cost is the cipher's plus one copy.
 */
export class AesCmac {
  readonly #key: Uint8Array;
  readonly #algorithm: string;
  readonly #k1: Uint8Array;
  readonly #k2: Uint8Array;

  constructor(key: Uint8Array) {
    this.#algorithm = aesAlgorithm(key, 'cbc');
    this.#key = new Uint8Array(key);
    const l = aesEncryptBlock(this.#key, ZERO_BLOCK);
    this.#k1 = double(l);
    this.#k2 = double(this.#k1);
  }

  /** Scratch space for the padded message, grown on demand and reused: a MAC is computed synchronously. */
  #scratch = new Uint8Array(256);

  /** The 16-byte CMAC of the concatenation of `parts` (no intermediate concatenation is made). */
  mac(...parts: readonly Uint8Array[]): Uint8Array {
    let n = 0;
    for (const p of parts) n += p.length;
    const complete = n > 0 && n % AES_BLOCK === 0;
    const length = complete ? n : (Math.floor(n / AES_BLOCK) + 1) * AES_BLOCK;
    if (this.#scratch.length < length) this.#scratch = new Uint8Array(Math.max(length, this.#scratch.length * 2));
    const buf = this.#scratch.subarray(0, length);
    let offset = 0;
    for (const p of parts) {
      buf.set(p, offset);
      offset += p.length;
    }
    if (!complete) buf.fill(0, n).fill(0x80, n, n + 1);
    const subkey = complete ? this.#k1 : this.#k2;
    const last = length - AES_BLOCK;
    for (let i = 0; i < AES_BLOCK; i++) buf[last + i]! ^= subkey[i]!;
    const cipher = createCipheriv(this.#algorithm, this.#key, ZERO_BLOCK);
    cipher.setAutoPadding(false);
    const out = cipher.update(buf);
    const tag = new Uint8Array(AES_BLOCK);
    for (let i = 0; i < AES_BLOCK; i++) tag[i] = out[last + i]!;
    return tag;
  }

  /** The subkeys, for tests against RFC 4493's published K1 and K2. */
  subkeys(): { k1: Uint8Array; k2: Uint8Array } {
    return { k1: new Uint8Array(this.#k1), k2: new Uint8Array(this.#k2) };
  }
}

/** One-shot AES-CMAC; prefer an `AesCmac` object when the key is used more than once. */
export function aesCmac(key: Uint8Array, message: Uint8Array): Uint8Array {
  return new AesCmac(key).mac(message);
}
