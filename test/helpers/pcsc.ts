import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromRoot } from './paths.js';

/*
 * pcscd with vsmartcard's vpcd in private namespaces, for tests that use real PC/SC software
 * (shared/docs/protocols/vpcd.md). Only one pcscd may run per machine: it owns /run/pcscd/pcscd.comm,
 * and vpcd listens on 0.0.0.0:35963-35964 without authentication. So each session is
 *
 *   unshare --mount --net --fork --kill-child sh -c '
 *     ip link set lo up                        # a network namespace with loopback only
 *     ip route change ... quickack 1           # no delayed ACKs on loopback (see SUPERVISOR)
 *     mount -n -t tmpfs tmpfs /run             # a private /run: the host's /run/pcscd is never touched
 *     mkdir /run/pcscd; exec pcscd --foreground'
 *
 * and everything that must reach that pcscd (the card bridge, OpenSC tools, a Node PC/SC client) is
 * started inside the same namespaces with `nsenter --target <pcscd pid> --mount --net`. Several
 * sessions can run at once (test files run in parallel): each has its own loopback and its own /run.
 * Every process is started by the session and stopped by its PID in `stop()`; should the test process
 * die first, `setpriv --pdeathsig SIGKILL` has the kernel kill them all the same.
 */

export const PKCS11_MODULE = '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so';
export const VPCD_ADDRESS = '127.0.0.1:35963';
/** Slot 0 of vpcd as pcscd names it. */
export const VPCD_READER = 'Virtual PCD 00 00';
/** vpcd's slot 1: its address and its reader's name. */
export const VPCD_ADDRESS_1 = '127.0.0.1:35964';
export const VPCD_READER_1 = 'Virtual PCD 00 01';
const CLI = fromRoot('dist', 'src', 'cli', 'main.js');

// Debian's vpcd (vsmartcard 3.3) sends a frame's 2-byte length and its payload in two send() calls
// without TCP_NODELAY: Nagle holds the payload until the card's side ACKs the length, and a delayed
// ACK takes 40 ms, for every command. \`quickack\` on the namespace's loopback routes makes the card's
// side ACK at once (OpenSC's 30-odd probe commands: 1.5 s → 50 ms). It changes nothing but timing.
const SUPERVISOR = `set -e
ip link set lo up
ip route change local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1 table local quickack 1
ip route change local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1 table local quickack 1
mount -n -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/pcscd
echo "pcscd-pid $$"
exec pcscd --foreground "$@"`;

export interface RunResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A background process inside the session's namespaces. */
export interface NsProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves on the first stdout line matching `re` (rejects on exit or after `ms`). */
  waitForLine(re: RegExp, ms?: number): Promise<string>;
  /** Sends `signal` and waits for the exit (SIGKILL after `ms`). */
  stop(signal?: NodeJS.Signals, ms?: number): Promise<RunResult>;
  readonly exited: Promise<RunResult>;
}

export interface PcscSession {
  /** PID of pcscd, whose namespaces everything joins. */
  readonly pid: number;
  /** A temporary directory (removed by `stop`). */
  readonly dir: string;
  /** pcscd's own output so far (for failure messages). */
  log(): string;
  /** Runs a command inside the namespaces to completion. */
  run(cmd: string, args: readonly string[], options?: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<RunResult>;
  /** Starts a command inside the namespaces in the background. */
  spawn(cmd: string, args: readonly string[], options?: { env?: NodeJS.ProcessEnv }): NsProcess;
  /**
   * `jpki-mobile card attach FILE --vpcd 127.0.0.1:35963` inside the namespaces; resolves once the
   * bridge is connected and pcscd reports the card present in 'Virtual PCD 00 00'.
   */
  attach(cardFile: string): Promise<NsProcess>;
  /**
   * `jpki-mobile se attach FILE --vpcd 127.0.0.1:35963 --interface contact|nfc`: a secure element file
   * (`se create`) serving one of its interfaces; resolves once pcscd reports it in 'Virtual PCD 00 00'.
   */
  attachElement(elementFile: string, iface: 'contact' | 'nfc'): Promise<NsProcess>;
  /**
   * `jpki-mobile phone nfc --phone DIR --vpcd 127.0.0.1:3596x`: a phone folder held to the reader of
   * vpcd slot `slot` (0 or 1) through its NFC card emulation; resolves once pcscd reports a card there.
   */
  attachPhone(phoneDir: string, slot?: 0 | 1): Promise<NsProcess>;
  /** Waits until pcscd sees a card (or no card, with `present: false`) in slot `reader` (default 0). */
  waitForCard(present?: boolean, ms?: number, reader?: 0 | 1): Promise<void>;
  /** Stops every process the session started, pcscd last, by PID; removes `dir`. */
  stop(): Promise<void>;
}

/** Why a session cannot start here, or undefined when it can (root, unshare, nsenter, pcscd, vpcd). */
export function pcscUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root for unshare --mount --net';
  for (const tool of ['unshare', 'nsenter', 'ip', 'pcscd', 'opensc-tool']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed (scripts/debian-packages.txt)`;
  }
  if (!existsSync('/usr/lib/pcsc/drivers/serial/libifdvpcd.so')) return 'vsmartcard-vpcd is not installed';
  return undefined;
}

function collect(child: ChildProcess): NsProcess {
  let out = '';
  let err = '';
  const lineWaiters: Array<{ re: RegExp; resolve: (line: string) => void }> = [];
  let scanned = 0;
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    const lines = out.slice(scanned).split('\n');
    const complete = lines.slice(0, -1);
    scanned += complete.reduce((n, l) => n + l.length + 1, 0);
    for (const line of complete) {
      for (const w of [...lineWaiters]) {
        if (w.re.test(line)) {
          lineWaiters.splice(lineWaiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<RunResult>((resolve) => {
    child.once('close', (status, signal) => resolve({ status, signal, stdout: out, stderr: err }));
    child.once('error', (e) => resolve({ status: null, signal: null, stdout: out, stderr: err + String(e) }));
  });
  const proc: NsProcess = {
    pid: child.pid!,
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLine(re, ms = 10_000) {
      const already = out.split('\n').find((l) => re.test(l));
      if (already !== undefined) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line matching ${re} within ${ms} ms; stdout: ${out}\nstderr: ${err}`)), ms);
        const w = {
          re,
          resolve: (line: string) => {
            clearTimeout(timer);
            resolve(line);
          },
        };
        lineWaiters.push(w);
        void exited.then((r) => {
          if (!lineWaiters.includes(w)) return;
          clearTimeout(timer);
          reject(new Error(`exited (${r.status ?? r.signal}) before a line matching ${re}; stdout: ${r.stdout}\nstderr: ${r.stderr}`));
        });
      });
    },
    async stop(signal = 'SIGTERM', ms = 5000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), ms);
        const r = await exited;
        clearTimeout(timer);
        return r;
      }
      return exited;
    },
  };
  return proc;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts pcscd (with vpcd) in new mount and network namespaces. */
