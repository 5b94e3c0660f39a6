import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { LeanConnection } from './connection.js';
import type { LeanContext, LeanEndpoint, LeanTimeouts } from './context.js';
import { LeanHttpError } from './errors.js';
import { DEFAULT_PARSER_LIMITS, type ParserLimits } from './request-parser.js';
import { ResponseEncoder } from './response.js';

export interface LeanOptions {
  readonly endpoint: LeanEndpoint;
  /** Defaults: the node:http server's (headers 10 s, request 15 s, keep-alive 5 s, idle 30 s), linger 2 s, checked every second. */
  readonly timeouts?: Partial<LeanTimeouts> & { readonly checkIntervalMs?: number };
  readonly limits?: Partial<ParserLimits>;
  /** Answers in flight per connection before it stops reading (default 16). */
  readonly maxPipeline?: number;
  /** Largest body read and dropped under an answer decided on the head (default 16 KiB). */
  readonly maxDiscard?: number;
  /** Bytes dropped while lingering after an error answer before the connection is cut (default 4 MiB). */
  readonly maxLingerBytes?: number;
  /** Internal errors of the endpoint (the client gets a 500 problem without detail). */
  readonly onError?: (err: unknown) => void;
}

export interface LeanAttachment {
  /** Connections the lean server holds now (not counting those handed to node:http). */
  readonly connections: number;
}

const contexts = new WeakMap<Server, LeanContext>();

/**
 * Puts a lean HTTP/1.1 server in front of a node:http server, on its port: every connection the
 * node:http server accepts is read here first. A request whose target starts with one of the
 * endpoint's prefixes is parsed and answered here (no IncomingMessage, ServerResponse or header
 * objects: what an answer from memory needs and nothing more); the first request for any other target
 * hands the connection, with the bytes already read, to node:http for good, which serves it exactly as
 * if it had accepted it (`server.emit('connection')` is how Node lets a socket be given to a server).
 *
 * The node:http server keeps listening, counting connections and closing as before; `close()` of
 * ../server.ts also closes the lean server's idle connections. Node's own connection listener is taken
 * off the server and called for the connections handed over: if a future Node takes connections some
 * other way, this fails loudly here rather than serving nothing.
 */
export function shareLean(server: Server, options: LeanOptions): LeanAttachment {
  const listeners = server.listeners('connection');
  if (listeners.length !== 1 || contexts.has(server)) {
    throw new LeanHttpError(500, 'ERR_HTTP_LEAN_SETUP', 'the node:http server must have exactly its own connection listener (and no lean server yet)');
  }
  const httpListener = listeners[0] as (socket: Socket) => void;
  server.removeListener('connection', httpListener);
  const t = options.timeouts ?? {};
  const ctx: LeanContext = {
    endpoint: options.endpoint,
    prefixes: options.endpoint.prefixes.map((p) => Buffer.from(p, 'latin1')),
    limits: { ...DEFAULT_PARSER_LIMITS, ...options.limits },
    timeouts: {
      headersMs: t.headersMs ?? 10_000,
      requestMs: t.requestMs ?? 15_000,
      keepAliveMs: t.keepAliveMs ?? 5_000,
      idleMs: t.idleMs ?? 30_000,
      lingerMs: t.lingerMs ?? 2_000,
    },
    encoder: new ResponseEncoder(t.keepAliveMs ?? 5_000),
    maxPipeline: options.maxPipeline ?? 16,
    maxDiscard: options.maxDiscard ?? 16 * 1024,
    maxLingerBytes: options.maxLingerBytes ?? 4 * 1024 * 1024,
    connections: new Set(),
    fallback: (socket) => {
      // node:http's default, which the shared server does not set on every connection (see createHttpServer's noDelay).
      socket.setNoDelay(true);
      httpListener.call(server, socket);
    },
    onError: options.onError ?? (() => undefined),
    closing: false,
    tick: 0,
    checkIntervalMs: t.checkIntervalMs ?? 1_000,
  };
  contexts.set(server, ctx);
  server.on('connection', (socket: Socket) => new LeanConnection(socket, ctx));

  // One sweep for every connection's deadlines, as node:http checks its own (connectionsCheckingInterval).
  let sweep: NodeJS.Timeout | undefined;
  server.on('listening', () => {
    ctx.closing = false;
    clearInterval(sweep);
    sweep = setInterval(() => {
      if (!server.listening) ctx.closing = true;
      ctx.tick++;
      for (const c of ctx.connections) c.check();
    }, ctx.checkIntervalMs).unref();
  });
  server.on('close', () => clearInterval(sweep));
  return {
    get connections() {
      return ctx.connections.size;
    },
  };
}

/** The server is closing: closes the lean connections that are between requests, and no other is kept alive. */
export function closeIdleLean(server: Server): void {
  const ctx = contexts.get(server);
  if (ctx === undefined) return;
  ctx.closing = true;
  for (const c of ctx.connections) c.closeIfIdle();
}
