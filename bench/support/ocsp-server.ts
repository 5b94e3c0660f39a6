/**
 * Child process of bench/ocsp.ts: runs the services of a home exactly as `jpki-mobile start` does
 * (`startSystem`), on a free port of 127.0.0.1, prints `listening PORT`, and stops on SIGTERM. It exits
 * by itself if its parent goes away or after 10 minutes, so a crashed benchmark leaves nothing behind.
 *
 *   node dist/bench/support/ocsp-server.js HOME
 */
import { startSystem } from '../../src/cli/runtime/jpki-system.js';

const home = process.argv[2];
if (!home) {
  process.stderr.write('usage: ocsp-server.js HOME\n');
  process.exit(2);
}
const parent = process.ppid;
const system = await startSystem(home, { port: 0, host: '127.0.0.1', log: (line) => process.stderr.write(line + '\n') });
process.stdout.write(`listening ${system.port}\n`);

let stopping = false;
const stop = (code: number) => {
  if (stopping) return;
  stopping = true;
  const force = setTimeout(() => process.exit(code), 3000);
  force.unref();
  void system.stop().finally(() => process.exit(code));
};
process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));
const watchdog = setInterval(() => {
  if (process.ppid !== parent) stop(1);
}, 1000);
watchdog.unref();
setTimeout(() => stop(1), 600_000).unref();
