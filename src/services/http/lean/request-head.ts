import { LeanHttpError } from './errors.js';

/**
 * The head of an HTTP/1.1 request (RFC 9112 2.1), as far as a server that answers from memory needs it:
 *
 *   HTTP-message   = start-line CRLF *( field-line CRLF ) CRLF [ message-body ]
 *   request-line   = method SP request-target SP HTTP-version
 *   field-line     = field-name ":" OWS field-value OWS
 *
 * Every field line is checked (RFC 9112 5: no whitespace before the colon, no obs-fold, no control
 * characters); only the fields that decide framing, persistence and the media type are kept.
 */
export interface RequestHead {
  /** The method token as sent (case-sensitive, RFC 9110 9.1). */
  readonly method: string;
  /** The request-target exactly as sent (origin-form for what this server claims, RFC 9112 3.2.1). */
  readonly target: string;
  /** The minor version: 0 for HTTP/1.0, 1 for HTTP/1.1 and later 1.x (RFC 9110 2.5). */
  readonly minor: 0 | 1;
  /** Content-Length, or -1 when there is none; Infinity when it has more digits than any body we read. */
  readonly contentLength: number;
  /** Transfer-Encoding: chunked (the only transfer coding accepted). */
  readonly chunked: boolean;
  /** Content-Type as sent, or undefined. */
  readonly contentType: string | undefined;
  /** Whether the connection may stay open after the answer (RFC 9112 9.3). */
  readonly keepAlive: boolean;
  /** Expect: 100-continue (RFC 9110 10.1.1). */
  readonly expectContinue: boolean;
}

export const CR = 0x0d;
export const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;

/** tchar (RFC 9110 5.6.2): the characters of a token (methods, field names, transfer codings). */
export const TCHAR: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (const c of "!#$%&'*+-.^_`|~") t[c.charCodeAt(0)] = 1;
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  return t;
})();

/** field-vchar, SP and HTAB (RFC 9110 5.5): what a field value may hold; obs-text (0x80-0xFF) included. */
const FIELD_CHAR: Uint8Array = (() => {
  const t = new Uint8Array(256);
  t[HTAB] = 1;
  for (let c = 0x20; c <= 0x7e; c++) t[c] = 1;
  for (let c = 0x80; c <= 0xff; c++) t[c] = 1;
  return t;
})();

/**
 * The characters of uri-host [ ":" port ] (RFC 3986 3.2.2, 3.2.3): reg-name, IP literals in brackets,
 * percent-encoding. Enough to refuse a Host that is not one (RFC 9112 3.2: 400).
 */
const HOST_CHAR: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (const c of "-._~!$&'()*+,;=:[]%") t[c.charCodeAt(0)] = 1;
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  return t;
})();

export interface HeadLimits {
  /** Longest method token read. */
  readonly maxMethod: number;
  /** Most header fields (431 beyond). */
  readonly maxHeaderCount: number;
}

/** The fields this server reads, as lower-case byte strings compared without building a string per field. */
const FIELD = {
  contentLength: Buffer.from('content-length'),
  transferEncoding: Buffer.from('transfer-encoding'),
  connection: Buffer.from('connection'),
  contentType: Buffer.from('content-type'),
  host: Buffer.from('host'),
  expect: Buffer.from('expect'),
} as const;

/** Whether buf[start, start + name.length) is `name` (lower case) in any case: field names are case-insensitive (RFC 9110 5.1). */
function nameIs(buf: Uint8Array, start: number, length: number, name: Uint8Array): boolean {
  if (length !== name.length) return false;
  for (let i = 0; i < length; i++) if ((buf[start + i]! | 0x20) !== name[i]) return false;
  return true;
}

/** The methods that are almost always sent, as constant strings (no allocation per request). */
const GET = Buffer.from('GET');
const POST = Buffer.from('POST');

function methodString(buf: Buffer, start: number, end: number): string {
  const n = end - start;
  if (n === 4 && buf[start] === POST[0] && buf[start + 1] === POST[1] && buf[start + 2] === POST[2] && buf[start + 3] === POST[3]) return 'POST';
  if (n === 3 && buf[start] === GET[0] && buf[start + 1] === GET[1] && buf[start + 2] === GET[2]) return 'GET';
  return buf.toString('latin1', start, end);
}

/**
 * Parses a complete head: `buf[start, end)` ends with the CRLF of the empty line. Leading empty lines
 * are skipped (RFC 9112 2.2). Throws a `LeanHttpError` with the status to answer.
 */
