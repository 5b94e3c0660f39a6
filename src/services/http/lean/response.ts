import { HttpProblem, problemDocument } from '../problem.js';

/**
 * Responses of the lean server, encoded into one buffer each (status line, fields, body: one write,
 * one system call). The parts that do not change are encoded once: the status line with the
 * Content-Type, the connection fields, and the Date line, which changes once a second (RFC 9110 6.6.1:
 * an origin server with a clock sends Date).
 */
export interface LeanReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: Uint8Array;
  /** The methods a 405 allows (RFC 9110 15.5.6: the Allow field is required there). */
  readonly allow?: string;
}

const REASON: Readonly<Record<number, string>> = {
  200: 'OK',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  411: 'Length Required',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  417: 'Expectation Failed',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  505: 'HTTP Version Not Supported',
};

/** What the connection does after the answer, and how the answer says so (RFC 9112 9.3, 9.6). */
export const CLOSE = 0;
export const KEEP_ALIVE = 1;
export type Persistence = typeof CLOSE | typeof KEEP_ALIVE;

export const CONTINUE_100: Buffer = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');

const SLAB_SIZE = 64 * 1024;
const CONTENT_LENGTH = Buffer.from('\r\nContent-Length: ', 'latin1');
const CRLF = Buffer.from('\r\n', 'latin1');

/** Encodes responses for one server (its keep-alive timeout is announced in Keep-Alive). */
export class ResponseEncoder {
  /** "HTTP/1.1 <status> <reason>\r\nContent-Type: <type>", by status then type. */
  readonly #starts = new Map<number, Map<string, Buffer>>();
  readonly #tails: readonly [Buffer, Buffer];
  #date = Buffer.alloc(0);
  #dateUntil = 0;
  #slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
  #slabUsed = 0;

  constructor(keepAliveMs: number) {
    this.#tails = [
      Buffer.from('Connection: close\r\n\r\n', 'latin1'),
      Buffer.from(`Connection: keep-alive\r\nKeep-Alive: timeout=${Math.max(1, Math.floor(keepAliveMs / 1000))}\r\n\r\n`, 'latin1'),
    ];
  }

  /**
   * The whole response in one buffer. `headOnly`: the answer to a HEAD, whose Content-Length is that of
   * the content a GET would get, without the content (RFC 9110 9.3.2, 8.6).
   */
  encode(reply: LeanReply, persistence: Persistence, now = Date.now(), headOnly = false): Buffer {
    const start = this.#start(reply.status, reply.contentType);
    const date = this.#dateLine(now);
    const tail = this.#tails[persistence];
    const length = reply.body.length;
    let digits = 1;
    for (let n = length; n >= 10; n = Math.floor(n / 10)) digits++;
    const allow = reply.allow === undefined ? undefined : Buffer.from(`Allow: ${reply.allow}\r\n`, 'latin1');
    const size = start.length + CONTENT_LENGTH.length + digits + CRLF.length + date.length + (allow?.length ?? 0) + tail.length + (headOnly ? 0 : length);
    const out = this.#take(size);
    out.set(start, 0);
    let pos = start.length;
    out.set(CONTENT_LENGTH, pos);
    pos += CONTENT_LENGTH.length;
    for (let n = length, i = pos + digits - 1; i >= pos; i--, n = Math.floor(n / 10)) out[i] = 0x30 + (n % 10);
    pos += digits;
    out.set(CRLF, pos);
    pos += CRLF.length;
    out.set(date, pos);
    pos += date.length;
    if (allow !== undefined) {
      out.set(allow, pos);
      pos += allow.length;
    }
    out.set(tail, pos);
    pos += tail.length;
    if (!headOnly) out.set(reply.body, pos);
    return out;
  }

  /**
   * `size` bytes for one response, cut from a slab of 64 KiB: a new ArrayBuffer every few dozen
   * answers rather than one per answer or per few (Node's own pool is 8 KiB), which is most of what
   * encoding an answer from memory would otherwise cost. A slice is written once, handed to the socket
   * and never touched again; a slab lives until its last slice is written.
   */
  #take(size: number): Buffer {
    if (size > SLAB_SIZE / 8) return Buffer.allocUnsafeSlow(size);
    if (this.#slabUsed + size > SLAB_SIZE) {
      this.#slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
      this.#slabUsed = 0;
    }
    const out = this.#slab.subarray(this.#slabUsed, this.#slabUsed + size);
    this.#slabUsed += (size + 7) & ~7;
    return out;
  }

  #start(status: number, contentType: string): Buffer {
    let byType = this.#starts.get(status);
    if (byType === undefined) this.#starts.set(status, (byType = new Map()));
    let start = byType.get(contentType);
    if (start === undefined) {
      start = Buffer.from(`HTTP/1.1 ${status} ${REASON[status] ?? 'Error'}\r\nContent-Type: ${contentType}`, 'latin1');
      // A handful of types per status in practice; a bound keeps a careless caller from growing it.
      if (byType.size < 16) byType.set(contentType, start);
    }
    return start;
  }

  /** "Date: <IMF-fixdate>\r\n" (RFC 9110 5.6.7), re-encoded when the second changes. */
  #dateLine(now: number): Buffer {
    if (now >= this.#dateUntil || now < this.#dateUntil - 1000) {
      this.#date = Buffer.from(`Date: ${new Date(now).toUTCString()}\r\n`, 'latin1');
      this.#dateUntil = now - (now % 1000) + 1000;
    }
    return this.#date;
  }
}

const PROBLEMS = new Map<string, LeanReply>();

/**
 * An RFC 9457 problem document, as the node:http edge writes them (`urn:jpki-mobile:problem:<code>`).
 * Most documents of the lean server have fixed details, so each is encoded once.
 */
export function problemReply(status: number, code: string, detail: string, allow?: string): LeanReply {
  const key = `${status} ${code} ${detail} ${allow ?? ''}`;
  let reply = PROBLEMS.get(key);
  if (reply === undefined) {
    const body = Buffer.from(JSON.stringify(problemDocument(new HttpProblem(status, code, detail))), 'utf8');
    reply = { status, contentType: 'application/problem+json', body, ...(allow !== undefined ? { allow } : {}) };
    // Details that name what the client sent (a path) are not kept: the table stays small and fixed.
    if (PROBLEMS.size < 256 && detail.length <= 120) PROBLEMS.set(key, reply);
  }
  return reply;
}
