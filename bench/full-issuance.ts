/**
 * Benchmark: full issuance (flow 3) end to end, as a user lives it: the JPKI app on a prepared phone,
 * the card held to the phone, the issuance session through the relay over real HTTP to the running
 * system (SP-TSM, SEI-TSM, certification service: `startSystem` on a temporary home, SQLite, one port
 * of 127.0.0.1): two RSA-2048 keys generated inside the element's JPKI applet, the card's signature on
 * the application (after its password), the CA's two certificates, the certificates and temporary
 * secrets written through SCP03, then the user's own PIN and password set by the app. Issuance latency
 * (median, p95) and issuances per second, one at a time and CONCURRENCY at a time.
 *
 * The floor: RSA-2048 key generation, two per issuance. `generateKeyPairSync('rsa', 2048)` is timed in
 * the same run, two keys after each sequential issuance (its time varies a lot from key to key: the
 * search for primes); and the applet's own key generation and every scrypt derivation (PIN and
 * password records, N = 16384) are clocked inside the issuance (`support/crypto-clock.ts`, which
 * must be imported first).
 *
 * Round trips: every HTTP request the phone makes during the issuance (the relay's session, batch and
 * signature requests), the relay batches among them, and the SP-TSM's requests to the CA. Where the
 * time goes: from the phone's request log, the time between requests (the app, the element running a
 * batch, the card) and the time of each request (the server's work, the CA's within the signature).
 *
 * Set-up, not timed: for each issuance a fresh phone (element registered by its maker, app installed
 * and prepared) and a fresh card (a person of its own, keys made in the card, certificates from the
 * system). One issuance before the timed ones warms the process up.
 *
 *   npm run bench -- full-issuance        (or: node dist/bench/full-issuance.js [ISSUANCES] [CONCURRENCY] after a build)
 */
import { keyGeneration, resetClocks, scryptClock } from './support/crypto-clock.js';
import { generateKeyPairSync } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { IssuanceInput } from '../src/app/index.js';
import type { IdCard } from '../src/devices/id-card/index.js';
import { formatRow } from './harness.js';
import { CARD_PASSWORD, serverRequests, startBenchSystem, type BenchSystem, type PhoneRig, type RequestRecord } from './support/app-system.js';
import { cleanup, installCleanup, quantile, tempDir } from './support/proc.js';

/** The median as the rest of this report prints it: nearest rank, the lower middle of an even count. */
const median = (values: readonly number[]) => quantile([...values].sort((a, b) => a - b), 0.5);

function count(arg: string | undefined, fallback: number, max: number, what: string): number {
  const n = Number(arg ?? fallback);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new RangeError(`${what} must be an integer from 1 to ${max}, not ${arg}`);
  return n;
}
const ISSUANCES = count(process.argv[2], 12, 200, 'ISSUANCES');
const CONCURRENCY = count(process.argv[3], 2, 8, 'CONCURRENCY');

const input = (card: IdCard): IssuanceInput => ({
  card,
  cardPassword: async () => CARD_PASSWORD,
  newSecrets: async () => ({ pin: '4321', pinConfirm: '4321', password: 'MYPASS99', passwordConfirm: 'MYPASS99' }),
});

interface Sample {
  readonly ms: number;
  readonly start: number;
  readonly end: number;
  readonly requests: readonly RequestRecord[];
  readonly server: readonly RequestRecord[];
  readonly keygen: { calls: number; ms: number };
  readonly scrypt: { calls: number; ms: number };
}

interface Rig {
  readonly phone: PhoneRig;
  readonly card: IdCard;
}

async function rigs(sys: BenchSystem, n: number, first: number): Promise<Rig[]> {
  const out: Rig[] = [];
  for (let i = 0; i < n; i++) out.push({ phone: await sys.newPhone(), card: await sys.newCard(first + i) });
  return out;
}

