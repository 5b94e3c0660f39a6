// Set-up shared by `npm start` and `npm test`: brings a fresh clone to a runnable state without any
// step done by hand. Plain Node (no dependencies), because it runs before `npm ci` has.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function mustRun(cmd, args, options) {
  const status = run(cmd, args, options);
  if (status !== 0) {
    console.error(`setup: '${cmd} ${args.join(' ')}' failed with exit code ${status}`);
    process.exit(status);
  }
}

/** Runs `npm ci` when node_modules is missing or older than package-lock.json. */
export function ensureNpmDependencies() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  // A checkout whose node_modules is a link to another checkout's (a git worktree) leaves installing to that one:
  // npm ci here would empty the other checkout's packages.
  if (lstatSync(join(root, 'node_modules'), { throwIfNoEntry: false })?.isSymbolicLink()) return;
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log('setup: installing npm packages (npm ci)');
  mustRun('npm', ['ci', '--no-audit', '--no-fund']);
}

/** The Debian packages the tests and the system need, one per line in scripts/debian-packages.txt. */
export function debianPackages() {
  return readFileSync(join(root, 'scripts', 'debian-packages.txt'), 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean);
}

function isInstalled(pkg) {
  try {
    const status = execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], { stdio: ['ignore', 'pipe', 'ignore'] });
    return status.toString().includes('install ok installed');
  } catch {
    return false;
  }
}

/** Installs missing Debian packages with apt-get (these machines run as root). */
export function ensureDebianPackages() {
  const missing = debianPackages().filter((p) => !isInstalled(p));
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    console.error(`setup: missing Debian packages: ${missing.join(' ')}; install them as root with apt-get`);
    process.exit(1);
  }
  console.log(`setup: installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  mustRun('apt-get', ['update', '-q'], { env });
  mustRun('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env });
}

/** Compiles src, test and bench into dist/ from scratch (so a deleted test never runs from a stale build). */
export function build() {
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  mustRun(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
}
