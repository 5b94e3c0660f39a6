// `npm start`: the main command of the README. Installs and builds what is missing, then runs the
// command-line tool (with no arguments it prints the overview of the system).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build, ensureNpmDependencies, root, run } from './setup.mjs';

ensureNpmDependencies();
if (!existsSync(join(root, 'dist', 'src', 'cli', 'main.js')) || process.env.JPKI_MOBILE_REBUILD === '1') build();
process.exit(run(process.execPath, [join(root, 'dist', 'src', 'cli', 'main.js'), ...process.argv.slice(2)]));
