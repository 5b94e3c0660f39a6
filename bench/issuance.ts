/**
 * Benchmark: phone certificate issuance through the certification service (issue 3): phone
 * certificates issued per second with the keys supplied, and where the time goes.
 *
 * Set-up (not timed): a home made by `jpki-mobile init`, on SQLite; cards issued through the service
 * (`issueCard`) with one card key pair; a small pool of "secure element" key pairs; for each card an
 * application signed with the card's key, made just before each run (an application is fresh for five
 * minutes and usable once). Timed: `JpkiService.issuePhone` for each application in turn, which checks
 * the card certificate and the application, builds, lints and signs the two phone certificates and
 * records them in one transaction. Each card is used once, so no issuance supersedes another.
 *
 * Where the time goes: a second, equal run under the V8 CPU profiler (100 µs sampling); each sample is
 * put in the phase of the service code on its stack (card certificate check, application signature,
 * build and lint, RSA signing, self-check and parse, database), the rest in "other". For scale, the
 * RSA-2048 signature of node:crypto with the CA key is timed alone: two of them are the floor of an
 * issuance.
 *
 *   npm run bench -- issuance        (or: node dist/bench/issuance.js [ISSUANCES] after a build)
 */
import { createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { Session } from 'node:inspector/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openJpki } from '../src/cli/runtime/jpki-system.js';
import type { BasicFour } from '../src/pki/x509/index.js';
import { encodePhoneIssuanceApplication } from '../src/services/jpki/application.js';
import type { PhoneIssuanceRequest } from '../src/services/jpki/issuance.js';
import type { JpkiService } from '../src/services/jpki/service.js';
import { formatRow } from './harness.js';
import { BENCH_BIRTH_DATE, BENCH_CARD_EXPIRY, initHome } from './support/jpki-home.js';
import { cleanup, installCleanup, quantile, tempDir } from './support/proc.js';

const ISSUANCES = Number(process.argv[2] ?? 200);
const SE_KEYS = 8;
const PERSON: BasicFour = { name: '山田\u3000太郎', address: '東京都千代田区永田町1-7-1', birthDate: BENCH_BIRTH_DATE, sex: 1 };


function rsaKey(): KeyObject {
  return generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 }).privateKey;
}

function spki(key: KeyObject): Uint8Array {
  return new Uint8Array(createPublicKey(key).export({ type: 'spki', format: 'der' }));
}

interface Card {
  readonly certificate: Uint8Array;
}

async function issueCards(service: JpkiService, n: number, cardSpki: Uint8Array): Promise<Card[]> {
  const cards: Card[] = [];
  for (let i = 0; i < n; i++) {
    const r = await service.issueCard({ kind: 'office', id: 'bench-office' }, { person: PERSON, cardExpiry: BENCH_CARD_EXPIRY, signPublicKey: cardSpki, authPublicKey: cardSpki });
    cards.push({ certificate: r.sign.der });
  }
  return cards;
}

/** Fresh, card-signed applications for these cards (one each), carrying keys from the SE pool. */
function applications(cards: readonly Card[], cardKey: KeyObject, seKeys: readonly (readonly [Uint8Array, Uint8Array])[], tag: string): PhoneIssuanceRequest[] {
  return cards.map((card, i) => {
    const [signPublicKey, authPublicKey] = seKeys[i % seKeys.length]!;
    const application = encodePhoneIssuanceApplication({ seId: `SE-BENCH-${tag}-${i}`, signPublicKey, authPublicKey, nonce: randomBytes(16).toString('base64url'), time: new Date() });
    return { application, signature: new Uint8Array(sign('sha256', application, cardKey)), cardCertificate: card.certificate };
  });
}

