import { LeanHttpError } from './errors.js';

/**
 * The chunked transfer coding of a request body (RFC 9112 7.1), decoded incrementally and bounded:
 *
 *   chunked-body   = *chunk last-chunk trailer-section CRLF
 *   chunk          = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   chunk-size     = 1*HEXDIG
 *   last-chunk     = 1*("0") [ chunk-ext ] CRLF
 *   chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 *   trailer-section = *( field-line CRLF )
 *
 * Extensions and trailer fields are read and dropped (RFC 9112 7.1.1, 7.1.2 allow it). The body may
 * not exceed `maxBody` bytes (413 as soon as a chunk size says it would); a chunk line, the trailer
 * section and the count of trailer fields are bounded too, so a hostile sender can make the decoder
 * hold at most `maxBody` bytes and spend time linear in what it sent.
 */
export interface ChunkedLimits {
  readonly maxBody: number;
  /** Longest chunk-size line, extensions included. */
  readonly maxChunkLine: number;
  /** Most bytes and fields in the trailer section (431 beyond). */
  readonly maxTrailerBytes: number;
  readonly maxTrailerCount: number;
}

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;

const S_SIZE = 0; // first hex digit of a chunk-size
const S_SIZE_MORE = 1; // more digits, or BWS, ";" or CR
const S_SIZE_BWS = 2; // whitespace after the size: ";" or CR
const S_EXT = 3; // inside chunk-ext, up to CR
const S_SIZE_LF = 4;
const S_DATA = 5;
const S_DATA_CR = 6;
const S_DATA_LF = 7;
const S_TRAILER = 8; // start of a trailer line, or the final CRLF
const S_TRAILER_LINE = 9;
const S_TRAILER_LF = 10;
const S_END_LF = 11;
const S_DONE = 12;

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** Visible characters, SP, HTAB and obs-text: what an extension or trailer line may hold. */
function lineChar(c: number): boolean {
  return c === HTAB || (c >= 0x20 && c !== 0x7f);
}

export class ChunkedDecoder {
  readonly #limits: ChunkedLimits;
  readonly #discard: boolean;
  #state = S_SIZE;
  #size = 0;
  #line = 0;
  #trailerBytes = 0;
  #trailerCount = 0;
  #body: Buffer | undefined;
  #length = 0;

  /** `discard`: count and bound the body but keep none of it (an answer already decided). */
  constructor(limits: ChunkedLimits, discard: boolean) {
    this.#limits = limits;
    this.#discard = discard;
  }

  get done(): boolean {
    return this.#state === S_DONE;
  }

  /** The decoded body (empty when discarded); valid once `done`. */
  body(): Uint8Array {
    return this.#body === undefined ? new Uint8Array(0) : this.#body.subarray(0, this.#length);
  }

