import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type DatabaseConfig } from '../../../../src/store/index.js';
import { serveJpki, type JpkiHarness } from '../../../helpers/jpki.js';

/**
 * Stops a harness (server, service, database connection; the database itself stays) and starts the
 * service again on the same database, as after a restart: same passphrase and operator tokens, a new
 * port. `startJpki` cannot do this, as it initialises the database and creates the operators.
 */
export async function restartJpki(previous: JpkiHarness, database: DatabaseConfig): Promise<JpkiHarness> {
  const { passphrase, tokens } = previous;
  await previous.stop();
  const dir = mkdtempSync(join(tmpdir(), 'jpki-restart-'));
  return serveJpki({ db: await openDatabase(database), passphrase, tokens, dir });
}
