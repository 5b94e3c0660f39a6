// `npm start`: the main command of the README. Installs and builds what is missing, then runs the system
// (`jpki-mobile start`: the home folder ./.jpki-mobile is created on first use and found again after).
// With arguments it runs the command-line tool instead: `npm start -- ca status --serial …`.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build, ensureNpmDependencies, root, run } from './setup.mjs';

ensureNpmDependencies();
if (!existsSync(join(root, 'dist', 'src', 'cli', 'main.js')) || process.env.JPKI_MOBILE_REBUILD === '1') build();
const args = process.argv.slice(2);
process.exit(run(process.execPath, [join(root, 'dist', 'src', 'cli', 'main.js'), ...(args.length > 0 ? args : ['start'])]));