  /** Consumes `buf[pos, end)` up to the end of the body; returns where it stopped. Throws `LeanHttpError`. */
  decode(buf: Buffer, pos: number, end: number): number {
    while (pos < end && this.#state !== S_DONE) {
      const c = buf[pos]!;
      switch (this.#state) {
        case S_SIZE:
        case S_SIZE_MORE: {
          const h = hexValue(c);
          if (h >= 0) {
            this.#size = this.#size * 16 + h;
            if (this.#size > this.#limits.maxBody - this.#length) throw new LeanHttpError(413, 'ERR_HTTP_BODY_TOO_LARGE', `the body may be at most ${this.#limits.maxBody} bytes`);
            this.#state = S_SIZE_MORE;
          } else if (this.#state === S_SIZE) {
            throw chunk('a chunk does not start with a hexadecimal size');
          } else if (c === SP || c === HTAB) {
            this.#state = S_SIZE_BWS;
          } else if (c === 0x3b /* ; */) {
            this.#state = S_EXT;
          } else if (c === CR) {
            this.#state = S_SIZE_LF;
          } else {
            throw chunk('a chunk size is followed by something other than an extension or CRLF');
          }
          this.#lineByte();
          pos++;
          break;
        }
        case S_SIZE_BWS:
          if (c === 0x3b) this.#state = S_EXT;
          else if (c === CR) this.#state = S_SIZE_LF;
          else if (c !== SP && c !== HTAB) throw chunk('whitespace after a chunk size is followed by something other than ";" or CRLF');
          this.#lineByte();
          pos++;
          break;
        case S_EXT:
          if (c === CR) this.#state = S_SIZE_LF;
          else if (!lineChar(c)) throw chunk('a control character in a chunk extension');
          this.#lineByte();
          pos++;
          break;
        case S_SIZE_LF:
          if (c !== LF) throw chunk('a chunk-size line does not end with CRLF');
          pos++;
          this.#line = 0;
          if (this.#size === 0) {
            this.#state = S_TRAILER;
          } else {
            this.#state = S_DATA;
          }
          break;
        case S_DATA: {
          const take = Math.min(this.#size, end - pos);
          if (!this.#discard) {
            this.#reserve(this.#length + take);
            buf.copy(this.#body!, this.#length, pos, pos + take);
          }
          this.#length += take;
          this.#size -= take;
          pos += take;
          if (this.#size === 0) this.#state = S_DATA_CR;
          break;
        }
        case S_DATA_CR:
          if (c !== CR) throw chunk('chunk data is longer than its size');
          this.#state = S_DATA_LF;
          pos++;
          break;
        case S_DATA_LF:
          if (c !== LF) throw chunk('chunk data is not followed by CRLF');
          this.#state = S_SIZE;
          pos++;
          break;
        case S_TRAILER:
          if (c === CR) {
            this.#state = S_END_LF;
          } else {
            if (++this.#trailerCount > this.#limits.maxTrailerCount) throw trailerTooLarge(this.#limits);
            this.#state = S_TRAILER_LINE;
            if (!lineChar(c)) throw chunk('a control character in a trailer field');
          }
          this.#trailerByte();
          pos++;
          break;
        case S_TRAILER_LINE:
          if (c === CR) this.#state = S_TRAILER_LF;
          else if (!lineChar(c)) throw chunk('a control character in a trailer field');
          this.#trailerByte();
          pos++;
          break;
        case S_TRAILER_LF:
          if (c !== LF) throw chunk('a trailer field does not end with CRLF');
          this.#state = S_TRAILER;
          this.#trailerByte();
          pos++;
          break;
        case S_END_LF:
          if (c !== LF) throw chunk('the chunked body does not end with CRLF');
          this.#state = S_DONE;
          pos++;
          break;
      }
    }
    return pos;
  }

  #lineByte(): void {
    if (++this.#line > this.#limits.maxChunkLine) throw chunk(`a chunk-size line longer than ${this.#limits.maxChunkLine} bytes`);
  }

  #trailerByte(): void {
    if (++this.#trailerBytes > this.#limits.maxTrailerBytes) throw trailerTooLarge(this.#limits);
  }

  /** Room for `total` bytes of body, grown by doubling as data arrives: memory follows what was sent, not what a size announced. */
  #reserve(total: number): void {
    const have = this.#body?.length ?? 0;
    if (total <= have) return;
    const size = Math.min(this.#limits.maxBody, Math.max(total, have * 2, 256));
    const grown = Buffer.allocUnsafe(size);
    this.#body?.copy(grown, 0, 0, this.#length);
    this.#body = grown;
  }
}

function chunk(detail: string): LeanHttpError {
  return new LeanHttpError(400, 'ERR_HTTP_CHUNK', detail);
}

function trailerTooLarge(limits: ChunkedLimits): LeanHttpError {
  return new LeanHttpError(431, 'ERR_HTTP_HEADERS_TOO_LARGE', `a trailer section over ${limits.maxTrailerBytes} bytes or ${limits.maxTrailerCount} fields`);
}
