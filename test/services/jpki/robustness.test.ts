import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { close, createHttpServer, json, listen } from '../../../src/services/http/index.js';
import { OcspResponder } from '../../../src/services/jpki/ocsp-responder.js';
import type { Queryable, SqlValue } from '../../../src/store/index.js';
import { issueCard, startJpki, type JpkiHarness } from '../../helpers/jpki.js';
import { ocspAnswer, ocspRequest, randomSerialHex } from './fixtures/ocsp-client.js';
import { TIMEOUTS } from './fixtures/ocsp-server.js';

/**
 * The OCSP responder against the probes that stop `openssl ocsp` (it exits or spins on them): bare
 * connects, garbage, malformed requests, `GET /`, half requests that stall, oversized bodies, many
 * idle keep-alive connections, and a flood of unknown serials. The service runs in its own process
 * (fixtures/ocsp-server.ts) so that its memory is measured alone; throughout, a prober asks for a
 * good and a revoked certificate every 20 ms and checks the answer and its latency.
 */

const SERVER = fileURLToPath(new URL('./fixtures/ocsp-server.js', import.meta.url));
/**
 * A normal OCSP request is answered within MAX_LATENCY_MS; on a loaded 2-core machine the scheduler
 * alone can stall any process now and then, so up to SLOW_SHARE of the probes of a test may take longer,
 * but none as long as STUCK_MS (a server blocked by a hostile client would fail every probe meanwhile).
 */
const MAX_LATENCY_MS = 100;
const SLOW_SHARE = 0.02;
const STUCK_MS = 1_000;
/** RSS growth allowed over all the probes (see the test for why this much). */
const MAX_RSS_GROWTH = 50 * 1024 * 1024;
/** Heap still in use after a full GC, once every probe is over: nothing may be retained. */
const MAX_HEAP_GROWTH = 8 * 1024 * 1024;

interface Stats {
  ocspCache: number;
  heapUsed: number;
  rss: number;
  connections: number;
  errors: number;
}

interface RawResult {
  /** The first bytes the server sent (as latin1 text). */
  readonly response: string;
  /** Who closed: the server ('end' before we closed), or us. */
  readonly closedByServer: boolean;
  readonly ms: number;
  readonly error?: string;
}

/**
 * One raw TCP exchange: connect, write `chunks` (if any), then either close at once (`close`) or wait
 * for the server to close (bounded by `waitMs`, after which we close and report it).
 */
function raw(port: number, chunks: readonly Buffer[], options: { close?: boolean; waitMs?: number; closeOnAnswer?: boolean } = {}): Promise<RawResult> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const socket = connect(port, '127.0.0.1');
    let response = '';
    let closedByServer = false;
    let error: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    socket.on('data', (d: Buffer) => {
      if (response.length < 512) response += d.toString('latin1');
      // A client that has its answer goes away (the rest of an oversized body is never sent).
      if (options.closeOnAnswer && response.includes('\r\n\r\n') && /"code"/.test(response)) socket.destroy();
    });
    socket.on('end', () => {
      closedByServer = true;
      socket.end();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A reset while we still write (the server stopped reading an oversized body) is the server closing.
      error = err.code;
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') closedByServer = true;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ response, closedByServer, ms: performance.now() - t0, ...(error ? { error } : {}) });
    });
    socket.on('connect', () => {
      for (const c of chunks) socket.write(c);
      if (options.close) socket.end();
      else timer = setTimeout(() => socket.destroy(), options.waitMs ?? 10_000);
    });
  });
}

/** Runs `count` tasks, `concurrency` at a time. */
async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

function statusLine(r: RawResult): string {
  return r.response.split('\r\n')[0] ?? '';
}

/** VmRSS of a process, from /proc (no syscall that blocks the event loop for long). */
async function vmRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

const MB = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

