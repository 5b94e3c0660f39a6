import type { Socket } from 'node:net';
import type { LeanConnection } from './connection.js';
import type { RequestHead } from './request-head.js';
import type { ParserLimits } from './request-parser.js';
import type { LeanReply, ResponseEncoder } from './response.js';

/**
 * What the application behind the lean server decides, per request. `route` sees the head: it returns
 * the answer at once (404, 405, 415…; a body, if any, is read and dropped) or a route that reads the
 * body and answers it, synchronously when it can (an answer from memory), or later.
 */
export interface LeanEndpoint {
  /** Path prefixes served here (see sniff.ts); requests for any other path go to the fallback server. */
  readonly prefixes: readonly string[];
  route(head: RequestHead): LeanReply | LeanRoute;
}

export interface LeanRoute {
  /** Largest body accepted (413 beyond). */
  readonly maxBody: number;
  /** Whether a request without Content-Length or chunked is refused (411) rather than read as empty. */
  readonly needsBody: boolean;
  answer(head: RequestHead, body: Uint8Array): LeanReply | Promise<LeanReply>;
}

/** How long a client may take, in milliseconds (the same meanings as the node:http server's). */
export interface LeanTimeouts {
  /** To send the head, from the start of the request (or of the connection, for the first one). */
  readonly headersMs: number;
  /** To send the whole request. */
  readonly requestMs: number;
  /** Idle between two requests. */
  readonly keepAliveMs: number;
  /** Stalled writes: an answer the client does not read. */
  readonly idleMs: number;
  /** After an error answer, reading and dropping what the client still sends before closing. */
  readonly lingerMs: number;
}

/** What every connection of one server shares. */
export interface LeanContext {
  readonly endpoint: LeanEndpoint;
  readonly prefixes: readonly Uint8Array[];
  readonly limits: ParserLimits;
  readonly timeouts: LeanTimeouts;
  readonly encoder: ResponseEncoder;
  /** Answers in flight (pipelined) per connection before it stops reading. */
  readonly maxPipeline: number;
  /** Largest body read and dropped under an answer decided on the head; beyond it the connection closes. */
  readonly maxDiscard: number;
  /** Bytes read and dropped while lingering before the connection is cut. */
  readonly maxLingerBytes: number;
  readonly connections: Set<LeanConnection>;
  /** Hands a connection, its unread bytes pushed back, to the general server; undefined: none (404 here). */
  readonly fallback: ((socket: Socket) => void) | undefined;
  readonly onError: (err: unknown) => void;
  /** The server is closing: no connection is kept alive after its current answer. */
  closing: boolean;
  /**
   * The sweep's clock: incremented every `checkIntervalMs`. Phases start at a tick, not at a time read
   * per request; a deadline is met once the ticks since prove it passed (never early, at most two
   * intervals late).
   */
  tick: number;
  readonly checkIntervalMs: number;
}
