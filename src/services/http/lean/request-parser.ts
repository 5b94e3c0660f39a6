import { ChunkedDecoder } from './chunked.js';
import { LeanHttpError } from './errors.js';
import { CR, LF, parseRequestHead, type RequestHead } from './request-head.js';
import { sniff, type Sniff } from './sniff.js';

/**
 * An incremental HTTP/1.1 request parser for one connection (RFC 9112 2-7): bytes in as they arrive,
 * one step out at a time. It finds the end of the head without re-reading what it has seen (a client
 * sending one byte at a time costs linear time), holds at most `maxHeadBytes` of head and `maxBody` of
 * body, and throws a `LeanHttpError` with the status to answer for anything malformed or too large.
 *
 * Usage: `push(chunk)`, then `next()` until it returns NEED_MORE. HEAD gives `head`; the caller then
 * calls `beginBody()` (read the body, or discard it when the answer is already decided) and REQUEST
 * gives `body`. After REQUEST the parser is at the start of the next request (pipelining).
 *
 * The common case costs no copy: a request whose head and body arrive in one chunk is parsed in place
 * and its body is a view of that chunk.
 */
export interface ParserLimits {
  /** Longest request line (414 beyond). */
  readonly maxRequestLine: number;
  /** Most bytes in the head, request line included (431 beyond). */
  readonly maxHeadBytes: number;
  /** Most header fields (431 beyond). */
  readonly maxHeaderCount: number;
  /** Longest method token. */
  readonly maxMethod: number;
  /** Longest chunk-size line of a chunked body. */
  readonly maxChunkLine: number;
  /** Most bytes in the trailer section of a chunked body. */
  readonly maxTrailerBytes: number;
}

export const DEFAULT_PARSER_LIMITS: ParserLimits = {
  maxRequestLine: 4096,
  maxHeadBytes: 8192,
  maxHeaderCount: 64,
  maxMethod: 16,
  maxChunkLine: 1024,
  maxTrailerBytes: 4096,
};

/** `next()` results. */
export const NEED_MORE = 0;
export const HEAD = 1;
export const REQUEST = 2;
export type Step = typeof NEED_MORE | typeof HEAD | typeof REQUEST;

const P_START = 0;
const P_HEAD = 1;
const P_HEAD_DONE = 2;
const P_BODY_LENGTH = 3;
const P_BODY_CHUNKED = 4;

const EMPTY = Buffer.alloc(0);

export class RequestParser {
  readonly #limits: ParserLimits;
  #phase = P_START;
  /** Input: `#in[#pos, #in.length)` is not consumed yet. */
  #in: Buffer = EMPTY;
  #pos = 0;

  // The head being scanned: in place (`#acc` undefined, it starts at `#headStart` of `#in`) or, once it
  // spans chunks, copied into `#acc`.
  #acc: Buffer | undefined;
  #accLength = 0;
  #headStart = 0;
  #headLength = 0;
  #lineLength = 0;
  #prevCR = false;
  #lines = 0;

  #remaining = 0;
  #body: Buffer | undefined;
  #bodyLength = 0;
  #discard = false;
  #chunked: ChunkedDecoder | undefined;

  /** The head of the current request (valid from HEAD until the next HEAD). */
  head: RequestHead | undefined;
  /** The body of the current request (valid at REQUEST; empty when discarded or absent). */
  body: Uint8Array = EMPTY;

  constructor(limits: ParserLimits = DEFAULT_PARSER_LIMITS) {
    this.#limits = limits;
  }

