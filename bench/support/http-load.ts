/**
 * A bounded, closed-loop HTTP/1.1 load client on raw sockets, the same for every server measured:
 * `concurrency` workers each send one request, wait for the whole answer, check it, and send the next,
 * until the time or count budget is spent. Request bytes are built once; the client does as little as
 * it can per request, since on a 2-core machine it competes with the server for CPU.
 *
 * Two connection modes: keep-alive (as any HTTP/1.1 client: one connection per worker, kept while the
 * server keeps it: a new one after an answer that closes it, HTTP/1.0 as `openssl ocsp` answers, or
 * `Connection: close`, and after an error) and one connection per request (`Connection: close` sent).
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface LoadOptions {
  readonly port: number;
  readonly keepAlive: boolean;
  /** Complete request bytes (see `postRequest`), one per item. */
  readonly requests: readonly Buffer[];
  readonly concurrency: number;
  readonly durationMs: number;
  readonly maxRequests: number;
  /** Per-request bound: no answer within this time is an error. */
  readonly timeoutMs: number;
  /** Which item the next request is for. */
  readonly pick: () => number;
  /** Whether the answer for item `index` is the expected one; false is counted as an error. */
  readonly check: (index: number, status: number, body: Buffer) => boolean | string;
}

export interface LoadResult {
  readonly answered: number;
  readonly errors: number;
  /** Error counts by kind (timeout, socket error, HTTP status, check failure). */
  readonly errorKinds: ReadonlyMap<string, number>;
  readonly elapsedMs: number;
  /** Latencies of the answered requests in ms, sorted ascending. */
  readonly latenciesMs: Float64Array;
  /** Connections opened. */
  readonly connections: number;
}

/** The bytes of a POST request with a body. */
export function postRequest(path: string, port: number, contentType: string, body: Uint8Array, keepAlive: boolean): Buffer {
  const head = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n${keepAlive ? '' : 'Connection: close\r\n'}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

interface Answer {
  readonly status: number;
  readonly body: Buffer;
  /** The server closes the connection after this answer (RFC 9112 9.3, 9.6): HTTP/1.0 without keep-alive, or `Connection: close`. */
  readonly close: boolean;
}

const CRLF2 = Buffer.from('\r\n\r\n');

/** A complete answer in `buf`, or undefined while more bytes are needed (`ended`: the peer closed). */
function parseAnswer(buf: Buffer, ended: boolean): Answer | undefined {
  const headerEnd = buf.indexOf(CRLF2);
  if (headerEnd < 0) return undefined;
  const head = buf.toString('latin1', 0, headerEnd);
  const status = Number(head.slice(9, 12));
  const connection = /\r\nconnection:[ \t]*([^\r]*)/i.exec(head)?.[1]?.toLowerCase() ?? '';
  const close = head.startsWith('HTTP/1.0') ? !connection.includes('keep-alive') : connection.includes('close');
  const m = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
  if (!m) return ended ? { status, body: buf.subarray(headerEnd + 4), close: true } : undefined;
  const end = headerEnd + 4 + Number(m[1]);
  return buf.length >= end ? { status, body: buf.subarray(headerEnd + 4, end), close } : undefined;
}

class LoadError extends Error {
  constructor(readonly kind: string) {
    super(kind);
  }
}

/** Writes `request` on `socket` and resolves with the next complete answer. */
function exchange(socket: Socket, request: Buffer, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    const done = (err: Error | undefined, answer?: Answer) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      socket.off('close', onClose);
      if (err) reject(err);
      else resolve(answer!);
    };
    const onData = (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      const a = parseAnswer(buf, false);
      if (a) done(undefined, a);
    };
    const onEnd = () => {
      const a = parseAnswer(buf, true);
      done(a ? undefined : new LoadError(buf.length === 0 ? 'closed without answer' : 'truncated answer'), a);
    };
    const onError = (err: Error) => done(new LoadError(`socket: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    const onClose = () => done(new LoadError('closed without answer'));
    const timer = setTimeout(() => done(new LoadError('timeout')), timeoutMs);
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.write(request);
  });
}

function open(port: number): Socket {
  const s = connect({ host: '127.0.0.1', port });
  s.setNoDelay(true);
  return s;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const errorKinds = new Map<string, number>();
  let errors = 0;
  let started = 0;
  let connections = 0;
  const start = performance.now();
  const deadline = start + o.durationMs;
  const more = () => started < o.maxRequests && performance.now() < deadline;
  const fail = (kind: string) => {
    errors++;
    errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
  };

  const worker = async () => {
    let socket: Socket | undefined;
    while (more()) {
      started++;
      const i = o.pick();
      const t0 = performance.now();
      try {
        if (!socket || !o.keepAlive) {
          socket = open(o.port);
          connections++;
        }
        const a = await exchange(socket, o.requests[i]!, o.timeoutMs);
        const dt = performance.now() - t0;
        // A server that closes after its answer (openssl's responder: HTTP/1.0) gets a new connection next time.
        if (!o.keepAlive || a.close) {
          socket.destroy();
          socket = undefined;
        }
        if (a.status !== 200) {
          fail(`HTTP ${a.status}`);
          continue;
        }
        const verdict = o.check(i, a.status, a.body);
        if (verdict === true) latencies.push(dt);
        else fail(typeof verdict === 'string' ? verdict : 'unexpected answer');
      } catch (err) {
        fail(err instanceof LoadError ? err.kind : String(err));
        socket?.destroy();
        socket = undefined;
      }
    }
    socket?.destroy();
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const elapsedMs = performance.now() - start;
  const sorted = Float64Array.from(latencies).sort();
  return { answered: latencies.length, errors, errorKinds, elapsedMs, latenciesMs: sorted, connections };
}