export function parseRequestHead(buf: Buffer, start: number, end: number, limits: HeadLimits): RequestHead {
  let pos = start;
  while (pos + 1 < end && buf[pos] === CR && buf[pos + 1] === LF) pos += 2;

  // request-line = method SP request-target SP HTTP-version CRLF (RFC 9112 3)
  const methodStart = pos;
  while (pos < end && TCHAR[buf[pos]!] === 1) pos++;
  const methodEnd = pos;
  if (methodEnd === methodStart || buf[pos] !== SP) throw requestLine('the method is not a token followed by one space');
  if (methodEnd - methodStart > limits.maxMethod) throw requestLine('the method is longer than any this server knows');
  pos++;
  const targetStart = pos;
  // Visible ASCII only: no whitespace, controls or raw non-ASCII in a request-target (RFC 3986 2, RFC 9112 3.2).
  while (pos < end && buf[pos]! > 0x20 && buf[pos]! < 0x7f) pos++;
  const targetEnd = pos;
  if (targetEnd === targetStart || buf[pos] !== SP) throw requestLine('the request-target is empty or holds a character outside visible ASCII');
  pos++;
  // HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 2.3)
  if (
    end - pos < 10 ||
    buf[pos] !== 0x48 || buf[pos + 1] !== 0x54 || buf[pos + 2] !== 0x54 || buf[pos + 3] !== 0x50 || buf[pos + 4] !== 0x2f ||
    !isDigit(buf[pos + 5]!) || buf[pos + 6] !== 0x2e || !isDigit(buf[pos + 7]!) || buf[pos + 8] !== CR || buf[pos + 9] !== LF
  ) {
    throw requestLine('the version is not HTTP/x.y followed by CRLF');
  }
  if (buf[pos + 5] !== 0x31) throw new LeanHttpError(505, 'ERR_HTTP_VERSION', 'only HTTP/1.x is served here');
  const minor: 0 | 1 = buf[pos + 7] === 0x30 ? 0 : 1;
  pos += 10;

  let contentLength = -1;
  let transferEncoding: string | undefined;
  let close = false;
  let keepAliveToken = false;
  let contentType: string | undefined;
  let hosts = 0;
  let expectContinue = false;
  let count = 0;

  for (;;) {
    if (pos + 1 < end && buf[pos] === CR && buf[pos + 1] === LF) break; // the empty line
    if (pos >= end) throw new LeanHttpError(400, 'ERR_HTTP_HEADER', 'the header section does not end with an empty line');
    if (++count > limits.maxHeaderCount) throw new LeanHttpError(431, 'ERR_HTTP_HEADERS_TOO_LARGE', `more than ${limits.maxHeaderCount} header fields`);
    if (buf[pos] === SP || buf[pos] === HTAB) throw header('obsolete line folding (RFC 9112 5.2)');
    const nameStart = pos;
    while (pos < end && TCHAR[buf[pos]!] === 1) pos++;
    const nameLength = pos - nameStart;
    if (nameLength === 0 || buf[pos] !== COLON) throw header('a field name is not a token followed by a colon (no whitespace before it, RFC 9112 5.1)');
    pos++;
    while (buf[pos] === SP || buf[pos] === HTAB) pos++;
    const valueStart = pos;
    while (pos < end && FIELD_CHAR[buf[pos]!] === 1) pos++;
    if (buf[pos] !== CR || buf[pos + 1] !== LF) throw header('a field value holds a control character or a bare CR/LF');
    let valueEnd = pos;
    while (valueEnd > valueStart && (buf[valueEnd - 1] === SP || buf[valueEnd - 1] === HTAB)) valueEnd--;
    pos += 2;

    const c0 = buf[nameStart]! | 0x20;
    if (c0 === 0x63 /* c */) {
      if (nameIs(buf, nameStart, nameLength, FIELD.contentLength)) {
        const n = parseContentLength(buf, valueStart, valueEnd);
        if (contentLength !== -1 && contentLength !== n) throw new LeanHttpError(400, 'ERR_HTTP_CONTENT_LENGTH', 'two Content-Length values disagree');
        contentLength = n;
      } else if (nameIs(buf, nameStart, nameLength, FIELD.connection)) {
        // connection-option list (RFC 9110 7.6.1), empty elements skipped (RFC 9110 5.6.1).
        for (let p = valueStart; p < valueEnd; ) {
          while (p < valueEnd && (buf[p] === SP || buf[p] === HTAB || buf[p] === 0x2c)) p++;
          const s = p;
          while (p < valueEnd && buf[p] !== 0x2c) p++;
          let e = p;
          while (e > s && (buf[e - 1] === SP || buf[e - 1] === HTAB)) e--;
          if (tokenIs(buf, s, e, 'close')) close = true;
          else if (tokenIs(buf, s, e, 'keep-alive')) keepAliveToken = true;
        }
      } else if (nameIs(buf, nameStart, nameLength, FIELD.contentType)) {
        if (contentType !== undefined) throw header('more than one Content-Type');
        contentType = internContentType(buf, valueStart, valueEnd);
      }
    } else if (c0 === 0x74 /* t */ && nameIs(buf, nameStart, nameLength, FIELD.transferEncoding)) {
      const value = buf.toString('latin1', valueStart, valueEnd).toLowerCase();
      transferEncoding = transferEncoding === undefined ? value : `${transferEncoding},${value}`;
    } else if (c0 === 0x68 /* h */ && nameIs(buf, nameStart, nameLength, FIELD.host)) {
      hosts++;
      for (let i = valueStart; i < valueEnd; i++) if (HOST_CHAR[buf[i]!] !== 1) throw new LeanHttpError(400, 'ERR_HTTP_HOST', 'Host is not uri-host[:port]');
    } else if (c0 === 0x65 /* e */ && nameIs(buf, nameStart, nameLength, FIELD.expect)) {
      if (!tokenIs(buf, valueStart, valueEnd, '100-continue')) throw new LeanHttpError(417, 'ERR_HTTP_EXPECTATION', 'the only expectation met here is 100-continue');
      expectContinue = true;
    }
  }
  if (pos + 2 !== end) throw header('bytes after the empty line that ends the header section');

  // RFC 9112 3.2: exactly one Host in HTTP/1.1; at most one in HTTP/1.0.
  if (hosts > 1 || (minor === 1 && hosts === 0)) throw new LeanHttpError(400, 'ERR_HTTP_HOST', minor === 1 ? 'an HTTP/1.1 request needs exactly one Host' : 'more than one Host');

  let chunked = false;
  if (transferEncoding !== undefined) {
    // RFC 9112 6.1: Transfer-Encoding with Content-Length is a smuggling attempt or a broken
    // intermediary; in HTTP/1.0 it is faulty framing. Either way the body cannot be delimited safely.
    if (contentLength !== -1) throw new LeanHttpError(400, 'ERR_HTTP_FRAMING', 'both Transfer-Encoding and Content-Length');
    if (minor === 0) throw new LeanHttpError(400, 'ERR_HTTP_FRAMING', 'Transfer-Encoding in an HTTP/1.0 request');
    const codings = transferEncoding.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (codings.some((c) => c !== 'chunked')) throw new LeanHttpError(501, 'ERR_HTTP_TRANSFER_CODING', 'the only transfer coding understood here is chunked');
    if (codings.length !== 1) throw new LeanHttpError(400, 'ERR_HTTP_FRAMING', 'chunked must be applied once, last');
    chunked = true;
  }

  return {
    method: methodString(buf, methodStart, methodEnd),
    target: buf.toString('latin1', targetStart, targetEnd),
    minor,
    contentLength,
    chunked,
    contentType,
    keepAlive: !close && (minor === 1 || keepAliveToken),
    expectContinue: expectContinue && minor === 1,
  };
}

