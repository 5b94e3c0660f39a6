import { JpkiMobileError } from '../../errors/index.js';

/**
 * An error that knows its HTTP answer: RFC 9457 problem details. Services throw it (or a typed error
 * the edge maps, see `toProblem`); only the edge turns it into a response. `code` doubles as the
 * problem type: `type` is `urn:jpki-mobile:problem:<code>`.
 */
export class HttpProblem extends JpkiMobileError<string> {
  readonly status: number;
  readonly detail: string;
  /** RFC 9457 3.2 extension members sent with the problem (e.g. `triesLeft`); never internal detail. */
  readonly extensions: Readonly<Record<string, unknown>>;
  /** Response headers sent with the problem (e.g. `retry-after` on a 503). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: string, detail: string, options?: { cause?: unknown; extensions?: Record<string, unknown>; headers?: Record<string, string> }) {
    super(code, detail, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.detail = detail;
    this.extensions = options?.extensions ?? {};
    this.headers = options?.headers ?? {};
  }
}

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  /** Extension members (RFC 9457 3.2); they never replace the five above. */
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  417: 'Expectation Failed',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  505: 'HTTP Version Not Supported',
};

export function problemDocument(p: HttpProblem): ProblemDocument {
  return { ...p.extensions, type: `urn:jpki-mobile:problem:${p.code}`, title: TITLES[p.status] ?? 'Error', status: p.status, detail: p.detail, code: p.code };
}

/**
 * How typed errors from below become problems. A service registers the status for each of its codes;
 * an unregistered project error is a 400 when it is a validation failure of the request (codes listed
 * by the caller) and otherwise a 500 whose detail is not sent (internal detail is logged, never sent).
 */
export function toProblem(err: unknown, statusOf: (code: string) => number | undefined): HttpProblem {
  if (err instanceof HttpProblem) return err;
  if (err instanceof JpkiMobileError) {
    const status = statusOf(err.code);
    if (status !== undefined) return new HttpProblem(status, err.code, err.message, { cause: err });
  }
  return new HttpProblem(500, 'ERR_INTERNAL', 'internal error', { cause: err });
}
