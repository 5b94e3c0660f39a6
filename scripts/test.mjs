// `npm test`: the one test command (README quick start, .ci/run). Installs what the tests need, then
// type-checks and builds, lints, and runs every test with Node's test runner.
// Extra arguments are passed to `node --test` (e.g. `npm test -- --test-name-pattern=SCP03`).
import { join } from 'node:path';
import { build, ensureDebianPackages, ensureNpmDependencies, root, run } from './setup.mjs';

// Debian packages first: npm ci builds the PC/SC binding against libpcsclite-dev.
ensureDebianPackages();
ensureNpmDependencies();

console.log('test: type check and build (tsc)');
build();

console.log('test: lint (eslint)');
if (run(process.execPath, [join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), '.']) !== 0) process.exit(1);

console.log('test: node --test');
const status = run(process.execPath, [
  '--test',
  '--test-concurrency=2',
  ...process.argv.slice(2),
  join('dist', 'test'),
]);
process.exit(status);