/** One issuance on a fresh rig; its outcome is checked (serials, the app's state). */
async function issue(rig: Rig): Promise<{ ms: number; start: number; end: number }> {
  const start = performance.now();
  const result = await rig.phone.app.issue(input(rig.card));
  const end = performance.now();
  if (!/^[0-9A-F]+$/.test(result.authSerial) || !/^[0-9A-F]+$/.test(result.signSerial) || rig.phone.app.flowState('issuance') !== 'issued') {
    throw new Error(`the issuance did not end issued: ${JSON.stringify(result)}`);
  }
  return { ms: end - start, start, end };
}

function keygenSync(): number {
  const t = performance.now();
  generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
  return performance.now() - t;
}

/** A request's path with its session id as `:id`. */
const route = (r: RequestRecord) => `${r.method} ${r.path.replace(/\/sessions\/[^/]+/, '/sessions/:id')}`;

/** What the phone does before it sends each relay request (the gap since the previous answer). */
const BEFORE: Record<string, string> = {
  'POST /tsm/v1/sessions': 'app: start, relay credential from the keystore',
  'POST /tsm/v1/sessions/:id/batches/1': 'element: batch 1 (SELECT APSD, INITIALIZE UPDATE)',
  'POST /tsm/v1/sessions/:id/batches/2': 'element: batch 2 (EXT. AUTH., 2 x GENERATE KEY PAIR)',
  'POST /tsm/v1/sessions/:id/signature': 'card: VERIFY password, sign, read certificate',
  'POST /tsm/v1/sessions/:id/batches/3': 'element: batch 3 (4 certificates, temporary PIN+pw)',
  'POST /tsm/v1/sessions/:id/secrets-replaced': "app: user's PIN and password (VERIFY+CHANGE x2)",
};
const AFTER = 'app: certificates recorded, issued';

function breakdown(samples: readonly Sample[]): void {
  const rows = new Map<string, number[]>();
  const add = (name: string, ms: number) => rows.set(name, [...(rows.get(name) ?? []), ms]);
  for (const s of samples) {
    let last = s.start;
    for (const r of s.requests) {
      add(`phone  ${BEFORE[route(r)] ?? `before ${route(r)}`}`, r.start - last);
      add(`server ${route(r)}`, r.end - r.start);
      for (const c of s.server.filter((x) => x.start >= r.start && x.end <= r.end)) add(`         of which SP-TSM -> CA: ${route(c)}`, c.end - c.start);
      last = r.end;
    }
    add(`phone  ${AFTER}`, s.end - last);
  }
  const total = samples.reduce((a, s) => a + s.ms, 0) / samples.length;
  const widths = [62, 9, 9, 7];
  console.log(formatRow(['step (phone: between requests; server: request to answer read)', 'mean ms', 'median', 'share'], widths));
  for (const [name, values] of rows) {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    console.log(formatRow([name.padEnd(widths[0]!), mean.toFixed(1), median(values).toFixed(1), `${((100 * mean) / total).toFixed(1)}%`], widths));
  }
  console.log(formatRow(['issuance'.padEnd(widths[0]!), total.toFixed(1), median(samples.map((s) => s.ms)).toFixed(1), '100.0%'], widths));
}

const stat = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `median ${quantile(sorted, 0.5).toFixed(0)} ms, p95 ${quantile(sorted, 0.95).toFixed(0)} ms (min ${sorted[0]!.toFixed(0)}, max ${sorted[sorted.length - 1]!.toFixed(0)})`;
};
const spread = (values: readonly number[]) => {
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  return distinct.length === 1 ? String(distinct[0]) : `${distinct[0]}-${distinct[distinct.length - 1]} (median ${median(values)})`;
};

