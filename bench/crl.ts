/**
 * Benchmark: issuing a CRL of 1,000,000 entries through the certification service, against
 * `openssl ca -gencrl` over the same entries, in one run on one machine (issue 3).
 *
 * Set-up: a home made by `jpki-mobile init`; 1,000,000 revoked (and some held) certificates of the
 * signature CA's first generation inserted straight into its SQLite database (one transaction, prepared
 * statements): random 10-byte serials as the service makes them, JPKI's reasons, revocation times over
 * five years, card and linked phone certificates, each row carrying a real certificate DER of the usual
 * size (the same one: the CRL never reads it). The same entries go into an openssl `ca` index.txt.
 *
 * Ours: a child process opens the home as the service does and issues the CRL with `CrlPublisher`
 * (pages of the database in a write transaction, streaming writer, signature), then writes it to a
 * file. Peer: `openssl ca -gencrl` over index.txt with the exported CA key. Both run under
 * `/usr/bin/time -v` (wall time, peak RSS; without it, VmHWM is polled); the child also reports the
 * time of the issue itself and its VmHWM. Both CRLs are verified with `openssl crl -CAfile`, and their
 * entries compared: same count, same (serial, revocation time, reason) sequence. Ours is stopped at
 * four times openssl's time (30 to 90 s), so the run stays bounded when it is far off the goal.
 *
 * Goals: no more than 1.5x openssl's time, and peak memory under 200 MB.
 *
 *   npm run bench -- crl        (or: node dist/bench/crl.js [ENTRIES] after a build)
 */
import BetterSqlite3 from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { randomSerial } from '../src/pki/x509/index.js';
import { crlDigest, pemToDer, type CrlDigest } from './support/crl-digest.js';
import { benchSpki, BENCH_BIRTH_DATE, cardAuthCertificate, exportCa, indexLine, initHome, loadAuthority, openHomeDatabase, prng } from './support/jpki-home.js';
import { cleanup, installCleanup, killTree, spawnTracked, statusKb, tempDir } from './support/proc.js';

const ENTRIES = Number(process.argv[2] ?? 1_000_000);
const YEAR_MS = 365.25 * 86_400_000;


interface Timed {
  /** Stopped at the time bound (SIGKILL) before it finished. */
  readonly timedOut: boolean;
  readonly wallMs: number;
  readonly maxRssKb: number;
  readonly stdout: string;
  readonly stderr: string;
}

const GNU_TIME = '/usr/bin/time';

/**
 * Runs a command under `/usr/bin/time -v` (bounded), returning its wall time and peak RSS. Without
 * GNU time (Debian package `time`), the command runs alone and its VmHWM is polled from /proc.
 */
async function timed(command: string, args: readonly string[], timeoutMs: number): Promise<Timed> {
  const viaTime = existsSync(GNU_TIME);
  const t0 = performance.now();
  const child = viaTime ? spawnTracked(GNU_TIME, ['-v', command, ...args]) : spawnTracked(command, args);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  let polledKb = NaN;
  const poll = viaTime
    ? undefined
    : setInterval(() => {
        try {
          polledKb = statusKb(child.pid!, 'VmHWM');
        } catch {
          // exited
        }
      }, 20);
  // /usr/bin/time does not pass signals on: the command it runs is ended by its own PID.
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid !== undefined) killTree(child.pid);
  }, timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  if (poll) clearInterval(poll);
  const wallMs = performance.now() - t0;
  if (code !== 0 && !timedOut) throw new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr.slice(-2000)}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  return { timedOut, wallMs, maxRssKb: rss ? Number(rss[1]) : polledKb, stdout, stderr };
}

