import { CallCentre, callCentreRoutes, callCentreStatusOf } from '../../services/callcenter/index.js';
import type { Server } from 'node:http';
import { close, listen } from '../../services/http/index.js';
import { databaseConfig, loadConfig, readSecret, type HomeConfig } from '../../services/home/index.js';
import { createJpkiServer } from '../../services/jpki/http-server.js';
import { Authority } from '../../services/jpki/authority.js';
import { JpkiService } from '../../services/jpki/service.js';
import { PushService, pushRoutes, pushStatusOf } from '../../services/push/index.js';
import { relyingPartiesStatusOf, relyingPartyRoutes } from '../../relying-parties/index.js';
import { openDatabase, type Database } from '../../store/index.js';
import { tsmRoutes, tsmStatusOf, type DispatchResult } from '../../services/tsm/index.js';
import { openRelyingParties, type RelyingParties } from './relying-parties.js';
import { ensureTsmSecrets, openTsm } from './tsm-system.js';
import { CardShelf, CounterReaders, PhoneShelf, webRoutes, webStatusOf } from '../../web/index.js';

export const PASSPHRASE_ENV = 'JPKI_CA_PASSPHRASE';

/** Opens the database of a home and the certification service over it. */
export async function openJpki(home: string, options: { onError?: (err: unknown) => void; baseUrl?: () => string } = {}): Promise<{ config: HomeConfig; db: Database; service: JpkiService }> {
  const config = loadConfig(home);
  const db = await openDatabase(databaseConfig(home, config));
  try {
    const passphrase = readSecret(home, 'ca-passphrase', PASSPHRASE_ENV);
    // Delegated OCSP responder certificates are short-lived: renew those close to expiry at start.
    await Authority.renewResponders(db, new Date(), { passphrase });
    const service = await JpkiService.open({
      db,
      passphrase,
      baseUrl: options.baseUrl ?? config.publicBaseUrl,
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
  /** One pass of the SP-TSM's order desk (the outbox consumed, push messages sent and followed). */
  dispatchOrders(): Promise<DispatchResult>;
  stop(): Promise<void>;
}

/** True when the public base URL is the default one, derived from the configured listening address. */
function followsListener(config: HomeConfig): boolean {
  return config.publicBaseUrl.replace(/\/+$/, '') === `http://${config.http.host}:${config.http.port}`;
}

/**
 * Starts the HTTP services of a home on its configured (or the given) port: the certification service,
 * the push service under /push/v1, the TSMs under /tsm/v1, and the relying parties under /portal/v1,
 * /bank/v1 and /kiosk/v1, and the web interface under / (docs/web.md).
 */
export async function startSystem(
  home: string,
  options: {
    port?: number;
    host?: string;
    log?: (line: string) => void;
    /** How often the order desk runs (default 2000 ms); 0: never by itself, the caller runs `dispatchOrders()`. */
    ordersIntervalMs?: number;
  } = {},
): Promise<RunningSystem> {
  const log = options.log ?? (() => undefined);
  const onError = (err: unknown) => log(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  let url = '';
  // Certificates name the OCSP and CRL addresses of the running service: the configured public address,
  // or, when that is just the configured listening address and this start listens elsewhere (--port),
  // the address it really listens on.
  const { config, db, service } = await openJpki(home, { onError, baseUrl: () => (followsListener(config) && url !== '' ? url : config.publicBaseUrl) });
  let push: PushService | undefined;
  let server: Server | undefined;
  let parties: RelyingParties | undefined;
  const phones = new PhoneShelf(home, { baseUrl: () => url, onError: () => undefined });
  const cards = new CardShelf(home);
  // The kiosk's counter readers: the shelves' cards and phones held to the kiosk (docs/web.md).
  const counter = new CounterReaders({ cards, phones });
  try {
    push = await PushService.open({ db, onError });
    for (const made of await ensureTsmSecrets(home, db)) log(`created ${made}`);
    const relay = openTsm(home, config, db, () => url);
    parties = await openRelyingParties(home, config, db, () => url, { kioskReaders: [counter] });
    // The certification service's edge (OCSP on the lean path, docs/services/jpki.md) with every other
    // service's routes behind it on the same port.
    server = createJpkiServer(service, {
      routes: [...pushRoutes(push), ...tsmRoutes(relay, db), ...callCentreRoutes(new CallCentre(service)), ...relyingPartyRoutes(parties, { portal: { secureCookie: config.publicBaseUrl.startsWith('https:') } }),
        // Last: the web interface's pages and its /web/v1 endpoints (docs/web.md).
        ...webRoutes({ service, shelf: cards, phones, counter }),
      ],
      statusOf: (code) => pushStatusOf(code) ?? tsmStatusOf(code) ?? callCentreStatusOf(code) ?? relyingPartiesStatusOf(code) ?? webStatusOf(code),
      onError: (err, req) => onError(Object.assign(new Error(`${req.method} ${req.path}`), { cause: err })),
    });
    const port = await listen(server, options.port ?? config.http.port, options.host ?? config.http.host);
    url = `http://${options.host ?? config.http.host}:${port}`;
    // Deletion orders: the outbox consumed, push messages sent and followed (docs/services/tsm-orders.md).
    const every = options.ordersIntervalMs ?? 2_000;
    const orders = every > 0 ? setInterval(() => void relay.sp.desk.dispatch().catch(onError), every) : undefined;
    orders?.unref();
    // The shelved phones' push components poll (docs/web.md "The phone shelf").
    phones.start();
    return {
      port,
      url,
      dispatchOrders: () => relay.sp.desk.dispatch(),
      async stop() {
        if (orders) clearInterval(orders);
        // Held cards and phones go back to their shelves first: the phone shelf waits for its queues.
        parties!.kiosk.close();
        counter.close();
        await phones.close();
        // Waiting long-polls are answered first: the server's close waits for open requests.
        await push!.close();
        await close(server!);
        service.close();
        await db.close();
      },
    };
  } catch (err) {
    parties?.kiosk.close();
    counter.close();
    await phones.close();
    await push?.close();
    service.close();
    await db.close();
    throw err;
  }
}