describe('JPKI service: the OCSP responder keeps answering through hostile clients', () => {
  let dir = '';
  let child: ChildProcess;
  let port = 0;
  let good = '';
  let revoked = '';
  let issuer: Uint8Array;
  let stderr = '';
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });

  /** One HTTP exchange over the prober's own keep-alive connection. */
  function http(method: string, path: string, body?: Uint8Array, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer; ms: number }> {
    return new Promise((resolve, reject) => {
      const t0 = performance.now();
      const req = httpRequest({ host: '127.0.0.1', port, method, path, agent, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) }, timeout: 10_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks), ms: performance.now() - t0 }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(body);
    });
  }

  async function stats(): Promise<Stats> {
    const r = await http('GET', '/_test/stats');
    assert.equal(r.status, 200);
    return JSON.parse(r.body.toString()) as Stats;
  }

  const ocsp = (serial: string) => http('POST', '/ocsp/auth', ocspRequest(issuer, serial), { 'content-type': 'application/ocsp-request' });

  /**
   * Every 20 ms, a normal OCSP request for the good or the revoked certificate: each must come back
   * right and within MAX_LATENCY_MS, whatever else is going on.
   */
  function prober(): { stop(): Promise<{ latencies: number[]; wrong: string[] }> } {
    let running = true;
    const latencies: number[] = [];
    const wrong: string[] = [];
    const loop = (async () => {
      // At least three answers per phase, however short the phase.
      for (let i = 0; running || i < 3; i++) {
        const serial = i % 2 === 0 ? good : revoked;
        try {
          const r = await ocsp(serial);
          latencies.push(r.ms);
          const answer = r.status === 200 ? ocspAnswer(new Uint8Array(r.body)) : undefined;
          const kind = answer?.cert?.kind;
          const expected = serial === good ? 'good' : 'revoked';
          if (kind !== expected || (kind === 'revoked' && answer?.cert?.kind === 'revoked' && answer.cert.reason !== 1)) wrong.push(`${expected}: HTTP ${r.status} ${JSON.stringify(answer)}`);
        } catch (err) {
          wrong.push(`${serial}: ${err instanceof Error ? err.message : String(err)}`);
        }
        await sleep(20);
      }
    })();
    return {
      async stop() {
        running = false;
        await loop;
        return { latencies, wrong };
      },
    };
  }

  function summary(latencies: number[]): string {
    const s = [...latencies].sort((a, b) => a - b);
    const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(1);
    return `${s.length} answers, p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${s[s.length - 1]!.toFixed(1)} ms`;
  }

  /** Every prober latency of the current test (checked as a whole by `checkLatencies`). */
  let all: number[] = [];

  /** Runs a phase with the prober going, and checks the prober's answers. */
  async function probed<T>(t: { diagnostic(m: string): void }, name: string, phase: () => Promise<T>): Promise<T> {
    const p = prober();
    let result: T;
    try {
      result = await phase();
    } finally {
      const { latencies, wrong } = await p.stop();
      all.push(...latencies);
      t.diagnostic(`${name}: prober ${summary(latencies)}`);
      assert.deepEqual(wrong, [], `${name}: every normal OCSP request was answered right`);
      assert.ok(latencies.length >= 3, `${name}: the prober ran (${latencies.length})`);
      assert.ok(Math.max(...latencies) < STUCK_MS, `${name}: no normal OCSP request waited ${STUCK_MS} ms (${summary(latencies)})`);
    }
    return result;
  }

  function checkLatencies(t: { diagnostic(m: string): void }): void {
    const slow = all.filter((ms) => ms >= MAX_LATENCY_MS);
    t.diagnostic(`prober overall: ${summary(all)}; ${slow.length} of ${all.length} at or above ${MAX_LATENCY_MS} ms`);
    assert.ok(slow.length <= SLOW_SHARE * all.length, `normal OCSP requests answered within ${MAX_LATENCY_MS} ms: ${all.length - slow.length} of ${all.length} (slow: ${slow.map((x) => x.toFixed(0)).join(', ')} ms)`);
    all = [];
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jpki-robust-'));
    child = spawn(process.execPath, ['--expose-gc', SERVER, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const ready = await new Promise<{ port: number; good: string; revoked: string }>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`the OCSP server did not start: ${stderr}`)), 30_000);
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) {
          clearTimeout(timer);
          resolve(JSON.parse(out.split('\n')[0]!) as { port: number; good: string; revoked: string });
        }
      });
      child.once('exit', (code) => reject(new Error(`the OCSP server exited (${code}): ${stderr}`)));
    });
    ({ port, good, revoked } = ready);
    const ca = await http('GET', '/ca/auth/1.crt');
    assert.equal(ca.status, 200);
    issuer = new Uint8Array(ca.body);
  });

  after(async () => {
    agent.destroy();
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('answers right and fast through bare connects, garbage, malformed requests, GET /, oversized bodies, half requests and 500 idle connections, with bounded memory', { timeout: 120_000 }, async (t) => {
    // Warm up (JIT, pools, the pre-signed answers of the two certificates), then the baseline.
    for (let i = 0; i < 100; i++) assert.equal((await ocsp(i % 2 ? good : revoked)).status, 200);
    await pool(200, 20, () => raw(port, [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')], { waitMs: 5_000 }));
    const base = await stats();
    const baseRss = await vmRss(child.pid!);
    let garbage = 0;

    // 1. Bare TCP connect and close: nothing to answer, nothing to keep.
    await probed(t, 'bare connect/close', async () => {
      const r = await pool(400, 40, () => raw(port, [], { close: true }));
      garbage += r.length;
      assert.ok(r.every((x) => x.response === ''), 'nothing is sent to a client that sent nothing');
    });

    // 2. Bytes that are not HTTP: 400 and the connection closed.
    await probed(t, 'garbage bytes', async () => {
      const r = await pool(400, 40, (i) => raw(port, [i % 2 ? randomBytes(1 + (i % 2000)) : Buffer.from('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' + 'x'.repeat(100), 'latin1')]));
      garbage += r.length;
      for (const x of r) {
        assert.ok(x.closedByServer, 'the server closed the connection');
        // 400 at once; a few random bytes that happen to start like a method wait for the headers deadline (408).
        if (x.response) assert.match(statusLine(x), /^HTTP\/1\.1 (400|408|431) /);
      }
      assert.ok(r.filter((x) => /^HTTP\/1\.1 400/.test(statusLine(x))).length > r.length / 2, 'most got 400 Bad Request');
    });

    // 3. Malformed OCSP requests (POST body and GET path): an OCSP malformedRequest answer.
    await probed(t, 'malformed OCSP requests', async () => {
      const r = await pool(600, 20, async (i) => {
        const body = i % 3 === 0 ? Uint8Array.of(0x30, 0x03, 0x02, 0x01) : i % 3 === 1 ? new Uint8Array(randomBytes(1 + (i % 300))) : ocspRequest(issuer, good).slice(0, -3);
        const res = i % 4 === 3
          ? await rawHttp('GET', `/ocsp/auth/${encodeURIComponent(Buffer.from(body).toString('base64'))}`)
          : await rawHttp('POST', '/ocsp/auth', body, { 'content-type': 'application/ocsp-request' });
        return res;
      });
      garbage += r.length;
      for (const x of r) {
        assert.equal(x.status, 200);
        assert.equal(ocspAnswer(new Uint8Array(x.body)).status, 'malformedRequest');
      }
    });

    // 4. GET / (and other paths that are not there): a 404 problem document.
    await probed(t, 'GET /', async () => {
      const r = await pool(400, 20, (i) => rawHttp('GET', i % 2 ? '/' : `/${'x'.repeat(i)}?${'y'.repeat(i)}`));
      garbage += r.length;
      for (const x of r) {
        assert.equal(x.status, 404);
        assert.equal(JSON.parse(x.body.toString()).code, 'ERR_HTTP_NOT_FOUND');
      }
    });

    // 5. Oversized bodies, declared or chunked, 1 MiB sent each: 413, and the body is not kept.
    await probed(t, 'oversized bodies', async () => {
      const mib = randomBytes(1024 * 1024);
      const r = await pool(100, 5, (i) =>
        raw(
          port,
          i % 2
            ? [Buffer.from(`POST /ocsp/auth HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n`), mib]
            : [Buffer.from('POST /ocsp/auth HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\nTransfer-Encoding: chunked\r\n\r\n100000\r\n'), mib, Buffer.from('\r\n0\r\n\r\n')],
          { waitMs: 10_000, closeOnAnswer: true },
        ),
      );
      garbage += r.length;
      for (const x of r) {
        assert.match(statusLine(x), /^HTTP\/1\.1 413 /, `413 for an oversized body (got ${JSON.stringify(x.response.slice(0, 60))} ${x.error ?? ''})`);
        assert.match(x.response, /ERR_HTTP_BODY_TOO_LARGE/);
      }
    });

    // 6. Half requests that stall (headers cut short, a body shorter than its Content-Length, nothing
    //    at all): cut off by the server at its deadlines (headers 1 s, request 2 s, checked every 250 ms).
    const stalled = await probed(t, 'half requests that stall', () =>
      pool(150, 150, (i) =>
        raw(
          port,
          i % 3 === 0
            ? [Buffer.from('POST /ocsp/auth HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\n')]
            : i % 3 === 1
              ? [Buffer.from('POST /ocsp/auth HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\nContent-Length: 1000\r\n\r\n'), Buffer.from(ocspRequest(issuer, good).slice(0, 40))]
              : [],
          { waitMs: 10_000 },
        ),
      ),
    );
    garbage += stalled.length;
    const deadline = TIMEOUTS.requestMs + TIMEOUTS.checkIntervalMs + 1_000;
    for (const [i, x] of stalled.entries()) {
      assert.ok(x.closedByServer, `stalled client ${i} was cut off by the server`);
      assert.ok(x.ms < deadline, `stalled client ${i} was cut off within ${deadline} ms (${x.ms.toFixed(0)} ms)`);
      if (x.response) assert.match(statusLine(x), /^HTTP\/1\.1 408 /);
    }
    t.diagnostic(`stalled clients cut off after ${Math.min(...stalled.map((x) => x.ms)).toFixed(0)}-${Math.max(...stalled.map((x) => x.ms)).toFixed(0)} ms`);

    // 7. 500 idle keep-alive connections, each after one good request; held while the prober runs and
    //    the memory is measured, then closed by the server after its keep-alive timeout.
    const idle: { socket: Socket; closed: Promise<number> }[] = [];
    let held: Stats | undefined;
    let heldRss = 0;
    await probed(t, '500 idle keep-alive connections', async () => {
      const body = Buffer.from(ocspRequest(issuer, good));
      const head = Buffer.from(`POST /ocsp/auth HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nContent-Type: application/ocsp-request\r\nContent-Length: ${body.length}\r\n\r\n`);
      await pool(500, 50, async () => {
        const socket = connect(port, '127.0.0.1');
        const t0 = performance.now();
        const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now() - t0)));
        socket.on('error', () => undefined);
        await new Promise<void>((resolve, reject) => {
          let got = '';
          socket.on('data', (d: Buffer) => {
            got += d.toString('latin1');
            if (got.startsWith('HTTP/1.1 200') && got.length > 200) resolve();
          });
          socket.once('close', () => reject(new Error(`closed before the answer: ${got.slice(0, 40)}`)));
          socket.write(Buffer.concat([head, body]));
        });
        idle.push({ socket, closed });
      });
      garbage += idle.length;
      held = await stats();
      heldRss = await vmRss(child.pid!);
      await sleep(500);
    });
    assert.ok(held!.connections >= 500, `the server held the idle connections (${held!.connections})`);
    const closedAfter = await Promise.race([Promise.all(idle.map((c) => c.closed)), sleep(TIMEOUTS.keepAliveMs + 10_000, undefined, { ref: false })]);
    for (const c of idle) c.socket.destroy();
    assert.ok(closedAfter, 'the server closed every idle connection after its keep-alive timeout');
    t.diagnostic(`the server closed the 500 idle connections ${Math.min(...closedAfter).toFixed(0)}-${Math.max(...closedAfter).toFixed(0)} ms after they opened`);
    await sleep(200);

    const end = await stats();
    const endRss = await vmRss(child.pid!);
    t.diagnostic(`${garbage} hostile requests and connections; server RSS ${MB(baseRss)} at start, ${MB(heldRss)} with 500 idle connections, ${MB(endRss)} at the end; heap after GC ${MB(base.heapUsed)} -> ${MB(held!.heapUsed)} -> ${MB(end.heapUsed)}`);
    assert.ok(garbage >= 2_000, `${garbage} hostile requests`);
    // Bound: Node keeps what it once allocated (V8 heap pages, socket buffers for 500 connections,
    // ~1 MiB reads of the oversized bodies) mapped for reuse, so RSS may stay up by some tens of MB, but
    // nothing here grows with the number of requests: 50 MB is far below what keeping the bodies (100 MiB)
    // or the connections would take, and the heap after GC shows that nothing is retained.
    assert.ok(heldRss - baseRss < MAX_RSS_GROWTH, `RSS growth with 500 idle connections: ${MB(heldRss - baseRss)}`);
    assert.ok(endRss - baseRss < MAX_RSS_GROWTH, `RSS growth at the end: ${MB(endRss - baseRss)}`);
    assert.ok(end.heapUsed - base.heapUsed < MAX_HEAP_GROWTH, `heap retained after GC: ${MB(end.heapUsed - base.heapUsed)}`);
    assert.ok(end.connections <= 2, `no connection left behind (${end.connections})`);
    assert.equal(end.errors, 0, `no internal error was reported: ${stderr}`);
    checkLatencies(t);
  });

  it('does not keep answers for made-up serials: 5,000 unknown serials leave the pre-signed cache as it was', { timeout: 120_000 }, async (t) => {
    const before = await stats();
    const beforeRss = await vmRss(child.pid!);
    const t0 = performance.now();
    const flood = () =>
      pool(2_500, 4, async () => {
        const r = await rawHttp('POST', '/ocsp/auth', ocspRequest(issuer, randomSerialHex((n) => new Uint8Array(randomBytes(n)))), { 'content-type': 'application/ocsp-request' });
        assert.equal(r.status, 200);
        return ocspAnswer(new Uint8Array(r.body)).cert?.kind;
      });
    // In two halves: the first may raise the allocator's high-water mark (each unknown serial is signed
    // on the spot), the second must not raise it much further, as it would if anything were kept.
    const first = await probed(t, 'unknown serials, first 2,500', flood);
    const half = await stats();
    const halfRss = await vmRss(child.pid!);
    const second = await probed(t, 'unknown serials, second 2,500', flood);
    const ms = performance.now() - t0;
    assert.ok([...first, ...second].every((k) => k === 'unknown'), 'every made-up serial is unknown');
    const end = await stats();
    const endRss = await vmRss(child.pid!);
    t.diagnostic(
      `5,000 unknown serials in ${ms.toFixed(0)} ms; cache ${before.ocspCache} -> ${half.ocspCache} -> ${end.ocspCache} answers; ` +
        `RSS ${MB(beforeRss)} -> ${MB(halfRss)} -> ${MB(endRss)}; heap after GC ${MB(before.heapUsed)} -> ${MB(half.heapUsed)} -> ${MB(end.heapUsed)}`,
    );
    assert.equal(end.ocspCache, before.ocspCache, 'the cache did not grow with unknown serials');
    assert.ok(end.heapUsed - before.heapUsed < MAX_HEAP_GROWTH, `heap retained after GC: ${MB(end.heapUsed - before.heapUsed)}`);
    assert.ok(endRss - beforeRss < MAX_RSS_GROWTH, `RSS growth: ${MB(endRss - beforeRss)}`);
    assert.ok(endRss - halfRss < MAX_RSS_GROWTH / 3, `RSS growth over the second half: ${MB(endRss - halfRss)}`);
    // The good certificate is still served from the cache.
    assert.equal(ocspAnswer(new Uint8Array((await ocsp(good)).body)).cert?.kind, 'good');
    assert.equal(end.errors, 0);
    checkLatencies(t);
  });

  /** One request on a connection of its own (so the prober's connection stays its own). */
  function rawHttp(method: string, path: string, body?: Uint8Array, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method, path, agent: false, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) }, timeout: 10_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(body);
    });
  }
});

