import type { Server } from 'node:http';
import { createHttpServer, type Route, type ServerTimeouts } from '../http/index.js';
import { shareLean } from '../http/lean/index.js';
import { jpkiRoutes, jpkiStatusOf } from './http.js';
import { ocspEndpoint } from './ocsp-http.js';
import type { JpkiService } from './service.js';

export interface JpkiServerOptions {
  /** Routes served besides the service's (tests add their own). */
  readonly routes?: readonly Route[];
  /** The HTTP status of the problem codes those routes raise (the service's own are known). */
  readonly statusOf?: (code: string) => number | undefined;
  readonly timeouts?: ServerTimeouts;
  /** Internal errors (never sent to the client). */
  readonly onError?: (err: unknown, req: { method: string; path: string }) => void;
}

/**
 * The HTTP edge of the certification service, on one port: the node:http server with every route of
 * http.ts, and in front of it the lean server answering OCSP (ocsp-http.ts), which takes each
 * connection first and hands it over at its first request for anything else (../http/lean/server.ts).
 * OCSP is what relying parties call on every authentication; node:http's cost per request and per
 * connection is several times an answer from memory (docs/services/jpki.md, bench/ocsp.ts).
 */
export function createJpkiServer(service: JpkiService, options: JpkiServerOptions = {}): Server {
  const server = createHttpServer({
    routes: [...jpkiRoutes(service), ...(options.routes ?? [])],
    statusOf: (code) => options.statusOf?.(code) ?? jpkiStatusOf(code),
    ...(options.onError ? { onError: options.onError } : {}),
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    noDelay: false,
  });
  const onError = options.onError;
  shareLean(server, {
    endpoint: ocspEndpoint(service.ocsp),
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    ...(onError ? { onError: (err: unknown) => onError(err, { method: 'OCSP', path: '/ocsp' }) } : {}),
  });
  return server;
}
