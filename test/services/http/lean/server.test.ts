import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { close, createHttpServer, json, listen } from '../../../../src/services/http/index.js';
import { LeanHttpError, problemReply, shareLean, type LeanReply, type LeanRoute, type RequestHead } from '../../../../src/services/http/lean/index.js';
import { latin1 } from './helpers.js';

/**
 * The lean server on real sockets, in front of a node:http server on the same port: keep-alive,
 * pipelining with answers that complete out of order, Connection: close and HTTP/1.0, 100-continue,
 * the hand-over of a connection to node:http, deadlines, error answers and what happens to the
 * connection after them, internal errors, closing.
 */

const TIMEOUTS = { headersMs: 300, requestMs: 600, keepAliveMs: 400, idleMs: 2_000, lingerMs: 300, checkIntervalMs: 50 } as const;
/** A deadline is met within two sweep intervals, plus scheduling slack. */
const SLACK = 2 * TIMEOUTS.checkIntervalMs + 400;

const text = (status: number, s: string): LeanReply => ({ status, contentType: 'text/plain', body: latin1(s) });

const echo: LeanRoute = { maxBody: 1024, needsBody: true, answer: (_h, body) => text(200, `sync:${Buffer.from(body).toString('latin1')}`) };
const later: LeanRoute = {
  maxBody: 1024,
  needsBody: true,
  answer: async (_h, body) => {
    const [ms, word] = Buffer.from(body).toString('latin1').split(':');
    await sleep(Number(ms));
    return text(200, `async:${word}`);
  },
};
const get: LeanRoute = { maxBody: 1024, needsBody: false, answer: () => text(200, 'got') };
const throws: LeanRoute = {
  maxBody: 1024,
  needsBody: false,
  answer: () => {
    throw new Error('boom');
  },
};
const rejects: LeanRoute = { maxBody: 1024, needsBody: false, answer: () => Promise.reject(new Error('late boom')) };

function route(head: RequestHead): LeanReply | LeanRoute {
  const path = head.target.split('?')[0];
  const table: Record<string, [string, LeanRoute]> = { '/lean/echo': ['POST', echo], '/lean/later': ['POST', later], '/lean/get': ['GET', get], '/lean/throw': ['GET', throws], '/lean/reject': ['GET', rejects] };
  const r = table[path!];
  if (!r) return problemReply(404, 'ERR_HTTP_NOT_FOUND', 'no such thing');
  if (r[0] !== head.method) return problemReply(405, 'ERR_HTTP_METHOD', 'not here', r[0]);
  return r[1];
}

interface Answer {
  readonly status: number;
  readonly head: string;
  readonly body: string;
}

