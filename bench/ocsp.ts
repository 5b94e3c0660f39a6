/**
 * Benchmark: the OCSP responder of the certification service against `openssl ocsp` acting as a
 * responder over an index.txt of the same certificates, in one run on one machine (issue 3).
 *
 * Set-up: a home made by `jpki-mobile init`, N card user-authentication certificates signed by its
 * CA (some revoked, some held), inserted into its database; the same N certificates in an openssl
 * `ca` database, with the CA and responder certificates and keys exported as PEM. Our service runs in
 * a child process as `jpki-mobile start` runs it, openssl in another; the load client here sends POST
 * requests without nonce for random certificates of the set, at 1 and 16 concurrent connections, for
 * a fixed time, and checks every answer: a successful OCSPResponse for that CertID with the expected
 * status and reason (the signature is verified on each responder's first answers; an answer
 * byte-identical to one already checked counts as checked, which keeps the client's work small).
 * Server CPU time comes from /proc/PID/stat (utime + stime) around each run.
 *
 * The goal's rows: the same client sending the same requests to both, as any HTTP/1.1 client does
 * (keep-alive asked for, a new connection when the server closes one). openssl answers in HTTP/1.0
 * and closes every connection after its answer, so its client reconnects for every request; ours
 * keeps the connection. Informative rows: the client forcing one connection per request on both
 * (`Connection: close`), which measures mostly the cost of a TCP connection in each server. Our
 * pre-signed cache is warmed first (every certificate once).
 * Reference rows show floors: a bare node:http server answering every request with the same captured
 * bytes (no routing, parsing or lookup), and a bare net.Server that only frames requests and writes those
 * bytes (closing at once after `Connection: close`): the floor of any Node.js responder on raw sockets,
 * which is what the service's lean OCSP path (src/services/http/lean) is built on. Each in a process of
 * its own.
 *
 * Goal: server CPU per answered request at most a tenth of openssl's, and p99 under 5 ms at 16
 * connections.
 *
 *   npm run bench -- ocsp        (or: node dist/bench/ocsp.js [N] after a build)
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { toHex } from '../src/bytes/index.js';
import { parseOcspResponse, verifyOcspResponseSignature } from '../src/pki/revocation/index.js';
import { parseCertificate, randomSerial } from '../src/pki/x509/index.js';
import { insertCertificate, insertPerson } from '../src/services/jpki/repository.js';
import { formatRow } from './harness.js';
import { postRequest, runLoad, type LoadResult } from './support/http-load.js';
import { benchSpki, BENCH_BIRTH_DATE, cardAuthCertificate, exportCa, indexLine, initHome, loadAuthority, openHomeDatabase, prng } from './support/jpki-home.js';
import { ocspRequest } from './support/ocsp-request.js';
import { cleanup, cpuMs, freePort, installCleanup, median, quantile, sleep, spawnTracked, stopChild, tempDir, waitForLine } from './support/proc.js';

const N = Number(process.argv[2] ?? 2000);
const ROUNDS = 3;
const ROUND_MS = 2000;
const WARMUP_MS = 500;
const MAX_REQUESTS = 200_000;
const TIMEOUT_MS = 5000;
const CONCURRENCY = [1, 16];

interface Expected {
  readonly serialHex: string;
  readonly kind: 'good' | 'revoked';
  readonly reason?: number;
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const t0 = Date.now();
  const h = await initHome(join(dir, 'home'));
  const db = await openHomeDatabase(h);
  const authority = await loadAuthority(db, h.passphrase);
  const g = authority.active('auth');
  const files = await exportCa(db, h.passphrase, 'auth', g.generation, dir);

  // N certificates signed by the CA: 85% good, 12% revoked with JPKI's reasons, 3% held.
  const spki = benchSpki();
  const rand = prng(0x0c5b);
  const now = new Date();
  const expected: Expected[] = [];
  const index: string[] = [];
  const reasons = [1, 3, 4, 5];
  await db.transaction(async (tx) => {
    for (let i = 0; i < N; i++) {
      const serial = randomSerial((n) => new Uint8Array(randomBytes(n)));
      const der = cardAuthCertificate(g, h.config, spki, serial, now, `BENCH${String(i).padStart(15, '0')}`);
      const c = parseCertificate(der);
      const r = rand();
      const status = r < 0.85 ? 'good' : r < 0.97 ? 'revoked' : 'held';
      const reason = status === 'good' ? null : status === 'held' ? 6 : reasons[Math.floor(rand() * reasons.length)]!;
      const revokedAt = status === 'good' ? null : new Date(now.getTime() - Math.floor(rand() * 86_400_000 * 30));
      const personId = `bench-person-${i}`;
      const iso = now.toISOString();
      await insertPerson(tx, { id: personId, name: '山田\u3000太郎', address: '東京都千代田区永田町1-7-1', birth_date: BENCH_BIRTH_DATE, sex: 1, name_substitute_map: null, address_substitute_map: null, created_at: iso, updated_at: iso });
      await insertCertificate(tx, {
        serial: c.serialNumberHex,
        hierarchy: 'auth',
        generation: g.generation,
        device: 'card',
        person_id: personId,
        card_id: null,
        se_id: null,
        linked_serial: null,
        status,
        reason,
        revoked_at: revokedAt?.toISOString() ?? null,
        not_before: c.notBefore.toISOString(),
        not_after: c.notAfter.toISOString(),
        subject: c.subjectString,
        der,
        issued_at: iso,
      });
      expected.push({ serialHex: c.serialNumberHex, kind: status === 'good' ? 'good' : 'revoked', ...(reason !== null ? { reason } : {}) });
      index.push(indexLine({ serialHex: c.serialNumberHex, notAfter: c.notAfter, ...(revokedAt ? { revokedAt, reason: reason! } : {}), subject: `/C=JP/CN=BENCH${String(i).padStart(15, '0')}` }));
    }
  });
  await db.close();
  const indexPath = join(dir, 'index.txt');
  writeFileSync(indexPath, index.join(''));
  const revoked = expected.filter((e) => e.kind === 'revoked').length;
  console.log(`set-up: ${N} certificates (${N - revoked} good, ${revoked} revoked or held) signed by the auth CA, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // The two responders, each in its own process.
  const ours = spawnTracked(process.execPath, [fileURLToPath(new URL('./support/ocsp-server.js', import.meta.url)), h.home], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ourPort = Number((await waitForLine(ours, /^listening (\d+)/))[1]);
  const sslPort = await freePort();
  const openssl = spawnTracked('openssl', ['ocsp', '-index', indexPath, '-port', String(sslPort), '-rsigner', files.responder, '-rkey', files.responderKey, '-CA', files.ca, '-ignore_err'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let sslStderr = '';
  openssl.stderr?.on('data', (c: Buffer) => (sslStderr = (sslStderr + c.toString()).slice(-2000)));

  const bodies = expected.map((e) => ocspRequest(g.certificate, Buffer.from(e.serialHex, 'hex')));
  const build = (port: number, path: string, keepAlive: boolean) => bodies.map((b) => postRequest(path, port, 'application/ocsp-request', b, keepAlive));
  const oursKeepAlive = build(ourPort, '/ocsp/auth', true);
  const oursClose = build(ourPort, '/ocsp/auth', false);
  const sslClose = build(sslPort, '/', false);
  const sslKeepAlive = build(sslPort, '/', true);

  const responderSpki = parseCertificate(g.responderCertificate).subjectPublicKeyInfo;
  let verifySignatures = 0;
  // A byte-identical copy of an answer already checked for the same certificate is the same answer:
  // this keeps the client's work per request low (it shares the machine with the servers).
  const checker = () => {
    const checked = new Map<number, Buffer>();
    return (i: number, _status: number, body: Buffer): true | string => {
      if (verifySignatures === 0 && checked.get(i)?.equals(body)) return true;
      const verdict = fullCheck(i, body);
      if (verdict === true) checked.set(i, Buffer.from(body));
      return verdict;
    };
  };
  const check = checker();
  const sslCheck = checker();
  const fullCheck = (i: number, body: Buffer): true | string => {
    let r: ReturnType<typeof parseOcspResponse>;
    try {
      r = parseOcspResponse(body);
    } catch {
      return 'not an OCSPResponse';
    }
    if (r.status !== 'successful') return `responseStatus ${r.status}`;
    const e = expected[i]!;
    const single = r.responses[0];
    if (r.responses.length !== 1 || !single || toHex(single.certId.serialNumber) !== e.serialHex) return 'wrong CertID';
    if (single.status.kind !== e.kind) return `status ${single.status.kind}, expected ${e.kind}`;
    if (single.status.kind === 'revoked' && single.status.reason !== e.reason) return `reason ${single.status.reason}, expected ${e.reason}`;
    if (verifySignatures > 0) {
      verifySignatures--;
      const key = r.certs.length > 0 ? parseCertificate(r.certs[0]!).subjectPublicKeyInfo : responderSpki;
      if (!verifyOcspResponseSignature(r, key)) return 'bad signature';
    }
    return true;
  };

  // openssl is ready when it answers (a bare connect-and-close probe is one of the things it mishandles).
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = await runLoad({ port: sslPort, keepAlive: false, requests: sslClose, concurrency: 1, durationMs: 1000, maxRequests: 1, timeoutMs: 1000, pick: () => 0, check: sslCheck });
    if (probe.answered === 1) break;
    if (Date.now() > deadline || openssl.exitCode !== null) throw new Error(`openssl ocsp did not start: ${sslStderr}`);
    await sleep(100);
  }

  // Warm our cache: every certificate once (each first answer is signed, then served from memory).
  let next = 0;
  verifySignatures = 16;
  const warm = await runLoad({ port: ourPort, keepAlive: true, requests: oursKeepAlive, concurrency: 4, durationMs: 120_000, maxRequests: N, timeoutMs: TIMEOUT_MS, pick: () => next++, check });
  if (warm.errors > 0 || warm.answered !== N) throw new Error(`warming failed: ${warm.answered} answered, errors ${JSON.stringify([...warm.errorKinds])}`);
  console.log(`warmed our pre-signed cache: ${N} answers signed in ${(warm.elapsedMs / 1000).toFixed(1)} s; signatures of the first answers verified`);
  verifySignatures = 16;
  next = 0;
  const sslWarm = await runLoad({ port: sslPort, keepAlive: false, requests: sslClose, concurrency: 1, durationMs: 10_000, maxRequests: 16, timeoutMs: TIMEOUT_MS, pick: () => next++, check: sslCheck });
  if (sslWarm.errors > 0) throw new Error(`openssl answers fail the check: ${JSON.stringify([...sslWarm.errorKinds])}`);

  // The reference: a bare node:http server answering every request with one of our answers, captured.
  let captured: Buffer | undefined;
  await runLoad({ port: ourPort, keepAlive: true, requests: oursKeepAlive, concurrency: 1, durationMs: 5000, maxRequests: 1, timeoutMs: TIMEOUT_MS, pick: () => 0, check: (_i, _s, body) => ((captured = Buffer.from(body)), true) });
  const answerPath = join(dir, 'answer.der');
  writeFileSync(answerPath, captured!);
  const bare = spawnTracked(process.execPath, [fileURLToPath(new URL('./support/bare-http-server.js', import.meta.url)), answerPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  const barePort = Number((await waitForLine(bare, /^listening (\d+)/))[1]);
  const bareCheck = (_i: number, _status: number, body: Buffer): true | string => body.equals(captured!) || 'not the fixed answer';
  const bareKeepAlive = build(barePort, '/ocsp/auth', true);
  const bareClose = build(barePort, '/ocsp/auth', false);
  // And the floor on raw sockets: a net.Server that frames requests and answers the same bytes.
  const net = spawnTracked(process.execPath, [fileURLToPath(new URL('./support/bare-net-server.js', import.meta.url)), answerPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  const netPort = Number((await waitForLine(net, /^listening (\d+)/))[1]);
  const netKeepAlive = build(netPort, '/ocsp/auth', true);
  const netClose = build(netPort, '/ocsp/auth', false);

  interface Case {
    readonly key: string;
    readonly label: string;
    readonly pid: number;
    readonly port: number;
    readonly keepAlive: boolean;
    readonly requests: Buffer[];
    readonly concurrency: number;
    /** Client and server pinned to one CPU (see pinAll). */
    readonly oneCpu?: boolean;
    readonly check: ReturnType<typeof checker>;
    readonly rounds: { result: LoadResult; serverCpuUsPerReq: number; clientCpuUsPerReq: number }[];
  }
  const cases: Case[] = [];
  for (const concurrency of CONCURRENCY) {
    cases.push({ key: `ka${concurrency}`, label: 'jpki-mobile, HTTP/1.1 client', pid: ours.pid!, port: ourPort, keepAlive: true, requests: oursKeepAlive, concurrency, check, rounds: [] });
    cases.push({ key: `sslka${concurrency}`, label: 'openssl ocsp, HTTP/1.1 client', pid: openssl.pid!, port: sslPort, keepAlive: true, requests: sslKeepAlive, concurrency, check: sslCheck, rounds: [] });
    cases.push({ key: `cl${concurrency}`, label: 'jpki-mobile, conn per request', pid: ours.pid!, port: ourPort, keepAlive: false, requests: oursClose, concurrency, check, rounds: [] });
    cases.push({ key: `ssl${concurrency}`, label: 'openssl ocsp, conn per request', pid: openssl.pid!, port: sslPort, keepAlive: false, requests: sslClose, concurrency, check: sslCheck, rounds: [] });
    cases.push({ key: `bka${concurrency}`, label: 'ref: bare node:http, keep-alive', pid: bare.pid!, port: barePort, keepAlive: true, requests: bareKeepAlive, concurrency, check: bareCheck, rounds: [] });
    cases.push({ key: `bcl${concurrency}`, label: 'ref: bare node:http, conn/req', pid: bare.pid!, port: barePort, keepAlive: false, requests: bareClose, concurrency, check: bareCheck, rounds: [] });
    cases.push({ key: `nka${concurrency}`, label: 'ref: bare net.Server, keep-alive', pid: net.pid!, port: netPort, keepAlive: true, requests: netKeepAlive, concurrency, check: bareCheck, rounds: [] });
    cases.push({ key: `ncl${concurrency}`, label: 'ref: bare net.Server, conn/req', pid: net.pid!, port: netPort, keepAlive: false, requests: netClose, concurrency, check: bareCheck, rounds: [] });
  }
  // One connection again with the client and every server on one CPU: the request and its answer then
  // run back to back on that CPU, and the server is not woken from idle on the other vCPU for every
  // request (on this virtual machine such a wake-up costs more than answering: see the floor rows).
  if (canPin) {
    cases.push({ key: 'ka1cpu', label: 'jpki-mobile, HTTP/1.1, one CPU', pid: ours.pid!, port: ourPort, keepAlive: true, requests: oursKeepAlive, concurrency: 1, oneCpu: true, check, rounds: [] });
    cases.push({ key: 'sslka1cpu', label: 'openssl ocsp, HTTP/1.1, one CPU', pid: openssl.pid!, port: sslPort, keepAlive: true, requests: sslKeepAlive, concurrency: 1, oneCpu: true, check: sslCheck, rounds: [] });
    cases.push({ key: 'nka1cpu', label: 'ref: bare net.Server, one CPU', pid: net.pid!, port: netPort, keepAlive: true, requests: netKeepAlive, concurrency: 1, oneCpu: true, check: bareCheck, rounds: [] });
  }
  const pids = [process.pid, ours.pid!, openssl.pid!, bare.pid!, net.pid!];
  let pinned = false;
  const pin = (one: boolean) => {
    if (!canPin || one === pinned) return;
    for (const pid of pids) pinAll(pid, one ? '0' : `0-${cpus().length - 1}`);
    pinned = one;
  };
  const load = (c: Case, durationMs: number) =>
    runLoad({ port: c.port, keepAlive: c.keepAlive, requests: c.requests, concurrency: c.concurrency, timeoutMs: TIMEOUT_MS, durationMs, maxRequests: MAX_REQUESTS, pick: () => Math.floor(Math.random() * N), check: c.check });
  for (const c of cases) {
    pin(c.oneCpu === true);
    await load(c, WARMUP_MS);
  }
  // Rounds interleave the cases (ours, ours, openssl, …), so a noisy moment of the machine hurts all.
  // Each round starts at another case (so no case always follows the same one), and the client collects
  // its garbage before each case: what one case left behind (thousands of closed sockets after a
  // connection-per-request case) is not collected while the next one is measured.
  for (let round = 0; round < ROUNDS; round++) {
    const shift = Math.floor((round * cases.length) / ROUNDS);
    for (const c of [...cases.slice(shift), ...cases.slice(0, shift)]) {
      pin(c.oneCpu === true);
      collectGarbage();
      await sleep(100);
      const cpu0 = cpuMs(c.pid);
      const client0 = process.cpuUsage();
      const result = await load(c, ROUND_MS);
      const client = process.cpuUsage(client0);
      await sleep(100); // the server's last closes
      const cpu = cpuMs(c.pid) - cpu0;
      const answered = Math.max(1, result.answered);
      c.rounds.push({ result, serverCpuUsPerReq: (cpu * 1000) / answered, clientCpuUsPerReq: (client.user + client.system) / answered });
    }
  }
  pin(false);
  if (openssl.exitCode !== null) throw new Error(`openssl ocsp exited during the run: ${sslStderr}`);

  interface Summary {
    readonly reqPerS: number;
    readonly p50: number;
    readonly p99: number;
    readonly serverCpu: number;
    readonly clientCpu: number;
    readonly answered: number;
    /** Connections opened per answered request. */
    readonly connsPerReq: number;
    readonly errors: number;
    readonly errorKinds: Map<string, number>;
  }
  const summarise = (c: Case): Summary => {
    const pooled = Float64Array.from(c.rounds.flatMap((r) => [...r.result.latenciesMs])).sort();
    const errorKinds = new Map<string, number>();
    for (const r of c.rounds) for (const [k, n] of r.result.errorKinds) errorKinds.set(k, (errorKinds.get(k) ?? 0) + n);
    return {
      reqPerS: median(c.rounds.map((r) => (r.result.answered * 1000) / r.result.elapsedMs)),
      p50: quantile(pooled, 0.5),
      p99: quantile(pooled, 0.99),
      serverCpu: median(c.rounds.map((r) => r.serverCpuUsPerReq)),
      clientCpu: median(c.rounds.map((r) => r.clientCpuUsPerReq)),
      answered: c.rounds.reduce((n, r) => n + r.result.answered, 0),
      connsPerReq: c.rounds.reduce((n, r) => n + r.result.connections, 0) / Math.max(1, c.rounds.reduce((n, r) => n + r.result.answered, 0)),
      errors: c.rounds.reduce((n, r) => n + r.result.errors, 0),
      errorKinds,
    };
  };
  const summaries = new Map(cases.map((c) => [c.key, summarise(c)]));

  const widths = [33, 5, 8, 7, 7, 14, 13, 10, 6];
  console.log(`\nOCSP POST, no nonce, ${N} certificates, random CertIDs (SHA-1); ${ROUNDS} interleaved rounds of ${ROUND_MS / 1000} s per row`);
  console.log('(req/s and CPU: median of the rounds; latency: all rounds pooled; server CPU: utime+stime of its process)');
  console.log(formatRow(['server, client', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'srv CPU µs/req', 'client µs/req', 'conns/req', 'errors'], widths));
  for (const c of cases) {
    const s = summaries.get(c.key)!;
    console.log(
      formatRow(
        [c.label, c.concurrency, s.reqPerS.toFixed(0), s.p50.toFixed(2), s.p99.toFixed(2), s.serverCpu.toFixed(1), s.clientCpu.toFixed(1), s.connsPerReq.toFixed(3), s.errors + (s.errors > 0 ? ` ${JSON.stringify([...s.errorKinds])}` : '')],
        widths,
      ),
    );
  }

  const cpuOf = (key: string) => summaries.get(key)!.serverCpu;
  console.log('\nserver CPU per answered request, ours / openssl (goal: at most 0.10)');
  for (const c of CONCURRENCY) {
    console.log(
      `  ${String(c).padStart(2)} connection(s): HTTP/1.1 client ${(cpuOf(`ka${c}`) / cpuOf(`sslka${c}`)).toFixed(3)};  conn per request ${(cpuOf(`cl${c}`) / cpuOf(`ssl${c}`)).toFixed(3)}` +
        ` (floors there: bare node:http ${(cpuOf(`bcl${c}`) / cpuOf(`ssl${c}`)).toFixed(3)}, bare net.Server ${(cpuOf(`ncl${c}`) / cpuOf(`ssl${c}`)).toFixed(3)})`,
    );
  }
  if (canPin) {
    console.log(
      `   1 connection, one CPU: HTTP/1.1 client ${(cpuOf('ka1cpu') / cpuOf('sslka1cpu')).toFixed(3)} (floor: bare net.Server ${(cpuOf('nka1cpu') / cpuOf('sslka1cpu')).toFixed(3)})`,
    );
  }
  const p99 = (key: string) => summaries.get(`${key}16`)!.p99;
  console.log(`p99 at 16 connections: HTTP/1.1 client ${p99('ka').toFixed(2)} ms (openssl ${p99('sslka').toFixed(2)} ms); conn per request ${p99('cl').toFixed(2)} ms (openssl ${p99('ssl').toFixed(2)} ms)`);
  const checkedCases = [...summaries].filter(([key]) => !key.startsWith('b') && !key.startsWith('n')).map(([, s]) => s);
  const errors = [...summaries.values()].reduce((n, s) => n + s.errors, 0);
  console.log(`OCSP answers checked (ours and openssl): ${checkedCases.reduce((n, s) => n + s.answered, 0)}; errors (all rows): ${errors}`);
  const verdict = (ok: boolean) => (ok ? 'MET' : 'NOT MET');
  console.log('\ngoals (the same client, the same requests: HTTP/1.1 rows)');
  const cpu = CONCURRENCY.map((c) => {
    const r = cpuOf(`ka${c}`) / cpuOf(`sslka${c}`);
    return `at ${c} ${verdict(r <= 0.1)} (${r.toFixed(3)})`;
  });
  console.log(`  server CPU ≤ 0.1x openssl per answered request: ${cpu.join(', ')}`);
  if (canPin) {
    const r = cpuOf('ka1cpu') / cpuOf('sslka1cpu');
    const floor = cpuOf('nka1cpu') / cpuOf('sslka1cpu');
    console.log(`    at 1, client and servers on one CPU: ${verdict(r <= 0.1)} (${r.toFixed(3)}); across two CPUs the floor, a bare net.Server, is ${(cpuOf('nka1') / cpuOf('sslka1')).toFixed(3)} (one CPU: ${floor.toFixed(3)})`);
  }
  console.log(`  p99 < 5 ms at 16 connections: ${verdict(p99('ka') < 5)} (${p99('ka').toFixed(2)} ms)`);
  console.log(`  every answer checked and correct: ${verdict(errors === 0)}`);
  console.log(`  (openssl closed after every answer: ${summaries.get('sslka1')!.connsPerReq.toFixed(3)} and ${summaries.get('sslka16')!.connsPerReq.toFixed(3)} connections per request; ours ${summaries.get('ka1')!.connsPerReq.toFixed(3)} and ${summaries.get('ka16')!.connsPerReq.toFixed(3)})`);

  await stopChild(ours);
  await stopChild(openssl);
  await stopChild(bare);
  await stopChild(net);
}

/** Whether client and servers can be pinned to one CPU (taskset, util-linux, and more than one CPU). */
const canPin: boolean = (() => {
  if (cpus().length < 2) return false;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Sets the CPU affinity of every thread of `pid`. */
function pinAll(pid: number, list: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', list, String(pid)], { stdio: 'ignore' });
}

/** A full collection in the client (the flag is set at run time, so the script runs without options). */
const collectGarbage: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

installCleanup();
const dir = tempDir('jpki-bench-ocsp-');
try {
  await main();
} finally {
  cleanup();
}
