import { JpkiMobileError } from '../../../errors/index.js';

/**
 * Why the lean HTTP/1.1 server refused a request, each with the status it answers (RFC 9110 15.5,
 * RFC 9112). The answer is an `application/problem+json` document with the code, like every other HTTP
 * error of the project, and the connection is closed after it unless the request was framed well enough
 * to find the next one (404, 405, 415).
 */
export type LeanHttpErrorCode =
  /** 400: the request line is not `method SP request-target SP HTTP-version` (RFC 9112 3). */
  | 'ERR_HTTP_REQUEST_LINE'
  /** 414: the request line is longer than the server reads (RFC 9112 3, RFC 9110 15.5.15). */
  | 'ERR_HTTP_URI_TOO_LONG'
  /** 400: a header field line is malformed: no colon, whitespace before it, a control character, obs-fold (RFC 9112 5). */
  | 'ERR_HTTP_HEADER'
  /** 431: the header section has more fields or bytes than the server reads (RFC 6585 5). */
  | 'ERR_HTTP_HEADERS_TOO_LARGE'
  /** 400: an HTTP/1.1 request without exactly one valid Host (RFC 9112 3.2). */
  | 'ERR_HTTP_HOST'
  /** 505: an HTTP major version other than 1 (RFC 9110 15.6.6). */
  | 'ERR_HTTP_VERSION'
  /** 400: Content-Length is not a decimal number, or two of them disagree (RFC 9110 8.6, RFC 9112 6.3). */
  | 'ERR_HTTP_CONTENT_LENGTH'
  /** 400: both Content-Length and Transfer-Encoding, or chunked not last, or Transfer-Encoding in HTTP/1.0 (RFC 9112 6.1, 6.3). */
  | 'ERR_HTTP_FRAMING'
  /** 501: a transfer coding other than chunked (RFC 9112 6.1). */
  | 'ERR_HTTP_TRANSFER_CODING'
  /** 400: a malformed chunk: size, extension, line end or trailer (RFC 9112 7.1). */
  | 'ERR_HTTP_CHUNK'
  /** 411: a request that needs a body sent neither Content-Length nor chunked (RFC 9110 15.5.12). */
  | 'ERR_HTTP_LENGTH_REQUIRED'
  /** 417: an Expect other than 100-continue (RFC 9110 10.1.1). */
  | 'ERR_HTTP_EXPECTATION'
  /** 408: the request (headers or body) did not arrive within the server's time (RFC 9110 15.5.9). */
  | 'ERR_HTTP_TIMEOUT'
  /** Not an answer: the node:http server given to `shareLean` does not take connections as expected. */
  | 'ERR_HTTP_LEAN_SETUP';

export class LeanHttpError extends JpkiMobileError<LeanHttpErrorCode | 'ERR_HTTP_BODY_TOO_LARGE'> {
  /** The HTTP status answered. */
  readonly status: number;

  constructor(status: number, code: LeanHttpErrorCode | 'ERR_HTTP_BODY_TOO_LARGE', message: string) {
    super(code, message);
    this.status = status;
  }
}