describe('JPKI service: the pre-signed OCSP cache is capped', () => {
  let h: JpkiHarness;
  before(async () => {
    h = await startJpki();
  });
  after(async () => {
    await h.stop();
  });

  it('keeps at most maxEntries answers (least recently used out), and answers right after evicting', async () => {
    const cards = [await issueCard(h), await issueCard(h), await issueCard(h)];
    await h.service.revoke({ kind: 'admin', id: 'test' }, cards[1]!.authSerial, 1);
    let reads = 0;
    const db: Queryable = {
      query: <T>(sql: string, params?: readonly SqlValue[]) => {
        if (sql.startsWith('SELECT status')) reads++;
        return h.db.query<T>(sql, params);
      },
      execute: (sql, params) => h.db.execute(sql, params),
    };
    const responder = new OcspResponder({ db, authority: h.service.ctx.authority, clock: () => new Date(), maxEntries: 4 });
    const issuer = h.service.ctx.authority.active('auth').certificate;
    const expected = (i: number) => (i === 1 ? 'revoked' : 'good');
    for (let round = 0; round < 2; round++) {
      for (const alg of ['sha1', 'sha256'] as const) {
        for (const [i, card] of cards.entries()) {
          const answer = ocspAnswer(await responder.respond(ocspRequest(issuer, card.authSerial, alg)));
          assert.equal(answer.cert?.kind, expected(i));
          assert.ok(responder.size <= 4, `${responder.size} answers kept`);
        }
      }
    }
    assert.equal(responder.size, 4);
    assert.equal(reads, 12, 'with 6 answers cycling through 4 places, every request was a miss');
    // Unknown serials are answered but never kept: they do not evict the four answers held.
    for (let i = 0; i < 50; i++) assert.equal(ocspAnswer(await responder.respond(ocspRequest(issuer, randomSerialHex((n) => new Uint8Array(randomBytes(n)))))).cert?.kind, 'unknown');
    assert.equal(responder.size, 4);
    reads = 0;
    const lastFour = [ocspRequest(issuer, cards[2]!.authSerial, 'sha1'), ...cards.map((c) => ocspRequest(issuer, c.authSerial, 'sha256'))];
    for (const req of lastFour) assert.ok(ocspAnswer(await responder.respond(req)).cert);
    assert.equal(reads, 0, 'the four most recent answers were still held');
  });
});

