// `npm run bench`: builds, then runs every benchmark under bench/ in turn (each prints its own figures).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build, ensureNpmDependencies, root, run } from './setup.mjs';

ensureNpmDependencies();
build();
const only = process.argv[2];
for (const file of readdirSync(join(root, 'dist', 'bench')).filter((f) => f.endsWith('.js') && f !== 'harness.js')) {
  if (only && !file.startsWith(only)) continue;
  console.log(`\n== bench/${file.replace(/\.js$/, '.ts')} ==`);
  if (run(process.execPath, [join(root, 'dist', 'bench', file)]) !== 0) process.exit(1);
}