/** Splits what a server sent into answers (Content-Length framing). */
function answers(raw: string): Answer[] {
  const out: Answer[] = [];
  let rest = raw;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return out;
    const head = rest.slice(0, end);
    const status = Number(head.slice(9, 12));
    const m = /\r\ncontent-length: *(\d+)/i.exec(head);
    const length = status === 100 ? 0 : m ? Number(m[1]) : 0;
    if (rest.length < end + 4 + length) return out;
    out.push({ status, head, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
}

class Client {
  readonly socket: Socket;
  raw = '';
  closed = false;
  readonly opened = performance.now();
  closedAt = 0;
  readonly ended: Promise<void>;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (d: Buffer) => (this.raw += d.toString('latin1')));
    this.socket.on('error', () => undefined);
    this.ended = new Promise((resolve) =>
      this.socket.on('close', () => {
        this.closed = true;
        this.closedAt = performance.now();
        resolve();
      }),
    );
  }

  send(s: string | Buffer): this {
    this.socket.write(s);
    return this;
  }

  /** Waits until `n` answers are in (bounded). */
  async answers(n: number, ms = 3_000): Promise<Answer[]> {
    const deadline = performance.now() + ms;
    while (answers(this.raw).length < n && performance.now() < deadline && !this.closed) await sleep(5);
    await sleep(5);
    return answers(this.raw);
  }

  async closedWithin(ms: number): Promise<boolean> {
    await Promise.race([this.ended, sleep(ms)]);
    return this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

const post = (path: string, body: string, extra = '') => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(body, 'latin1')}\r\n${extra}\r\n${body}`;

describe('lean HTTP server in front of node:http, on real sockets', () => {
  let server: Server;
  let port = 0;
  const errors: unknown[] = [];
  const clients: Client[] = [];
  const client = () => {
    const c = new Client(port);
    clients.push(c);
    return c;
  };

  before(async () => {
    server = createHttpServer({ routes: [{ method: 'GET', pattern: '/other', handler: () => json(200, { from: 'node:http' }) }], statusOf: () => undefined, timeouts: TIMEOUTS, noDelay: false });
    shareLean(server, { endpoint: { prefixes: ['/lean'], route }, timeouts: TIMEOUTS, onError: (err) => errors.push(err) });
    port = await listen(server);
  });

  after(async () => {
    for (const c of clients) c.destroy();
    await close(server);
  });

  it('keeps a connection alive across requests, then closes it after keepAliveMs idle', async () => {
    const c = client().send(post('/lean/echo', 'one'));
    assert.deepEqual((await c.answers(1)).map((a) => [a.status, a.body]), [[200, 'sync:one']]);
    c.send(post('/lean/echo', 'two'));
    const got = await c.answers(2);
    assert.deepEqual(got.map((a) => a.body), ['sync:one', 'sync:two']);
    assert.match(got[1]!.head, /\r\nConnection: keep-alive\r\nKeep-Alive: timeout=0|\r\nConnection: keep-alive\r\nKeep-Alive: timeout=1/);
    assert.match(got[1]!.head, /\r\nDate: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT/);
    const idleFrom = performance.now();
    assert.equal(await c.closedWithin(TIMEOUTS.keepAliveMs + SLACK), true, 'closed after the keep-alive time');
    assert.ok(c.closedAt - idleFrom >= TIMEOUTS.keepAliveMs - 5, `not before keepAliveMs (${(c.closedAt - idleFrom).toFixed(0)} ms)`);
  });

  it('answers pipelined requests in order, whichever answer is ready first', async () => {
    const c = client().send(post('/lean/later', '120:a') + post('/lean/echo', 'b') + post('/lean/later', '5:c') + 'GET /lean/get HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.deepEqual((await c.answers(4)).map((a) => a.body), ['async:a', 'sync:b', 'async:c', 'got']);
  });

  it('closes after a request with Connection: close, and after an HTTP/1.0 request without keep-alive', async () => {
    for (const req of [post('/lean/echo', 'x', 'Connection: close\r\n'), 'GET /lean/get HTTP/1.0\r\n\r\n', post('/lean/later', '20:y', 'Connection: close\r\n')]) {
      const c = client().send(req);
      assert.equal(await c.closedWithin(1_000), true, req);
      const got = answers(c.raw);
      assert.equal(got.length, 1);
      assert.equal(got[0]!.status, 200);
      assert.match(got[0]!.head, /\r\nConnection: close$/);
    }
    const kept = client().send('GET /lean/get HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    assert.equal((await kept.answers(1))[0]?.status, 200);
    assert.equal(await kept.closedWithin(100), false, 'HTTP/1.0 with keep-alive stays open');
  });

  it('ignores what follows a last request, and still answers a client that half-closed after its request', async () => {
    const c = client().send(post('/lean/echo', 'last', 'Connection: close\r\n') + post('/lean/echo', 'ignored'));
    await c.closedWithin(1_000);
    assert.deepEqual(answers(c.raw).map((a) => a.body), ['sync:last']);
    const half = client().send(post('/lean/later', '30:bye'));
    half.socket.end();
    assert.equal(await half.closedWithin(1_000), true);
    assert.deepEqual(answers(half.raw).map((a) => a.body), ['async:bye']);
  });

  it('sends 100 Continue to a client that waits for it (RFC 9110 10.1.1), then reads the body', async () => {
    const c = client().send('POST /lean/echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n');
    const first = await c.answers(1);
    assert.equal(first[0]?.status, 100);
    c.send('body');
    assert.deepEqual((await c.answers(2)).map((a) => [a.status, a.body]), [
      [100, ''],
      [200, 'sync:body'],
    ]);
  });

  it('hands a connection to node:http at its first request for another path, with what was already read', async () => {
    const c = client().send(post('/lean/echo', 'first') + 'GET /other HTTP/1.1\r\nHost: x\r\n\r\n' + post('/lean/echo', 'after'));
    const got = await c.answers(3);
    assert.deepEqual(got.slice(0, 2).map((a) => [a.status, a.body]), [
      [200, 'sync:first'],
      [200, '{"from":"node:http"}'],
    ]);
    // From then on node:http owns the connection: it has no route for /lean.
    assert.equal(got[2]?.status, 404);
    // An answer still being computed is written before the hand-over.
    const d = client().send(post('/lean/later', '80:slow') + 'GET /other HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.deepEqual((await d.answers(2)).map((a) => a.body), ['async:slow', '{"from":"node:http"}']);
    // Garbage goes to node:http too, which answers it as it always has.
    const g = client().send('\x16\x03\x01\x00\x05hello');
    assert.equal(await g.closedWithin(1_000), true);
    assert.match(g.raw, /^HTTP\/1\.1 400 /);
  });

  it('answers 404 and 405 (with Allow) without closing, dropping a small body', async () => {
    const c = client().send(post('/lean/nothing', 'xyz') + 'PUT /lean/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab' + post('/lean/echo', 'still'));
    const got = await c.answers(3);
    assert.deepEqual(got.map((a) => a.status), [404, 405, 200]);
    assert.equal(JSON.parse(got[0]!.body).code, 'ERR_HTTP_NOT_FOUND');
    assert.match(got[1]!.head, /\r\nAllow: POST\r\n/);
    assert.equal(got[2]!.body, 'sync:still');
    assert.equal(c.closed, false);
  });

  it('answers a HEAD without content, Content-Length as a GET would get (RFC 9110 9.3.2)', async () => {
    const c = client().send('HEAD /lean/get HTTP/1.1\r\nHost: x\r\n\r\nGET /lean/get HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.answers(2);
    assert.match(c.raw, /^HTTP\/1\.1 405 Method Not Allowed\r\n[^]*\r\nContent-Length: \d+\r\n[^]*\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
  });

  it('answers framing errors with their status and code, then closes', async () => {
    const cases: [string, number, string][] = [
      ['POST /lean/echo HTTP/1.1\r\nHost: x\r\n\r\n', 411, 'ERR_HTTP_LENGTH_REQUIRED'],
      [post('/lean/echo', 'x'.repeat(2000)), 413, 'ERR_HTTP_BODY_TOO_LARGE'],
      [`GET /lean/${'a'.repeat(5000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414, 'ERR_HTTP_URI_TOO_LONG'],
      [`GET /lean/get HTTP/1.1\r\nHost: x\r\nX-A: ${'a'.repeat(9000)}\r\n\r\n`, 431, 'ERR_HTTP_HEADERS_TOO_LARGE'],
      ['GET /lean/get HTTP/3.0\r\nHost: x\r\n\r\n', 505, 'ERR_HTTP_VERSION'],
      ['GET /lean/get HTTP/1.1\r\n\r\n', 400, 'ERR_HTTP_HOST'],
      ['POST /lean/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: br\r\n\r\n', 501, 'ERR_HTTP_TRANSFER_CODING'],
      ['POST /lean/echo HTTP/1.1\r\nHost: x\r\nExpect: the-unexpected\r\nContent-Length: 1\r\n\r\nx', 417, 'ERR_HTTP_EXPECTATION'],
    ];
    for (const [req, status, code] of cases) {
      const c = client().send(req);
      const got = await c.answers(1);
      assert.equal(got[0]?.status, status, code);
      assert.equal(JSON.parse(got[0]!.body).code, code);
      assert.match(got[0]!.head, /\r\nConnection: close$/);
      assert.equal(await c.closedWithin(TIMEOUTS.lingerMs + SLACK), true, `${code}: closed`);
    }
  });

  it('answers 413 to a client still sending a large body, which reads it before the close', async () => {
    const c = client().send('POST /lean/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n');
    for (let i = 0; i < 20; i++) c.send(Buffer.alloc(64 * 1024, 1));
    const got = await c.answers(1);
    assert.equal(got[0]?.status, 413);
    assert.equal(await c.closedWithin(TIMEOUTS.lingerMs + SLACK), true);
  });

  it('cuts off a silent client, one that stalls in its head and one that stalls in its body, with 408', async () => {
    const silent = client();
    const head = client().send('POST /lean/echo HTTP/1.1\r\nHost: x\r\n');
    const body = client().send('POST /lean/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc');
    for (const [c, limit] of [
      [silent, TIMEOUTS.headersMs],
      [head, TIMEOUTS.headersMs],
      [body, TIMEOUTS.requestMs],
    ] as const) {
      assert.equal(await c.closedWithin(limit + SLACK + 500), true);
      const ms = c.closedAt - c.opened;
      assert.ok(ms >= limit - 5 && ms < limit + SLACK, `cut off after ${ms.toFixed(0)} ms (limit ${limit})`);
      assert.match(c.raw, /^HTTP\/1\.1 408 Request Timeout\r\n/);
      assert.match(c.raw, /ERR_HTTP_TIMEOUT/);
    }
  });

  it('answers an internal error (thrown or rejected) with a 500 that says nothing, and reports it', async () => {
    errors.length = 0;
    const c = client().send('GET /lean/throw HTTP/1.1\r\nHost: x\r\n\r\nGET /lean/reject HTTP/1.1\r\nHost: x\r\n\r\nGET /lean/get HTTP/1.1\r\nHost: x\r\n\r\n');
    const got = await c.answers(3);
    assert.deepEqual(got.map((a) => a.status), [500, 500, 200]);
    assert.deepEqual(JSON.parse(got[0]!.body), { type: 'urn:jpki-mobile:problem:ERR_INTERNAL', title: 'Internal Server Error', status: 500, detail: 'internal error', code: 'ERR_INTERNAL' });
    assert.deepEqual(errors.map((e) => (e as Error).message), ['boom', 'late boom']);
  });

  it('answers a long pipeline from a client that reads late, in order, holding a bounded queue', async () => {
    const c = client();
    c.socket.pause();
    c.send(Array.from({ length: 200 }, (_, i) => post('/lean/later', `1:${i}`)).join(''));
    await sleep(200);
    c.socket.resume();
    const got = await c.answers(200, 5_000);
    assert.deepEqual(got.map((a) => a.body), Array.from({ length: 200 }, (_, i) => `async:${i}`));
  });

  it('refuses to share a server twice', () => {
    assert.throws(() => shareLean(server, { endpoint: { prefixes: ['/x'], route } }), (err: unknown) => err instanceof LeanHttpError && err.code === 'ERR_HTTP_LEAN_SETUP');
  });
});

describe('lean HTTP server: closing', () => {
  it('closes idle lean connections at once when the server closes, and lets an answer in progress finish', async () => {
    const server = createHttpServer({ routes: [], statusOf: () => undefined, noDelay: false });
    shareLean(server, { endpoint: { prefixes: ['/lean'], route } });
    const port = await listen(server);
    const idle = new Client(port).send('GET /lean/get HTTP/1.1\r\nHost: x\r\n\r\n');
    await idle.answers(1);
    const busy = new Client(port).send(post('/lean/later', '150:done'));
    await sleep(30);
    const t0 = performance.now();
    await close(server);
    assert.ok(performance.now() - t0 < 1_000, 'close did not wait for a keep-alive timeout');
    assert.equal(await idle.closedWithin(100), true);
    assert.equal(await busy.closedWithin(500), true);
    const got = answers(busy.raw);
    assert.deepEqual(got.map((a) => a.body), ['async:done']);
    assert.match(got[0]!.head, /\r\nConnection: close$/, 'the last answer says the connection closes');
  });
});