export async function startPcscSession(options: { debug?: boolean } = {}): Promise<PcscSession> {
  const reason = pcscUnavailable();
  if (reason) throw new Error(`cannot start pcscd in namespaces: ${reason}`);
  const dir = mkdtempSync(join(tmpdir(), 'jpki-pcsc-'));
  // --apdu would log VERIFY data (PINs): only on request, for debugging.
  const pcscdArgs = options.debug ? ['--debug', '--apdu'] : [];
  // setpriv --pdeathsig: if the test process dies without stop(), the kernel kills unshare, and
  // unshare's --kill-child kills pcscd; every nsenter'd process gets the same treatment below.
  const supervisor = collect(
    spawn('setpriv', ['--pdeathsig', 'SIGKILL', '--', 'unshare', '--mount', '--net', '--fork', '--kill-child', '--propagation', 'private', 'sh', '-c', SUPERVISOR, 'sh', ...pcscdArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const started: NsProcess[] = [];
  let pid: number;
  try {
    pid = Number((await supervisor.waitForLine(/^pcscd-pid \d+$/, 5000)).split(' ')[1]);
    const socket = `/proc/${pid}/root/run/pcscd/pcscd.comm`;
    for (let i = 0; !existsSync(socket); i++) {
      if (i > 100) throw new Error(`pcscd did not create its socket; log: ${supervisor.stdout()}${supervisor.stderr()}`);
      await sleep(50);
    }
  } catch (err) {
    await supervisor.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  // nsenter and setpriv exec in place (no PID namespace is entered), so the PID Node sees is the command's.
  const ns = (cmd: string, args: readonly string[]) => ['--target', String(pid), '--mount', '--net', '--', 'setpriv', '--pdeathsig', 'SIGKILL', '--', cmd, ...args];

  const session: PcscSession = {
    pid,
    dir,
    log: () => supervisor.stdout() + supervisor.stderr(),
    async run(cmd, args, opts = {}) {
      const p = collect(spawn('nsenter', ns(cmd, args), { stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } }));
      started.push(p);
      if (opts.input !== undefined) {
        p.child.stdin!.on('error', () => undefined); // EPIPE when the command exits without reading
        p.child.stdin!.end(opts.input);
      }
      const timer = setTimeout(() => p.child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
      const r = await p.exited;
      clearTimeout(timer);
      return r;
    },
    spawn(cmd, args, opts = {}) {
      const p = collect(spawn('nsenter', ns(cmd, args), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } }));
      started.push(p);
      return p;
    },
    async waitForCard(present = true, ms = 10_000, reader = 0) {
      const deadline = Date.now() + ms;
      for (;;) {
        // opensc-tool --atr fails while no card is in the reader.
        const r = await session.run('opensc-tool', ['--reader', String(reader), '--atr'], { timeoutMs: 5000 });
        if ((r.status === 0) === present) return;
        if (Date.now() > deadline) throw new Error(`card ${present ? 'not seen' : 'still seen'} in ${reader === 0 ? VPCD_READER : VPCD_READER_1}: ${r.stdout}${r.stderr}`);
        await sleep(100);
      }
    },
    async attach(cardFile) {
      const p = session.spawn(process.execPath, [CLI, 'card', 'attach', cardFile, '--vpcd', VPCD_ADDRESS]);
      await p.waitForLine(/^attached/);
      await session.waitForCard(true);
      return p;
    },
    async attachElement(elementFile, iface) {
      const p = session.spawn(process.execPath, [CLI, 'se', 'attach', elementFile, '--vpcd', VPCD_ADDRESS, '--interface', iface]);
      await p.waitForLine(/^attached/);
      await session.waitForCard(true);
      return p;
    },
    async attachPhone(phoneDir, slot = 0) {
      const p = session.spawn(process.execPath, [CLI, 'phone', 'nfc', '--phone', phoneDir, '--vpcd', slot === 0 ? VPCD_ADDRESS : VPCD_ADDRESS_1]);
      await p.waitForLine(/^attached/);
      await session.waitForCard(true, 10_000, slot);
      return p;
    },
    async stop() {
      for (const p of started.reverse()) await p.stop('SIGTERM', 3000);
      try {
        process.kill(pid, 'SIGTERM'); // pcscd; unshare then exits with it
      } catch {
        // already gone
      }
      const timer = setTimeout(() => supervisor.child.kill('SIGKILL'), 3000);
      await supervisor.exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return session;
}
