import { spawn } from 'node:child_process';

/** One run of a tearing fixture: its stdout lines, and the signal that ended it (SIGKILL when it tore itself). */
export interface TornRun {
  readonly lines: string[];
  readonly signal: NodeJS.Signals | null;
}

/**
 * Runs a Node fixture of a tearing test (a card or an element that kills itself with SIGKILL at the save
 * named in its environment, test/devices/{id-card,secure-element}/fixtures). Resolves with the lines it
 * printed and the signal; rejects when it exits with a non-zero code of its own, or after `timeoutMs`
 * (then it is killed, and the run is not taken for a tear).
 */
export function runTearingFixture(fixture: string, args: readonly string[], env: Record<string, string>, timeoutMs = 60_000): Promise<TornRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) reject(new Error(`${fixture} ${args.join(' ')}: no exit within ${timeoutMs} ms; stderr: ${err}`));
      else if (signal === null && code !== 0) reject(new Error(`${fixture} failed (${code}): ${err}`));
      else resolve({ lines: out.split('\n').filter((l) => l !== ''), signal });
    });
  });
}
