import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './net.js';
import { openDatabase, type Database, type DatabaseConfig, type Dialect } from '../../src/store/index.js';

/**
 * Throwaway PostgreSQL 15 servers for tests: a fresh cluster in a temp dir, listening on 127.0.0.1 and a
 * Unix socket in that dir only, run as the postgres user (the server refuses root), and `forEachDialect`
 * to run one suite on SQLite and on PostgreSQL.
 */

const BIN = '/usr/lib/postgresql/15/bin';
const run = promisify(execFile);

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:PORT/jpki` (trust authentication, superuser). */
  readonly connectionString: string;
  readonly port: number;
  /** The temp directory holding the cluster, its socket and its log (removed by stop). */
  readonly dataDir: string;
  /** Creates an empty database on this server and returns its connection string. */
  createDatabase(): Promise<string>;
  /** Stops this server (pg_ctl stop -m fast on its own data directory) and removes its directory. */
  stop(): Promise<void>;
}

/** Every server started and not yet stopped, stopped synchronously if the process exits first. */
const running = new Map<string, { base: string; data: string }>();
let exitHookInstalled = false;

function asPostgres(args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return run('runuser', ['-u', 'postgres', '--', ...args], { cwd, timeout: 60_000 });
}

function postgresIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Interrupted runs exit through 'exit' too, so the servers are stopped rather than left behind.
  for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => process.exit(status));
  }
  process.on('exit', () => {
    for (const { base, data } of running.values()) {
      spawnSync('runuser', ['-u', 'postgres', '--', join(BIN, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop'], { cwd: base, stdio: 'ignore' });
      spawnSync('rm', ['-rf', base], { stdio: 'ignore' });
    }
  });
}

export async function startPostgres(): Promise<PostgresServer> {
  const base = await mkdtemp(join(tmpdir(), 'jpki-pg-'));
  const data = join(base, 'data');
  try {
    const { uid, gid } = postgresIds();
    await chown(base, uid, gid);
    await asPostgres([join(BIN, 'initdb'), '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--no-locale', '--no-instructions'], base);
  } catch (err) {
    await rm(base, { recursive: true, force: true });
    throw err;
  }
  installExitHook();
  // The port may be taken between freePort() and the server's bind (another test file does the same):
  // then pg_ctl fails and another port is tried.
  let port = 0;
  let lastError: unknown;
  for (let attempt = 0; attempt < 5 && port === 0; attempt++) {
    const candidate = await freePort();
    const options = `-p ${candidate} -k ${base} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    running.set(base, { base, data });
    try {
      await asPostgres([join(BIN, 'pg_ctl'), '-D', data, '-l', join(base, 'server.log'), '-o', options, '-w', '-t', '60', 'start'], base);
      port = candidate;
    } catch (err) {
      lastError = err;
      running.delete(base);
    }
  }
  if (port === 0) {
    const log = await readFile(join(base, 'server.log'), 'utf8').catch(() => '(no server log)');
    await rm(base, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start; its log ends:\n${log.slice(-2000)}`, { cause: lastError });
  }
  const url = (db: string) => `postgres://postgres@127.0.0.1:${port}/${db}`;
  let databases = 0;
  const admin = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url('postgres') });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  await admin((c) => c.query('CREATE DATABASE jpki'));
  let stopped = false;
  return {
    connectionString: url('jpki'),
    port,
    dataDir: base,
    async createDatabase() {
      const name = `test_${process.pid}_${++databases}`;
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      return url(name);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await asPostgres([join(BIN, 'pg_ctl'), '-D', data, '-m', 'fast', '-w', '-t', '60', 'stop'], base);
      } finally {
        running.delete(base);
        await rm(base, { recursive: true, force: true });
      }
    },
  };
}

export interface DialectContext {
  readonly dialect: Dialect;
  /** The config of a new, empty database: a new SQLite file, or a new database on the shared server. */
  freshConfig(): Promise<DatabaseConfig>;
  /** openDatabase on a fresh database; closed after the test. */
  open(): Promise<Database>;
  /** Closes db after the current test (for databases a test opens itself). */
  track<D extends Database>(db: D): D;
  /** The shared PostgreSQL server (PostgreSQL suites only; the connection is a superuser's). */
  readonly server: PostgresServer | undefined;
}

let sharedServer: Promise<PostgresServer> | undefined;
let postgresSuites = 0;
let postgresSuitesDone = 0;

/**
 * Declares `describe(name (sqlite))` and `describe(name (postgres))`, each running `body` with a
 * context for its dialect. One PostgreSQL server serves every suite of a test file: started by the
 * first suite's `before`, stopped by the last suite's `after`.
 */
export function forEachDialect(name: string, body: (ctx: DialectContext) => void): void {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    if (dialect === 'postgres') postgresSuites++;
    describe(`${name} (${dialect})`, () => {
      let dir = '';
      let files = 0;
      let server: PostgresServer | undefined;
      const open: Database[] = [];
      const ctx: DialectContext = {
        dialect,
        get server() {
          return server;
        },
        async freshConfig() {
          if (dialect === 'sqlite') return { kind: 'sqlite', path: join(dir, `db-${++files}.sqlite`) };
          return { kind: 'postgres', connectionString: await server!.createDatabase(), poolSize: 4 };
        },
        async open() {
          return ctx.track(await openDatabase(await ctx.freshConfig()));
        },
        track(db) {
          open.push(db);
          return db;
        },
      };
      before(async () => {
        if (dialect === 'sqlite') dir = await mkdtemp(join(tmpdir(), 'jpki-sqlite-'));
        else server = await (sharedServer ??= startPostgres());
      });
      afterEach(async () => {
        await Promise.all(open.splice(0).map((db) => db.close().catch(() => undefined)));
      });
      after(async () => {
        if (dialect === 'sqlite') await rm(dir, { recursive: true, force: true });
        else if (++postgresSuitesDone === postgresSuites && sharedServer) {
          const stopping = sharedServer;
          sharedServer = undefined;
          await (await stopping).stop();
        }
      });
      body(ctx);
    });
  }
}