describe('HTTP server: stalled and vanishing clients, with the production check interval', () => {
  it('cuts off a silent client and one that stalls in its headers soon after headersMs (Node alone checks only every 30 s)', async () => {
    const server = createHttpServer({ routes: [{ method: 'GET', pattern: '/x', handler: () => json(200, {}) }], statusOf: () => undefined, timeouts: { headersMs: 500, requestMs: 1_000 } });
    const port = await listen(server);
    try {
      const r = await Promise.all([raw(port, [], { waitMs: 8_000 }), raw(port, [Buffer.from('GET /x HTTP/1.1\r\nHost: x\r\n')], { waitMs: 8_000 })]);
      for (const x of r) {
        assert.ok(x.closedByServer, 'the server closed the connection');
        assert.match(statusLine(x), /^HTTP\/1\.1 408 /);
        // headersMs, plus at most one check interval (1 s by default), plus scheduling slack.
        assert.ok(x.ms < 500 + 1_000 + 700, `cut off after ${x.ms.toFixed(0)} ms`);
      }
    } finally {
      await close(server);
    }
  });

  it('does not report a client that leaves in the middle of its body as an internal error', async () => {
    const errors: unknown[] = [];
    let reached = false;
    const server = createHttpServer({
      routes: [{ method: 'POST', pattern: '/x', handler: () => ((reached = true), json(200, {})) }],
      statusOf: () => undefined,
      onError: (err) => errors.push(err),
    });
    const port = await listen(server);
    try {
      const r = await pool(20, 20, () =>
        new Promise<void>((resolve) => {
          const socket = connect(port, '127.0.0.1', () => {
            socket.write('POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":');
            setTimeout(() => socket.destroy(), 50);
          });
          socket.on('error', () => undefined);
          socket.on('close', () => resolve());
        }),
      );
      assert.equal(r.length, 20);
      await sleep(200);
      assert.equal(reached, false, 'the handler never ran on half a body');
      assert.deepEqual(errors, [], 'no internal error was reported');
    } finally {
      await close(server);
    }
  });
});