/** The last Content-Type seen, as bytes and string: a client sends the same one on every request. */
let lastType = Buffer.alloc(0);
let lastTypeString = '';

function internContentType(buf: Buffer, start: number, end: number): string {
  const n = end - start;
  if (n === lastType.length) {
    let same = true;
    for (let i = 0; i < n; i++) {
      if (buf[start + i] !== lastType[i]) {
        same = false;
        break;
      }
    }
    if (same) return lastTypeString;
  }
  lastTypeString = buf.toString('latin1', start, end);
  if (n <= 128) lastType = Buffer.from(buf.subarray(start, end));
  return lastTypeString;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * Content-Length = 1*DIGIT (RFC 9110 8.6); a list of identical values (an intermediary's repetition)
 * is that value, different ones are an error. A number beyond 2^53 is Infinity: too large for any body
 * this server reads (413), not a malformed number.
 */
function parseContentLength(buf: Buffer, start: number, end: number): number {
  let value = -1;
  let pos = start;
  for (;;) {
    const digitsStart = pos;
    let n = 0;
    while (pos < end && isDigit(buf[pos]!)) n = n * 10 + (buf[pos++]! - 0x30);
    if (pos === digitsStart) throw new LeanHttpError(400, 'ERR_HTTP_CONTENT_LENGTH', 'Content-Length is not a decimal number');
    if (n > Number.MAX_SAFE_INTEGER) n = Infinity;
    if (value !== -1 && value !== n) throw new LeanHttpError(400, 'ERR_HTTP_CONTENT_LENGTH', 'a Content-Length list with different values');
    value = n;
    while (pos < end && (buf[pos] === SP || buf[pos] === HTAB)) pos++;
    if (pos === end) return value;
    if (buf[pos] !== 0x2c) throw new LeanHttpError(400, 'ERR_HTTP_CONTENT_LENGTH', 'Content-Length is not a decimal number');
    pos++;
    while (pos < end && (buf[pos] === SP || buf[pos] === HTAB)) pos++;
  }
}

/** Whether buf[s, e) is `token` (lower case ASCII) in any case. */
function tokenIs(buf: Buffer, s: number, e: number, token: string): boolean {
  if (e - s !== token.length) return false;
  for (let i = 0; i < token.length; i++) if ((buf[s + i]! | 0x20) !== token.charCodeAt(i)) return false;
  return true;
}

function requestLine(detail: string): LeanHttpError {
  return new LeanHttpError(400, 'ERR_HTTP_REQUEST_LINE', detail);
}

function header(detail: string): LeanHttpError {
  return new LeanHttpError(400, 'ERR_HTTP_HEADER', detail);
}
