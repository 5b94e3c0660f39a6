import { CryptoError } from './errors.js';

/**
 * ISO/IEC 9797-1 padding method 2, as GP Amendment D 4.1.4 states it: append `80`, then `00`s up to a
 * multiple of the block size. A full block is added when the data already fills whole blocks.
 */
export function padIso9797M2(data: Uint8Array, block = 16): Uint8Array {
  const out = new Uint8Array((Math.floor(data.length / block) + 1) * block);
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

/**
 * Removes method-2 padding. The padded length must be a whole number of blocks and the padding must be
 * `80 00…00` of at most one block; anything else is `ERR_PADDING`, the signal of a forged or
 * mis-keyed ciphertext.
 */
export function unpadIso9797M2(padded: Uint8Array, block = 16): Uint8Array {
  if (padded.length === 0 || padded.length % block !== 0) {
    throw new CryptoError('ERR_PADDING', `padded data of ${padded.length} bytes is not a whole number of blocks`);
  }
  let i = padded.length - 1;
  const stop = padded.length - block;
  while (i >= stop && padded[i] === 0x00) i--;
  if (i < stop || padded[i] !== 0x80) throw new CryptoError('ERR_PADDING', 'padding is not 80 00..00 within the last block');
  return padded.subarray(0, i);
}
