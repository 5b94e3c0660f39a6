import { TCHAR } from './request-head.js';

/**
 * Which server a request is for, from its first bytes: `method SP target`, where the target starts
 * with one of the claimed path prefixes followed by "/", "?" or the space that ends it (so `/ocsp`
 * claims `/ocsp`, `/ocsp/auth` and `/ocsp?x`, not `/ocspx`). Anything else, garbage included, is not
 * claimed and goes to the general server, which answers it as it always has. Empty lines before the
 * request line are skipped as the parser skips them (RFC 9112 2.2).
 */
export const SNIFF_MORE = 0;
export const SNIFF_CLAIMED = 1;
export const SNIFF_OTHER = 2;
export type Sniff = typeof SNIFF_MORE | typeof SNIFF_CLAIMED | typeof SNIFF_OTHER;

const SP = 0x20;
/** Empty lines skipped before giving up on a request line. */
const MAX_LEADING_CRLF = 4;

/** Sniffs the request that starts at `buf[start]`. */
export function sniff(buf: Uint8Array, start: number, prefixes: readonly Uint8Array[], maxMethod: number): Sniff {
  const end = buf.length;
  let pos = start;
  for (let n = 0; pos < end && buf[pos] === 0x0d; n++) {
    if (n === MAX_LEADING_CRLF) return SNIFF_OTHER;
    if (pos + 1 >= end) return SNIFF_MORE;
    if (buf[pos + 1] !== 0x0a) return SNIFF_OTHER;
    pos += 2;
  }
  const methodStart = pos;
  while (pos < end && TCHAR[buf[pos]!] === 1) {
    if (++pos - methodStart > maxMethod) return SNIFF_OTHER;
  }
  if (pos === end) return SNIFF_MORE;
  if (pos === methodStart || buf[pos] !== SP) return SNIFF_OTHER;
  const target = pos + 1;
  let more = false;
  for (const prefix of prefixes) {
    let i = 0;
    while (i < prefix.length && target + i < end && buf[target + i] === prefix[i]) i++;
    if (target + i === end) {
      more = true; // all we have matches: the next bytes decide
      continue;
    }
    if (i < prefix.length) continue;
    const after = buf[target + i];
    if (after === 0x2f /* / */ || after === 0x3f /* ? */ || after === SP) return SNIFF_CLAIMED;
  }
  return more ? SNIFF_MORE : SNIFF_OTHER;
}
