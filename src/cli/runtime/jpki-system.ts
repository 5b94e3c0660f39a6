import type { Server } from 'node:http';
import { close, listen } from '../../services/http/index.js';
import { databaseConfig, loadConfig, readSecret, type HomeConfig } from '../../services/home/index.js';
import { createJpkiServer } from '../../services/jpki/http-server.js';
import { Authority } from '../../services/jpki/authority.js';
import { JpkiService } from '../../services/jpki/service.js';
import { openDatabase, type Database } from '../../store/index.js';

export const PASSPHRASE_ENV = 'JPKI_CA_PASSPHRASE';

/** Opens the database of a home and the certification service over it. */
export async function openJpki(home: string, options: { onError?: (err: unknown) => void } = {}): Promise<{ config: HomeConfig; db: Database; service: JpkiService }> {
  const config = loadConfig(home);
  const db = await openDatabase(databaseConfig(home, config));
  try {
    const passphrase = readSecret(home, 'ca-passphrase', PASSPHRASE_ENV);
    // Delegated OCSP responder certificates are short-lived: renew those close to expiry at start.
    await Authority.renewResponders(db, new Date(), { passphrase });
    const service = await JpkiService.open({
      db,
      passphrase,
      baseUrl: config.publicBaseUrl,
      mode: config.jpki.policyMode,
      crlValidityMs: config.jpki.crlValidityHours * 3_600_000,
      ocspValidityMs: config.jpki.ocspValidityMinutes * 60_000,
      ...(options.onError ? { onError: options.onError } : {}),
    });
    return { config, db, service };
  } catch (err) {
    await db.close();
    throw err;
  }
}

export interface RunningSystem {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts the HTTP services of a home on its configured (or the given) port. */
export async function startSystem(home: string, options: { port?: number; host?: string; log?: (line: string) => void } = {}): Promise<RunningSystem> {
  const log = options.log ?? (() => undefined);
  const onError = (err: unknown) => log(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  const { config, db, service } = await openJpki(home, { onError });
  let server: Server | undefined;
  try {
    server = createJpkiServer(service, { onError: (err, req) => onError(Object.assign(new Error(`${req.method} ${req.path}`), { cause: err })) });
    const port = await listen(server, options.port ?? config.http.port, options.host ?? config.http.host);
    const url = `http://${options.host ?? config.http.host}:${port}`;
    return {
      port,
      url,
      async stop() {
        await close(server!);
        service.close();
        await db.close();
      },
    };
  } catch (err) {
    service.close();
    await db.close();
    throw err;
  }
}
