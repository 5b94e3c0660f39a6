import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeIdleLean } from './lean/server.js';
import { HttpProblem, problemDocument, toProblem } from './problem.js';

/** A parsed request as handlers see it: the body is read (and bounded) before the handler runs. */
export interface Request {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly params: Readonly<Record<string, string>>;
  readonly headers: IncomingMessage['headers'];
  readonly body: Uint8Array;
  /** Aborted when the client closes the connection before the answer is sent (ends a long-poll early). */
  readonly signal: AbortSignal;
  /** The body as JSON; a malformed document is a 400 `ERR_HTTP_JSON`. */
  json(): unknown;
}

export interface Response {
  status: number;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
}

export type Handler = (req: Request) => Promise<Response> | Response;

export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** A path pattern with `:name` segments, e.g. `/crl/:hierarchy/:file`. */
  readonly pattern: string;
  readonly handler: Handler;
  /** Largest accepted body in bytes (default 64 KiB). */
  readonly maxBody?: number;
}

export interface ServerOptions {
  readonly routes: readonly Route[];
  /** Maps a typed error code to its HTTP status (unmapped codes are 500). */
  readonly statusOf: (code: string) => number | undefined;
  /** Where internal errors are reported (never to the client). */
  readonly onError?: (err: unknown, req: { method: string; path: string }) => void;
  /** Connection timeouts; the defaults suit production (tests use shorter ones). */
  readonly timeouts?: ServerTimeouts;
  /**
   * TCP_NODELAY on every accepted connection (default true, as node:http). A server shared with the
   * lean server (lean/server.ts) sets it per connection instead, where it matters.
   */
  readonly noDelay?: boolean;
}

/** How long a client may take, in milliseconds. */
export interface ServerTimeouts {
  /** To send the request headers, from the start of the request (default 10 s). */
  readonly headersMs?: number;
  /** To send the whole request, headers and body (default 15 s). */
  readonly requestMs?: number;
  /** Idle between two requests on a keep-alive connection (default 5 s). */
  readonly keepAliveMs?: number;
  /** Socket inactivity at any point (default 30 s). */
  readonly idleMs?: number;
  /**
   * How often headersMs and requestMs are checked (default 1 s). Node checks them on this interval
   * only (its own default is 30 s), so a stalled client is cut off up to this long after its deadline.
   */
  readonly checkIntervalMs?: number;
}

const DEFAULT_MAX_BODY = 64 * 1024;

interface CompiledRoute extends Route {
  readonly segments: string[];
}

function compile(route: Route): CompiledRoute {
  return { ...route, segments: route.pattern.split('/').filter(Boolean) };
}

/**
 * The raw path after its first `count` non-empty segments, exactly as sent: empty segments are kept,
 * since a base64 OCSP GET request may hold "//".
 */
function rawRest(rawPath: string, count: number): string {
  const parts = rawPath.split('/');
  let seen = 0;
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] !== '' && seen++ === count) return parts.slice(i).join('/');
  }
  return '';
}

/** `:name` matches one segment; a final `*` matches the rest of the path (one segment or more, as sent). */
function match(route: CompiledRoute, segments: string[], rawPath: string): Record<string, string> | undefined {
  const wildcard = route.segments[route.segments.length - 1] === '*';
  const fixed = wildcard ? route.segments.length - 1 : route.segments.length;
  if (wildcard ? segments.length <= fixed : segments.length !== fixed) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < fixed; i++) {
    const want = route.segments[i]!;
    const got = segments[i]!;
    if (want.startsWith(':')) params[want.slice(1)] = decodeSegment(got);
    else if (want !== got) return undefined;
  }
  if (wildcard) params['*'] = rawRest(rawPath, fixed);
  return params;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpProblem(400, 'ERR_HTTP_PATH', 'the path is not valid percent-encoding');
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) {
      reject(new HttpProblem(413, 'ERR_HTTP_BODY_TOO_LARGE', `the body may be at most ${limit} bytes`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpProblem(413, 'ERR_HTTP_BODY_TOO_LARGE', `the body may be at most ${limit} bytes`));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    // A body in one chunk (an OCSP request, most JSON) is viewed rather than copied: each chunk is a
    // buffer of its own, and copying a small one costs more than the rest of an OCSP answer.
    req.on('end', () => resolve(chunks.length === 1 ? new Uint8Array(chunks[0]!.buffer, chunks[0]!.byteOffset, chunks[0]!.length) : new Uint8Array(Buffer.concat(chunks))));
    // The client went away (or was cut off by a timeout) before the end of its body: its fault, not
    // an internal error, and nobody is left to answer.
    req.on('error', (err) => reject(new HttpProblem(400, 'ERR_HTTP_BODY_INCOMPLETE', 'the connection closed before the end of the body', { cause: err })));
  });
}

