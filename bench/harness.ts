/**
 * A small, bounded micro-benchmark harness: each case runs for a fixed time budget (and at most a fixed
 * number of iterations), after a warm-up, and reports operations per second. Cases are interleaved
 * (ours, peer, ours, peer, …) over several rounds and the median is kept, so a noisy neighbour on a
 * 2-core machine hurts both sides alike.
 */
export interface Measured {
  opsPerSecond: number;
  nsPerOp: number;
}

function timeOnce(fn: () => void, budgetMs: number, maxIterations: number): number {
  const deadline = process.hrtime.bigint() + BigInt(budgetMs) * 1_000_000n;
  const start = process.hrtime.bigint();
  let n = 0;
  while (n < maxIterations) {
    for (let k = 0; k < 64; k++) fn();
    n += 64;
    if (process.hrtime.bigint() >= deadline) break;
  }
  const elapsedNs = Number(process.hrtime.bigint() - start);
  return elapsedNs / n;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Measures `ours` and `peer` alternately; returns both, in ns per operation (median of rounds). */
export function compare(ours: () => void, peer: () => void, options: { rounds?: number; budgetMs?: number; maxIterations?: number } = {}): { ours: Measured; peer: Measured; ratio: number } {
  const rounds = options.rounds ?? 5;
  const budgetMs = options.budgetMs ?? 150;
  const max = options.maxIterations ?? 2_000_000;
  timeOnce(ours, 30, max);
  timeOnce(peer, 30, max);
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    a.push(timeOnce(ours, budgetMs, max));
    b.push(timeOnce(peer, budgetMs, max));
  }
  const oursNs = median(a);
  const peerNs = median(b);
  return {
    ours: { nsPerOp: oursNs, opsPerSecond: 1e9 / oursNs },
    peer: { nsPerOp: peerNs, opsPerSecond: 1e9 / peerNs },
    ratio: oursNs / peerNs,
  };
}

export function formatRow(cells: (string | number)[], widths: number[]): string {
  return cells.map((c, i) => String(c).padStart(widths[i]!)).join('  ');
}

/**
 * An asynchronous case (an APDU through an element, a scrypt call): after `warmUp` calls, `rounds`
 * rounds each running `fn` one call after another until `budgetMs` or `maxOps` calls; the median
 * round is kept. Bounded in time and count.
 */
export async function measureAsync(fn: () => Promise<unknown>, options: { rounds?: number; budgetMs?: number; maxOps?: number; warmUp?: number } = {}): Promise<Measured> {
  const rounds = options.rounds ?? 3;
  const budgetNs = BigInt(options.budgetMs ?? 400) * 1_000_000n;
  const maxOps = options.maxOps ?? 100_000;
  for (let i = 0; i < (options.warmUp ?? 3); i++) await fn();
  const perOp: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    let n = 0;
    while (n < maxOps) {
      await fn();
      n++;
      if (process.hrtime.bigint() - start >= budgetNs) break;
    }
    perOp.push(Number(process.hrtime.bigint() - start) / n);
  }
  const nsPerOp = median(perOp);
  return { nsPerOp, opsPerSecond: 1e9 / nsPerOp };
}

/** `measureAsync` of two cases with their rounds interleaved (ours, peer, ours, …), as `compare` does. */
export async function compareAsync(
  ours: () => Promise<unknown>,
  peer: () => Promise<unknown>,
  options: { rounds?: number; budgetMs?: number; maxOps?: number } = {},
): Promise<{ ours: Measured; peer: Measured; ratio: number }> {
  const rounds = options.rounds ?? 3;
  const one = { ...options, rounds: 1, warmUp: 0 };
  for (let i = 0; i < 2; i++) {
    await ours();
    await peer();
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    a.push((await measureAsync(ours, one)).nsPerOp);
    b.push((await measureAsync(peer, one)).nsPerOp);
  }
  const oursNs = median(a);
  const peerNs = median(b);
  return { ours: { nsPerOp: oursNs, opsPerSecond: 1e9 / oursNs }, peer: { nsPerOp: peerNs, opsPerSecond: 1e9 / peerNs }, ratio: oursNs / peerNs };
}