async function issueAll(service: JpkiService, requests: readonly PhoneIssuanceRequest[]): Promise<{ wallMs: number; latenciesMs: Float64Array }> {
  const latencies = new Float64Array(requests.length);
  const t0 = performance.now();
  for (let i = 0; i < requests.length; i++) {
    const t = performance.now();
    const r = await service.issuePhone({ kind: 'sp-tsm', id: 'bench-sp-tsm' }, requests[i]!);
    latencies[i] = performance.now() - t;
    if (r.sign.der.length === 0 || r.auth.der.length === 0) throw new Error('issuance returned no certificate');
  }
  return { wallMs: performance.now() - t0, latenciesMs: latencies.sort() };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

type Frame = ProfileNode['callFrame'];
const inFile = (f: Frame, suffix: string) => f.url.endsWith(suffix);

/**
 * The phase a sample belongs to, from the frames on its stack (leaf first). The service's own
 * functions mark the phases; node:crypto and SQLite time is counted in the phase that called it.
 */
const PHASES: readonly (readonly [string, (stack: readonly Frame[]) => boolean])[] = [
  ['card certificate check (parse, chain RSA verify, record)', (s) => s.some((f) => f.functionName === 'checkCardCertificate')],
  ['RSA-2048 signing by the CA keys (2 certificates)', (s) => s.some((f) => f.functionName === 'sign' && inFile(f, '/pki/signer.js'))],
  ['build TBS + profile lint (2 certificates)', (s) => s.some((f) => f.functionName === 'prepareEndEntity' || f.functionName === 'buildEndEntity' || f.functionName === 'lintCertificate')],
  ['signature self-check + parse of the issued certificates', (s) => s.some((f) => f.functionName === 'signEndEntity' || f.functionName === 'issueCertificate')],
  [
    'database: reads, transaction, inserts, audit chain, commit',
    (s) => s.some((f) => f.url.includes('/src/store/') || f.url.includes('better-sqlite3') || inFile(f, '/jpki/repository.js') || inFile(f, '/jpki/revocation.js')),
  ],
  ['application signature verification (RSA, card key)', (s) => s.some((f) => f.functionName === 'verify' && f.url === 'node:internal/crypto/sig')],
  ['application parse, freshness, key checks, orchestration', (s) => s.some((f) => inFile(f, '/jpki/issuance.js') || inFile(f, '/jpki/application.js') || inFile(f, '/jpki/service.js'))],
  ['garbage collection', (s) => s[0]?.functionName === '(garbage collector)'],
  ['idle (waiting)', (s) => s[0]?.functionName === '(idle)'],
];

function attribute(profile: CpuProfile): { phases: Map<string, number>; totalUs: number; topSelf: [string, number][] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const phases = new Map<string, number>();
  const self = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const stack: Frame[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) stack.push(byId.get(cur)!.callFrame);
    const phase = PHASES.find(([, test]) => test(stack))?.[0] ?? 'other (event loop, promises, native)';
    phases.set(phase, (phases.get(phase) ?? 0) + us);
    const leaf = stack[0]!;
    const name = `${leaf.functionName || '(anonymous)'} ${leaf.url.replace(/^.*\/(src|node_modules)\//, '$1/')}`;
    self.set(name, (self.get(name) ?? 0) + us);
    totalUs += us;
  }
  return { phases, totalUs, topSelf: [...self].sort((a, b) => b[1] - a[1]).slice(0, 10) };
}

async function main(dir: string): Promise<void> {
  console.log(`node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const t0 = performance.now();
  const h = await initHome(join(dir, 'home'));
  const { service, db } = await openJpki(h.home);
  try {
    // Keys supplied: the card's and the secure elements', generated before anything is timed.
    const cardKey = rsaKey();
    const cardSpki = spki(cardKey);
    const seKeys = Array.from({ length: SE_KEYS }, () => [spki(rsaKey()), spki(rsaKey())] as const);
    const cards = await issueCards(service, 2 * ISSUANCES + 20, cardSpki);
    console.log(`set-up: ${cards.length} cards issued through the service, ${SE_KEYS} SE key pairs, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // Warm-up (JIT, statement cache), then the timed run, then the profiled run, each on fresh cards.
    await issueAll(service, applications(cards.slice(0, 20), cardKey, seKeys, 'w'));
    const timed = await issueAll(service, applications(cards.slice(20, 20 + ISSUANCES), cardKey, seKeys, 't'));
    const perIssuance = timed.wallMs / ISSUANCES;
    console.log(`\nphone issuance through JpkiService.issuePhone on SQLite, keys supplied, one at a time, ${ISSUANCES} issuances`);
    console.log(`  ${(1000 / perIssuance).toFixed(1)} issuances/s = ${(2000 / perIssuance).toFixed(1)} phone certificates/s`);
    console.log(`  latency per issuance: mean ${perIssuance.toFixed(2)} ms, p50 ${quantile(timed.latenciesMs, 0.5).toFixed(2)} ms, p99 ${quantile(timed.latenciesMs, 0.99).toFixed(2)} ms`);

    // The floor: node:crypto's RSA-2048 signature with the CA key, alone.
    const signer = service.ctx.authority.active('sign').signer;
    const tbs = new Uint8Array(1200).fill(7);
    let signs = 0;
    const s0 = performance.now();
    while (performance.now() - s0 < 1000) {
      signer.sign(tbs);
      signs++;
    }
    const signMs = (performance.now() - s0) / signs;
    console.log(`  RSA-2048 signature alone (node:crypto, CA key): ${signMs.toFixed(3)} ms; two per issuance = ${((100 * 2 * signMs) / perIssuance).toFixed(0)}% of an issuance`);

    const requests = applications(cards.slice(20 + ISSUANCES), cardKey, seKeys, 'p');
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    const profiled = await issueAll(service, requests);
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    session.disconnect();

    const { phases, totalUs, topSelf } = attribute(profile);
    const n = requests.length;
    console.log(`\nwhere the time goes (CPU profile of a second run of ${n}: ${(profiled.wallMs / n).toFixed(2)} ms per issuance with the profiler on)`);
    const widths = [58, 14, 7];
    console.log(formatRow(['phase', 'ms/issuance', 'share'], widths));
    for (const [name] of [...PHASES, ['other (event loop, promises, native)']] as const) {
      const us = phases.get(name) ?? 0;
      if (us === 0) continue;
      console.log(formatRow([name, (us / 1000 / n).toFixed(3), `${((100 * us) / totalUs).toFixed(1)}%`], widths));
    }
    console.log(formatRow(['total (profiled)', (totalUs / 1000 / n).toFixed(3), '100.0%'], widths));
    console.log('\nfunctions with the most self time (profiled run)');
    for (const [name, us] of topSelf) console.log(`  ${((100 * us) / totalUs).toFixed(1).padStart(5)}%  ${name}`);
  } finally {
    service.close();
    await db.close();
  }
}

installCleanup();
const dir = tempDir('jpki-bench-issuance-');
try {
  await main(dir);
} finally {
  cleanup();
}
