import { createServer, type Server, type Socket } from 'node:net';
import { encodeFrame, FrameDecoder } from '../../../src/transports/vpcd/index.js';

/** One card connection as the fake vpcd sees it. */
export interface FakeConnection {
  readonly socket: Socket;
  /** Sends raw bytes (no framing): for split and joined frames and garbage. */
  raw(bytes: Uint8Array): void;
  /** Sends one framed payload. */
  send(payload: Uint8Array): void;
  /** The next framed payload from the card (rejects after `ms`). */
  receive(ms?: number): Promise<Uint8Array>;
  /** Resolves when the card side closed the connection. */
  readonly closed: Promise<void>;
}

/**
 * A stand-in for vpcd's listening socket on 127.0.0.1: accepts card connections and lets a test play
 * vpcd's part byte by byte.
 */
export interface FakeVpcd {
  readonly port: number;
  /** The next connection the card makes (rejects after `ms`). */
  accept(ms?: number): Promise<FakeConnection>;
  /** How many connections were accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    }),
  ]);
}

function wrap(socket: Socket): FakeConnection {
  const decoder = new FrameDecoder();
  const frames: Uint8Array[] = [];
  const waiting: Array<(f: Uint8Array) => void> = [];
  socket.on('data', (chunk: Buffer) => {
    for (const f of decoder.push(new Uint8Array(chunk))) {
      const w = waiting.shift();
      if (w) w(f);
      else frames.push(f);
    }
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    raw: (bytes) => void socket.write(bytes),
    send: (payload) => void socket.write(encodeFrame(payload)),
    receive(ms = 2000) {
      const f = frames.shift();
      if (f) return Promise.resolve(f);
      return withTimeout(new Promise<Uint8Array>((resolve) => waiting.push(resolve)), ms, 'a frame from the card');
    },
    closed,
  };
}

export async function startFakeVpcd(port = 0): Promise<FakeVpcd> {
  const pending: FakeConnection[] = [];
  const waiting: Array<(c: FakeConnection) => void> = [];
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    accepted += 1;
    const c = wrap(socket);
    const w = waiting.shift();
    if (w) w(c);
    else pending.push(c);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    get accepted() {
      return accepted;
    },
    accept(ms = 3000) {
      const c = pending.shift();
      if (c) return Promise.resolve(c);
      return withTimeout(new Promise<FakeConnection>((resolve) => waiting.push(resolve)), ms, 'a card connection');
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
