import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { close, createHttpServer, listen } from '../../../../src/services/http/index.js';
import { jpkiRoutes, jpkiStatusOf } from '../../../../src/services/jpki/http.js';
import { JpkiService } from '../../../../src/services/jpki/service.js';
import { openDatabase, type DatabaseConfig } from '../../../../src/store/index.js';
import { freePort, pem, type ApiResponse, type JpkiHarness } from '../../../helpers/jpki.js';

/**
 * Stops a harness (server, service, database connection; the database itself stays) and starts the
 * service again on the same database, as after a restart: same passphrase and operator tokens, a new
 * port. `startJpki` cannot do this, as it initialises the database and creates the operators.
 */
export async function restartJpki(previous: JpkiHarness, database: DatabaseConfig): Promise<JpkiHarness> {
  const { passphrase, tokens } = previous;
  await previous.stop();
  const dir = mkdtempSync(join(tmpdir(), 'jpki-restart-'));
  const db = await openDatabase(database);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const service = await JpkiService.open({ db, passphrase, baseUrl: url, pollMs: 100 });
  const server = createHttpServer({ routes: jpkiRoutes(service), statusOf: jpkiStatusOf });
  await listen(server, port);
  return {
    url,
    port,
    db,
    service,
    passphrase,
    tokens,
    dir,
    exportCa() {
      const files = { sign: '', auth: '', signResponder: '', authResponder: '' };
      for (const g of service.ctx.authority.all()) {
        const ca = join(dir, `${g.hierarchy}-${g.generation}.pem`);
        const responder = join(dir, `${g.hierarchy}-${g.generation}-ocsp.pem`);
        writeFileSync(ca, pem('CERTIFICATE', g.certificate));
        writeFileSync(responder, pem('CERTIFICATE', g.responderCertificate));
        if (g.state === 'active') {
          if (g.hierarchy === 'sign') Object.assign(files, { sign: ca, signResponder: responder });
          else Object.assign(files, { auth: ca, authResponder: responder });
        }
      }
      return files;
    },
    async api(method, path, body, token, headers = {}): Promise<ApiResponse> {
      const res = await fetch(url + path, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const bytes = new Uint8Array(await res.arrayBuffer());
      const contentType = res.headers.get('content-type') ?? '';
      return { status: res.status, contentType, bytes, json: contentType.includes('json') ? JSON.parse(Buffer.from(bytes).toString('utf8')) : undefined };
    },
    async stop() {
      await close(server);
      service.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
