// A fresh element in a PC/SC reader, for the namespace tests (pcsc.test.ts, pcsc-levels.test.ts): a
// test pcscd with vpcd in private namespaces (test/helpers/pcsc.ts), an element file made by
// `jpki-mobile se create --profile dev` in the session's folder, and `jpki-mobile se attach` serving
// its contact interface in 'Virtual PCD 00 00'.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fromRoot } from '../../../helpers/paths.js';
import { startPcscSession, type NsProcess, type PcscSession } from '../../../helpers/pcsc.js';

const CLI = fromRoot('dist', 'src', 'cli', 'main.js');

/** Why the namespace tests skip here: `unshare --mount --net` needs root. */
export const PCSC_NEEDS_ROOT: string | false = process.getuid?.() === 0 ? false : 'needs root for unshare --mount --net';

export interface ElementInReader {
  readonly session: PcscSession;
  /** The element's file (`se.json` in the session's folder). */
  readonly file: string;
  /** The running `se attach`. */
  readonly attached: NsProcess;
}

/** Starts the session, creates the element and attaches its contact interface; the caller stops `session`. */
export async function startElementInReader(): Promise<ElementInReader> {
  const session = await startPcscSession();
  try {
    const file = join(session.dir, 'se.json');
    const created = await session.run(process.execPath, [CLI, 'se', 'create', '--profile', 'dev', '--out', file]);
    assert.equal(created.status, 0, created.stderr);
    const attached = await session.attachElement(file, 'contact');
    return { session, file, attached };
  } catch (err) {
    await session.stop();
    throw err;
  }
}