  /** Adds received bytes. Bytes left unconsumed (at a request boundary) are kept in front of them. */
  push(chunk: Buffer): void {
    if (this.#pos < this.#in.length) this.#in = Buffer.concat([this.#in.subarray(this.#pos), chunk]);
    else this.#in = chunk;
    this.#pos = 0;
  }

  /** The bytes received and not consumed: at a request boundary, the start of the next request. */
  pending(): Buffer {
    return this.#in.subarray(this.#pos);
  }

  /** Which server the next request is for (at a request boundary; see sniff.ts). */
  sniff(prefixes: readonly Uint8Array[]): Sniff {
    return sniff(this.#in, this.#pos, prefixes, this.#limits.maxMethod);
  }

  /** How many received bytes are not consumed yet. */
  get pendingLength(): number {
    return this.#in.length - this.#pos;
  }

  /** Whether the parser is between requests (nothing of the next one consumed). */
  get atBoundary(): boolean {
    return this.#phase === P_START;
  }

  /** Whether the head of the current request is complete (the body, if any, is being read). */
  get inBody(): boolean {
    return this.#phase >= P_HEAD_DONE;
  }

  /** Advances as far as the input allows, up to the next event. Throws `LeanHttpError`. */
  next(): Step {
    switch (this.#phase) {
      case P_START:
        if (this.#pos >= this.#in.length) return NEED_MORE;
        this.#phase = P_HEAD;
        this.#acc = undefined;
        this.#accLength = 0;
        this.#headStart = this.#pos;
        this.#headLength = 0;
        this.#lineLength = 0;
        this.#prevCR = false;
        this.#lines = 0;
        return this.#scanHead();
      case P_HEAD:
        return this.#scanHead();
      case P_HEAD_DONE:
        throw new Error('RequestParser: beginBody() must follow HEAD');
      case P_BODY_LENGTH:
        return this.#readLength();
      default:
        return this.#readChunked();
    }
  }

  /**
   * After HEAD: read the body of at most `maxBody` bytes (413 beyond), or count it and keep nothing
   * (`discard`, when the answer does not depend on it). A request without Content-Length or chunked
   * has no body (RFC 9112 6.3).
   */
  beginBody(maxBody: number, discard: boolean): void {
    const head = this.head!;
    this.#discard = discard;
    this.#body = undefined;
    this.#bodyLength = 0;
    this.body = EMPTY;
    if (head.chunked) {
      this.#chunked = new ChunkedDecoder({ maxBody, maxChunkLine: this.#limits.maxChunkLine, maxTrailerBytes: this.#limits.maxTrailerBytes, maxTrailerCount: this.#limits.maxHeaderCount }, discard);
      this.#phase = P_BODY_CHUNKED;
      return;
    }
    const length = head.contentLength === -1 ? 0 : head.contentLength;
    if (length > maxBody) throw new LeanHttpError(413, 'ERR_HTTP_BODY_TOO_LARGE', `the body may be at most ${maxBody} bytes`);
    this.#remaining = length;
    this.#phase = P_BODY_LENGTH;
  }

  /**
   * Finds the empty line that ends the head, checking line ends as it goes (a bare LF is refused, RFC
   * 9112 2.2 allows it) and the limits (414 for a long request line, 431 for a long head).
   */
  #scanHead(): Step {
    const buf = this.#in;
    const end = buf.length;
    let i = this.#pos;
    for (;;) {
      const lf = buf.indexOf(LF, i);
      if (lf === -1) {
        this.#lineLength += end - i;
        this.#headLength += end - i;
        if (end > i) this.#prevCR = buf[end - 1] === CR;
        this.#checkLengths();
        this.#keep(this.#acc === undefined ? this.#headStart : this.#pos, end);
        this.#pos = end;
        return NEED_MORE;
      }
      const lineLength = this.#lineLength + (lf - i);
      const crBefore = lf > i ? buf[lf - 1] === CR : this.#prevCR;
      this.#headLength += lf + 1 - i;
      if (!crBefore) throw new LeanHttpError(400, this.#lines === 0 ? 'ERR_HTTP_REQUEST_LINE' : 'ERR_HTTP_HEADER', 'a line ends with a bare LF (CRLF is required)');
      this.#lineLength = lineLength + 1;
      this.#checkLengths();
      this.#lineLength = 0;
      this.#prevCR = false;
      i = lf + 1;
      if (lineLength === 1) {
        // An empty line: before the request line it is skipped (RFC 9112 2.2), after it ends the head.
        if (this.#lines === 0) continue;
        return this.#headComplete(i);
      }
      if (++this.#lines > this.#limits.maxHeaderCount + 1) throw new LeanHttpError(431, 'ERR_HTTP_HEADERS_TOO_LARGE', `more than ${this.#limits.maxHeaderCount} header fields`);
    }
  }

  #checkLengths(): void {
    if (this.#lines === 0 && this.#lineLength > this.#limits.maxRequestLine) throw new LeanHttpError(414, 'ERR_HTTP_URI_TOO_LONG', `the request line may be at most ${this.#limits.maxRequestLine} bytes`);
    if (this.#headLength > this.#limits.maxHeadBytes) throw new LeanHttpError(431, 'ERR_HTTP_HEADERS_TOO_LARGE', `the head may be at most ${this.#limits.maxHeadBytes} bytes`);
  }

  /** Copies `#in[from, to)` to the head accumulator (the head spans chunks); bounded by maxHeadBytes. */
  #keep(from: number, to: number): void {
    const n = to - from;
    if (n === 0) return;
    if (this.#acc === undefined) {
      this.#acc = Buffer.allocUnsafe(Math.min(this.#limits.maxHeadBytes, Math.max(1024, n * 2)));
      this.#accLength = 0;
    }
    const need = this.#accLength + n;
    if (need > this.#acc.length) {
      const grown = Buffer.allocUnsafe(Math.min(this.#limits.maxHeadBytes, Math.max(need, this.#acc.length * 2)));
      this.#acc.copy(grown, 0, 0, this.#accLength);
      this.#acc = grown;
    }
    this.#in.copy(this.#acc, this.#accLength, from, to);
    this.#accLength = need;
  }

  /** The head ends before `#in[end]`. */
  #headComplete(end: number): Step {
    if (this.#acc === undefined) {
      this.head = parseRequestHead(this.#in, this.#headStart, end, this.#limits);
    } else {
      this.#keep(this.#pos, end);
      this.head = parseRequestHead(this.#acc, 0, this.#accLength, this.#limits);
      this.#acc = undefined;
    }
    this.#pos = end;
    this.#phase = P_HEAD_DONE;
    return HEAD;
  }

  #readLength(): Step {
    const available = this.#in.length - this.#pos;
    if (this.#body === undefined && this.#bodyLength === 0 && available >= this.#remaining) {
      // The whole body is here: a view, no copy.
      if (!this.#discard) this.body = this.#in.subarray(this.#pos, this.#pos + this.#remaining);
      this.#pos += this.#remaining;
      return this.#requestComplete();
    }
    const take = Math.min(available, this.#remaining);
    if (!this.#discard && take > 0) {
      this.#body ??= Buffer.allocUnsafe(this.#bodyLength + this.#remaining);
      this.#in.copy(this.#body, this.#bodyLength, this.#pos, this.#pos + take);
    }
    this.#bodyLength += take;
    this.#remaining -= take;
    this.#pos += take;
    if (this.#remaining > 0) return NEED_MORE;
    if (!this.#discard) this.body = this.#body ?? EMPTY;
    return this.#requestComplete();
  }

  #readChunked(): Step {
    const decoder = this.#chunked!;
    this.#pos = decoder.decode(this.#in, this.#pos, this.#in.length);
    if (!decoder.done) return NEED_MORE;
    this.body = this.#discard ? EMPTY : decoder.body();
    this.#chunked = undefined;
    return this.#requestComplete();
  }

  #requestComplete(): Step {
    this.#body = undefined;
    this.#phase = P_START;
    return REQUEST;
  }
}