function verifyWithOpenssl(file: string, form: 'DER' | 'PEM', caPem: string): boolean {
  const r = spawnSync('openssl', ['crl', '-in', file, '-inform', form, '-CAfile', caPem, '-noout'], { encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 && /verify OK/.test(r.stdout + r.stderr);
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${spawnSync('openssl', ['version'], { encoding: 'utf8' }).stdout.trim()}`);
  const t0 = performance.now();
  const h = await initHome(join(dir, 'home'));
  const db = await openHomeDatabase(h);
  const authority = await loadAuthority(db, h.passphrase);
  const sign = authority.active('sign');
  const files = await exportCa(db, h.passphrase, 'sign', sign.generation, dir);
  const template = cardAuthCertificate(authority.active('auth'), h.config, benchSpki(), randomSerial((n) => new Uint8Array(randomBytes(n))), new Date(), 'TEMPLATE000000000000');
  await db.close();

  // The entries, into the service's database and openssl's index.txt in one pass.
  const bulk = new BetterSqlite3(h.dbPath);
  bulk.pragma('journal_mode = DELETE'); // a fresh file: no WAL copy of a gigabyte of pages
  bulk.pragma('synchronous = OFF');
  bulk.pragma('cache_size = -262144');
  bulk.pragma('foreign_keys = OFF'); // consistent by construction (persons and card rows first)
  const insertPerson = bulk.prepare(
    'INSERT INTO persons (id, name, address, birth_date, sex, name_substitute_map, address_substitute_map, created_at, updated_at) VALUES (?, ?, ?, ?, 1, NULL, NULL, ?, ?)',
  );
  const insertCertificate = bulk.prepare(
    `INSERT INTO certificates (serial, hierarchy, generation, device, person_id, card_id, se_id, linked_serial, status, reason, revoked_at, not_before, not_after, subject, der, issued_at)
     VALUES (?, 'sign', ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const indexPath = join(dir, 'index.txt');
  const indexFd = openSync(indexPath, 'w');
  const rand = prng(0xc41);
  const now = Date.now();
  const serialPool = randomBytes(10 * 65536);
  let serialAt = serialPool.length;
  const nextSerial = (): string => {
    if (serialAt === serialPool.length) {
      randomBytes(serialPool.length).copy(serialPool);
      serialAt = 0;
    }
    const s = serialPool.subarray(serialAt, (serialAt += 10));
    s[0] = s[0]! & 0x7f || 0x01; // positive and minimal, as randomSerial makes them
    return s.toString('hex').toUpperCase();
  };
  let held = 0;
  const tInsert = performance.now();
  bulk.transaction(() => {
    let lines: string[] = [];
    let cardSerial = '';
    for (let i = 0; i < ENTRIES; i++) {
      const serial = nextSerial();
      const person = `bench-${i >> 2}`;
      const device = i % 4 === 0 ? 'card' : 'phone';
      const revokedAt = new Date(now - rand() * 5 * YEAR_MS);
      const notBefore = new Date(revokedAt.getTime() - rand() * YEAR_MS);
      const notAfter = new Date(notBefore.getTime() + 5 * YEAR_MS);
      // At most one held phone certificate per person (the database allows one active per type).
      const isHeld = i % 4 === 1 && rand() < 0.08;
      const r = rand();
      const reason = isHeld ? 6 : r < 0.5 ? 4 : r < 0.75 ? 5 : r < 0.9 ? 1 : 3;
      if (isHeld) held++;
      if (device === 'card') {
        const at = notBefore.toISOString();
        insertPerson.run(person, '山田\u3000太郎', '東京都千代田区永田町1-7-1', BENCH_BIRTH_DATE, at, at);
        cardSerial = serial;
      }
      const issuanceId = `B${String(i).padStart(19, '0')}`;
      insertCertificate.run(
        serial,
        sign.generation,
        device,
        person,
        device === 'phone' ? `se-${i >> 2}` : null,
        device === 'phone' ? cardSerial : null,
        isHeld ? 'held' : 'revoked',
        reason,
        revokedAt.toISOString(),
        notBefore.toISOString(),
        notAfter.toISOString(),
        `C=JP,L=東京都,L=千代田区,CN=${issuanceId}`,
        template,
        notBefore.toISOString(),
      );
      lines.push(indexLine({ serialHex: serial, notAfter, revokedAt, reason, subject: `/C=JP/CN=${issuanceId}` }));
      if (lines.length === 10_000) {
        writeSync(indexFd, lines.join(''));
        lines = [];
      }
    }
    writeSync(indexFd, lines.join(''));
  })();
  closeSync(indexFd);
  bulk.pragma('journal_mode = WAL');
  bulk.close();
  const insertS = (performance.now() - tInsert) / 1000;
  const setupS = (performance.now() - t0) / 1000;
  console.log(
    `set-up: ${ENTRIES.toLocaleString('en')} entries (${held.toLocaleString('en')} held) of CA sign/${sign.generation} in SQLite (${(statSync(h.dbPath).size / 1e9).toFixed(2)} GB) and index.txt (${(statSync(indexPath).size / 1e6).toFixed(0)} MB), in ${setupS.toFixed(1)} s (${insertS.toFixed(1)} s inserting)`,
  );

  // openssl ca's configuration: the same extensions as ours (authorityKeyIdentifier, cRLNumber).
  const cnf = join(dir, 'ca.cnf');
  writeFileSync(
    cnf,
    `[ ca ]\ndefault_ca = bench\n[ bench ]\ndatabase = ${indexPath}\ncrlnumber = ${join(dir, 'crlnumber')}\ndefault_md = sha256\ndefault_crl_days = 1\ncrl_extensions = crl_ext\nunique_subject = no\n[ crl_ext ]\nauthorityKeyIdentifier = keyid:always\n`,
  );
  writeFileSync(join(dir, 'crlnumber'), '01\n');

  const oursOut = join(dir, 'ours.crl');
  const sslOut = join(dir, 'openssl.crl');
  const crlIssue = fileURLToPath(new URL('./support/crl-issue.js', import.meta.url));
  // openssl first: its time sets the bound on ours (a few times the goal, so a miss is still measured).
  const ssl = await timed('openssl', ['ca', '-gencrl', '-batch', '-config', cnf, '-keyfile', files.caKey, '-cert', files.ca, '-out', sslOut], 120_000);
  if (ssl.timedOut) throw new Error('openssl ca -gencrl did not finish in 120 s');
  const boundMs = Math.max(30_000, Math.min(90_000, 4 * ssl.wallMs));
  const ours = await timed(process.execPath, [crlIssue, h.home, 'sign', String(sign.generation), oursOut], boundMs);

  const mb = (kb: number) => (kb / 1024).toFixed(0);
  const sec = (ms: number) => (ms / 1000).toFixed(2);
  const verdict = (ok: boolean) => (ok ? 'MET' : 'NOT MET');
  const sslOk = verifyWithOpenssl(sslOut, 'PEM', files.ca);
  const sslList: CrlDigest = crlDigest(pemToDer(readFileSync(sslOut, 'utf8')));
  const reasons = (d: CrlDigest) => [...d.reasons].sort((a, b) => a[0] - b[0]).map(([code, n]) => `${code}:${n}`).join(' ');
  console.log(`\nCRL of ${ENTRIES.toLocaleString('en')} entries, CA sign/${sign.generation}: time (wall) and peak resident memory (/usr/bin/time -v)`);
  if (ours.timedOut) {
    console.log(`  jpki-mobile, whole process: stopped after ${sec(ours.wallMs)} s without finishing (bound: 4x openssl's time, 30-90 s)`);
    console.log(`  openssl ca -gencrl, whole process                                 ${sec(ssl.wallMs).padStart(7)} s  ${mb(ssl.maxRssKb).padStart(5)} MB`);
    console.log(`verification: openssl ${sslOk ? 'verify OK' : 'FAILED'} (${sslList.entries} entries)`);
    console.log(`\ngoals\n  time ≤ 1.5x openssl: NOT MET (more than ${(ours.wallMs / ssl.wallMs).toFixed(1)}x)\n  peak memory < 200 MB: not measured (did not finish)`);
    return;
  }
  const report = JSON.parse(ours.stdout.trim().split('\n').pop()!) as { issueMs: number; totalMs: number; bytes: number; vmHwmKb: number };
  const oursOk = verifyWithOpenssl(oursOut, 'DER', files.ca);
  const oursList: CrlDigest = crlDigest(new Uint8Array(readFileSync(oursOut)));
  const sameEntries = oursList.entries === ENTRIES && sslList.entries === ENTRIES && oursList.digest === sslList.digest;
  console.log(`  jpki-mobile, whole process (node start, open home, issue, write)  ${sec(ours.wallMs).padStart(7)} s  ${mb(ours.maxRssKb).padStart(5)} MB  (VmHWM ${mb(report.vmHwmKb)} MB)`);
  console.log(`    of which CrlPublisher issue (database pages, writer, signature) ${sec(report.issueMs).padStart(7)} s`);
  console.log(`  openssl ca -gencrl, whole process                                 ${sec(ssl.wallMs).padStart(7)} s  ${mb(ssl.maxRssKb).padStart(5)} MB`);
  console.log(`  sizes: ours ${(report.bytes / 1e6).toFixed(1)} MB DER; openssl ${(statSync(sslOut).size / 1e6).toFixed(1)} MB PEM`);
  const ratio = ours.wallMs / ssl.wallMs;
  console.log(`\ntime ratio ours/openssl: ${ratio.toFixed(2)} whole process (${(report.issueMs / ssl.wallMs).toFixed(2)} counting the issue only)`);
  console.log(`verification: ours ${oursOk ? 'verify OK' : 'FAILED'} (${oursList.entries} entries), openssl ${sslOk ? 'verify OK' : 'FAILED'} (${sslList.entries} entries)`);
  console.log(`entries (serial, revocation time, reason) identical: ${sameEntries ? 'yes' : 'NO'}; reasons ours ${reasons(oursList)} / openssl ${reasons(sslList)}`);
  console.log(
    `\ngoals\n  time ≤ 1.5x openssl (whole process): ${verdict(ratio <= 1.5)}\n  peak memory < 200 MB: ${verdict(ours.maxRssKb < 200 * 1024)}\n  both CRLs verify and list the same entries: ${verdict(oursOk && sslOk && sameEntries)}`,
  );
}

installCleanup();
const dir = tempDir('jpki-bench-crl-');
try {
  await main();
} finally {
  cleanup();
}
