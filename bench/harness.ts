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
