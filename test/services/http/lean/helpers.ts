import { HEAD, LeanHttpError, NEED_MORE, RequestParser, type ParserLimits, type RequestHead } from '../../../../src/services/http/lean/index.js';

/** What a byte stream parsed into: complete requests, then possibly one error, and whether input was left mid-request. */
export interface Parsed {
  readonly requests: { head: RequestHead; body: Buffer }[];
  readonly error?: { status: number; code: string };
  /** The parser stopped in the middle of a request (more bytes were needed). */
  readonly partial: boolean;
}

/**
 * Drives a RequestParser over `chunks` as a connection does: every body is read (at most `maxBody`
 * bytes), requests are collected until the input ends or the parser throws. Any exception that is not
 * a LeanHttpError is rethrown (a parser bug).
 */
export function parseChunks(chunks: readonly Uint8Array[], options: { maxBody?: number; limits?: ParserLimits } = {}): Parsed {
  const parser = new RequestParser(options.limits);
  const requests: Parsed['requests'] = [];
  for (const chunk of chunks) {
    parser.push(Buffer.from(chunk));
    for (;;) {
      let step: number;
      try {
        step = parser.next();
        if (step === HEAD) {
          parser.beginBody(options.maxBody ?? 16 * 1024, false);
          continue;
        }
      } catch (err) {
        if (!(err instanceof LeanHttpError)) throw err;
        return { requests, error: { status: err.status, code: err.code }, partial: true };
      }
      if (step === NEED_MORE) break;
      requests.push({ head: parser.head!, body: Buffer.from(parser.body) });
    }
  }
  return { requests, partial: !parser.atBoundary || parser.pendingLength > 0 };
}

/** `bytes` cut at the given offsets (sorted, deduplicated, within range). */
export function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let start = 0;
  for (const p of points) {
    out.push(bytes.subarray(start, p));
    start = p;
  }
  out.push(bytes.subarray(start));
  return out;
}

export const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');