function send(res: ServerResponse, response: Response): void {
  const body = response.body === undefined ? undefined : typeof response.body === 'string' ? Buffer.from(response.body) : response.body;
  res.writeHead(response.status, { ...response.headers, 'content-length': String(body?.length ?? 0) });
  res.end(body);
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): Response {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(value) };
}

function problemResponse(p: HttpProblem): Response {
  return { status: p.status, headers: { ...p.headers, 'content-type': 'application/problem+json' }, body: JSON.stringify(problemDocument(p)) };
}

/**
 * A small HTTP/1.1 server for the services: routing, bounded bodies, strict timeouts (a client that
 * sends half a request and stalls is cut off), and the one place where errors become problem+json.
 */
export function createHttpServer(options: ServerOptions): Server {
  const routes = options.routes.map(compile);
  const timeouts = options.timeouts ?? {};
  const server = createServer({ connectionsCheckingInterval: timeouts.checkIntervalMs ?? 1_000, noDelay: options.noDelay ?? true }, async (req, res) => {
    const method = req.method ?? 'GET';
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      send(res, problemResponse(new HttpProblem(400, 'ERR_HTTP_PATH', 'the request target is not a valid path')));
      return;
    }
    // The raw path (not URL-normalised): an OCSP GET carries base64 with '/' and '+' in it.
    const rawPath = (req.url ?? '/').split('?')[0]!;
    const segments = rawPath.split('/').filter(Boolean);
    let route: CompiledRoute | undefined;
    let params: Record<string, string> | undefined;
    let pathMatched = false;
    for (const r of routes) {
      let p: Record<string, string> | undefined;
      try {
        p = match(r, segments, rawPath);
      } catch (err) {
        send(res, problemResponse(toProblem(err, options.statusOf)));
        return;
      }
      if (!p) continue;
      pathMatched = true;
      if (r.method === method) {
        route = r;
        params = p;
        break;
      }
    }
    try {
      if (!route || !params) {
        if (pathMatched) throw new HttpProblem(405, 'ERR_HTTP_METHOD', `${method} is not allowed here`);
        throw new HttpProblem(404, 'ERR_HTTP_NOT_FOUND', `no resource at ${url.pathname}`);
      }
      const body = method === 'GET' ? new Uint8Array(0) : await readBody(req, route.maxBody ?? DEFAULT_MAX_BODY);
      // Made on first use only (a long-poll asks for it; an OCSP request does not pay for it).
      let gone: AbortController | undefined;
      const request: Request = {
        method,
        path: url.pathname,
        query: url.searchParams,
        params,
        headers: req.headers,
        body,
        get signal() {
          if (!gone) {
            const controller = (gone = new AbortController());
            if (req.socket.destroyed && !res.writableEnded) controller.abort();
            else res.once('close', () => !res.writableEnded && controller.abort());
          }
          return gone.signal;
        },
        json() {
          const type = req.headers['content-type'] ?? '';
          if (!/^application\/(?:[\w.+-]+\+)?json\b/.test(type)) throw new HttpProblem(415, 'ERR_HTTP_MEDIA_TYPE', 'send application/json');
          try {
            return JSON.parse(Buffer.from(body).toString('utf8')) as unknown;
          } catch {
            throw new HttpProblem(400, 'ERR_HTTP_JSON', 'the body is not valid JSON');
          }
        },
      };
      send(res, await route.handler(request));
    } catch (err) {
      const problem = toProblem(err, options.statusOf);
      if (problem.status >= 500) options.onError?.(err, { method, path: url.pathname });
      if (!res.headersSent) send(res, problemResponse(problem));
      else res.destroy();
    }
  });
  server.headersTimeout = timeouts.headersMs ?? 10_000;
  server.requestTimeout = timeouts.requestMs ?? 15_000;
  server.keepAliveTimeout = timeouts.keepAliveMs ?? 5_000;
  server.maxHeadersCount = 64;
  server.setTimeout(timeouts.idleMs ?? 30_000, (socket) => socket.destroy());
  return server;
}

/** Listens on 127.0.0.1 (port 0 picks a free one) and returns the bound port. */
export function listen(server: Server, port = 0, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting, closes idle keep-alive connections (node:http's and the lean server's), and waits for in-flight requests. */
export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    closeIdleLean(server);
  });
}
