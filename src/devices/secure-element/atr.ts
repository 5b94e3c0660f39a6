/**
 * An answer to reset announcing T=1 and carrying historical bytes (ISO/IEC 7816-3 8.2):
 * `3B 8K 80 01 <K historical bytes> TCK`: T0 = '8K' (TD1 follows, K historical bytes), TD1 = '80'
 * (TD2 follows, T=0), TD2 = '01' (T=1), and TCK, the XOR of T0..the last historical byte, present
 * because T=1 is indicated. It is also the form PC/SC Part 3 3.1.3.2.3 gives an ISO 14443-4
 * contactless card with its ATS historical bytes, so the same function serves both interfaces.
 */
export function contactlessAtr(historical: Uint8Array): Uint8Array {
  if (historical.length > 15) throw new RangeError('at most 15 historical bytes');
  const body = Uint8Array.of(0x80 | historical.length, 0x80, 0x01, ...historical);
  const tck = body.reduce((x, b) => x ^ b, 0);
  return Uint8Array.of(0x3b, ...body, tck);
}

export const contactAtr = contactlessAtr;