async function main(dir: string): Promise<void> {
  const load0 = loadavg();
  console.log(`node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPU (${cpus()[0]?.model ?? '?'}), load average ${load0.map((l) => l.toFixed(2)).join(' ')}`);
  const t0 = performance.now();
  const sys = await startBenchSystem(join(dir, 'home'));
  try {
    const warm = await rigs(sys, 1, 0);
    const sequential = await rigs(sys, ISSUANCES, 1);
    const concurrent = await rigs(sys, ISSUANCES, 1 + ISSUANCES);
    console.log(`set-up (not timed): system at ${sys.url}; ${1 + 2 * ISSUANCES} phones prepared (flow 2) and cards issued in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await issue(warm[0]!);

    // One at a time, two timed key generations after each.
    const samples: Sample[] = [];
    const keygens: number[] = [];
    for (const rig of sequential) {
      resetClocks();
      serverRequests.length = 0;
      const r = await issue(rig);
      samples.push({ ...r, requests: [...rig.phone.requests], server: [...serverRequests], keygen: { ...keyGeneration }, scrypt: { ...scryptClock } });
      keygens.push(keygenSync(), keygenSync());
    }

    // CONCURRENCY at a time, on fresh rigs.
    const queue = [...concurrent];
    const latencies: number[] = [];
    const c0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let rig = queue.shift(); rig; rig = queue.shift()) latencies.push((await issue(rig)).ms);
      }),
    );
    const concurrentWall = performance.now() - c0;

    const ms = samples.map((s) => s.ms);
    const sequentialWall = ms.reduce((a, b) => a + b, 0);
    const keygen = median(keygens);
    const issuanceMedian = median(ms);
    console.log(`\nfull issuance (flow 3) through the relay over HTTP on 127.0.0.1, ${ISSUANCES} issuance(s), each a fresh phone and card`);
    console.log(`  one at a time:        ${stat(ms)}; ${((1000 * ISSUANCES) / sequentialWall).toFixed(2)} issuances/s`);
    console.log(`  ${CONCURRENCY} at a time:         ${stat(latencies)}; ${((1000 * ISSUANCES) / concurrentWall).toFixed(2)} issuances/s`);
    console.log(`\nthe floor: RSA-2048 key generation, 2 keys per issuance`);
    console.log(`  generateKeyPairSync('rsa', 2048) alone, ${keygens.length} keys between the issuances: ${stat(keygens)}`);
    console.log(`  2 x keygen median = ${(2 * keygen).toFixed(0)} ms; issuance median / (2 x keygen median) = ${(issuanceMedian / (2 * keygen)).toFixed(2)}`);
    const inside = samples.map((s) => s.keygen.ms);
    console.log(`  inside the issuance, the applet's ${spread(samples.map((s) => s.keygen.calls))} generateKeyPair calls: ${stat(inside)} per issuance = ${((100 * median(inside)) / issuanceMedian).toFixed(0)}% of the median issuance`);
    const scrypts = samples.map((s) => s.scrypt.ms);
    console.log(`  and its ${spread(samples.map((s) => s.scrypt.calls))} scrypt derivations (N = 16384; card, applet): ${stat(scrypts)} per issuance = ${((100 * median(scrypts)) / issuanceMedian).toFixed(0)}%`);
    const rest = samples.map((s) => s.ms - s.keygen.ms - s.scrypt.ms);
    console.log(`  the rest (HTTP, relay and SP-TSM, SCP03, CA signing, database, app, card RSA): ${stat(rest)} per issuance`);

    const relay = (s: Sample) => s.requests.filter((r) => r.path.startsWith('/tsm/v1/sessions'));
    console.log(`\nround trips per issuance`);
    console.log(`  HTTP requests from the phone: ${spread(samples.map((s) => s.requests.length))} (${[...new Set(samples[0]!.requests.map(route))].join(', ')})`);
    console.log(`  of which relay batches answered: ${spread(samples.map((s) => relay(s).filter((r) => /\/batches\//.test(r.path)).length))}`);
    console.log(`  SP-TSM -> certification service over HTTP: ${spread(samples.map((s) => s.server.length))} (${[...new Set(samples[0]!.server.map(route))].join(', ')})`);
    console.log(`\nwhere the time goes (the ${ISSUANCES} issuance(s) one at a time)`);
    breakdown(samples);
    console.log(`\nload average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    await sys.system.stop();
  }
}

installCleanup();
const dir = tempDir('jpki-bench-full-issuance-');
try {
  await main(dir);
} finally {
  cleanup();
}
