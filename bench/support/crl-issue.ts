/**
 * Child process of bench/crl.ts: opens a home as the running service does (`openJpki`), issues the CRL
 * of one CA generation through `CrlPublisher` (database pages, streaming writer, signature), writes its
 * DER to a file, and prints one JSON line: the time of the issue itself, the time since the process
 * started, and its peak resident memory (VmHWM) read from /proc at the end.
 *
 *   node dist/bench/support/crl-issue.js HOME HIERARCHY GENERATION OUT.crl
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { openJpki } from '../../src/cli/runtime/jpki-system.js';
import type { Hierarchy } from '../../src/services/jpki/repository.js';
import { statusKb } from './proc.js';

const [home, hierarchy, generation, out] = process.argv.slice(2);
if (!home || !hierarchy || !generation || !out) {
  process.stderr.write('usage: crl-issue.js HOME HIERARCHY GENERATION OUT.crl\n');
  process.exit(2);
}
// Exits by itself if its parent goes away (the benchmark stopped it or died).
const parent = process.ppid;
setInterval(() => process.ppid !== parent && process.exit(1), 1000).unref();
const { service, db } = await openJpki(home);
const t0 = performance.now();
const crl = await service.crl.current(hierarchy as Hierarchy, Number(generation));
const issueMs = performance.now() - t0;
writeFileSync(out, crl.der);
const totalMs = performance.now(); // since the process started (performance.timeOrigin)
service.close();
await db.close();
process.stdout.write(JSON.stringify({ issueMs, totalMs, bytes: crl.der.length, vmHwmKb: statusKb('self', 'VmHWM') }) + '\n');
