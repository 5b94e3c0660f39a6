import type { Server } from 'node:http';
import { close, createHttpServer, listen } from '../../../../src/services/http/index.js';
import { PushDeviceClient, PushSender, PushService, pushRoutes, pushStatusOf, type PushLimits } from '../../../../src/services/push/index.js';
import { openDatabase, type Database, type DatabaseConfig } from '../../../../src/store/index.js';

/** A clock the test moves: time to live and timestamps follow it; long-poll waits run on real timers. */
export class TestClock {
  #now: number;

  constructor(start = Date.parse('2026-04-01T00:00:00.000Z')) {
    this.#now = start;
  }

  readonly now = (): Date => new Date(this.#now);

  advance(ms: number): void {
    this.#now += ms;
  }
}

export interface PushHarness {
  readonly url: string;
  readonly db: Database;
  readonly service: PushService;
  readonly clock: TestClock;
  /** Two senders (two TSMs), with their tokens. */
  readonly senders: { readonly a: string; readonly b: string };
  readonly sender: PushSender;
  readonly otherSender: PushSender;
  /** Enrols a device through the HTTP API. */
  device(): Promise<PushDeviceClient>;
  api(method: string, path: string, body?: unknown, bearer?: string): Promise<{ status: number; headers: Headers; json: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  stop(): Promise<void>;
}

export interface PushHarnessOptions {
  readonly database: DatabaseConfig;
  readonly limits?: Partial<PushLimits>;
  readonly feedIntervalMs?: number;
  /** The sweep's schedule (default: none; tests call `service.sweep()`). */
  readonly sweepIntervalMs?: number;
  readonly clock?: TestClock;
  /** Serve an existing database (another process of the same system) instead of opening one. */
  readonly db?: Database;
  readonly senders?: { readonly a: string; readonly b: string };
}

/** The push service over a real database and a real HTTP server on 127.0.0.1, with two senders. */
export async function startPush(options: PushHarnessOptions): Promise<PushHarness> {
  const db = options.db ?? (await openDatabase(options.database));
  const clock = options.clock ?? new TestClock();
  const service = await PushService.open({ db, clock: clock.now, limits: options.limits ?? {}, feedIntervalMs: options.feedIntervalMs ?? 100, sweepIntervalMs: options.sweepIntervalMs ?? 0 });
  const senders = options.senders ?? { a: await service.createSender('sp-tsm'), b: await service.createSender('sei-tsm') };
  const server: Server = createHttpServer({ routes: pushRoutes(service), statusOf: pushStatusOf });
  const port = await listen(server);
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    db,
    service,
    clock,
    senders,
    sender: new PushSender({ baseUrl: url, token: senders.a }),
    otherSender: new PushSender({ baseUrl: url, token: senders.b }),
    device: () => PushDeviceClient.enrol({ baseUrl: url }),
    async api(method, path, body, bearer) {
      const res = await fetch(url + path, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, json: text.length > 0 && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : undefined };
    },
    async stop() {
      await service.close();
      await close(server);
      if (!options.db) await db.close();
    },
  };
}
