import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { DatabaseConfig } from '../../store/index.js';
import { HomeError } from './errors.js';
import { secretFromEnv } from './secret-source.js';

export { HomeError, type HomeErrorCode } from './errors.js';

/**
 * The state of one system lives in one home folder: `config.json`, the SQLite database (unless the
 * configuration points at PostgreSQL), and `secrets/` (owner-only files: the CA key passphrase and
 * operator tokens). `--home`, else `JPKI_MOBILE_HOME`, else `./.jpki-mobile`.
 */
export interface HomeConfig {
  readonly version: 1;
  /** SQLite path relative to the home, or a PostgreSQL connection string. */
  readonly database: { kind: 'sqlite'; path: string } | { kind: 'postgres'; connectionString: string };
  readonly http: { host: string; port: number };
  /** Base URL written into certificates (CRL distribution point, OCSP). */
  readonly publicBaseUrl: string;
  readonly jpki: {
    readonly policyMode: 'production' | 'test';
    readonly organization?: string;
    readonly crlValidityHours: number;
    readonly ocspValidityMinutes: number;
  };
  /** The TSMs (optional; absent members take their defaults). */
  readonly tsm?: {
    /** Accept secure elements keyed with the GlobalPlatform test key (default false). */
    readonly developmentElements?: boolean;
    /** A relay session ends this long after its last step (default 10). */
    readonly sessionTtlMinutes?: number;
    /** Time to live of the push message that wakes an old phone for its deletion (default 604800: 7 days). */
    readonly pushTtlSeconds?: number;
  };
}

export function resolveHome(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? env.JPKI_MOBILE_HOME ?? '.jpki-mobile');
}

export function defaultConfig(options: { port?: number; host?: string; databaseUrl?: string; policyMode?: 'production' | 'test' } = {}): HomeConfig {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8420;
  return {
    version: 1,
    database: options.databaseUrl ? { kind: 'postgres', connectionString: options.databaseUrl } : { kind: 'sqlite', path: 'jpki-mobile.db' },
    http: { host, port },
    publicBaseUrl: `http://${host}:${port}`,
    jpki: { policyMode: options.policyMode ?? 'production', crlValidityHours: 24, ocspValidityMinutes: 60 },
  };
}

function writeOwnerOnly(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Creates a home: refuses an existing one (`ERR_HOME_EXISTS`). Writes config and a random CA passphrase. */
export function createHome(home: string, config: HomeConfig): void {
  if (existsSync(join(home, 'config.json'))) throw new HomeError('ERR_HOME_EXISTS', `${home} already holds a system (config.json)`);
  mkdirSync(join(home, 'secrets'), { recursive: true, mode: 0o700 });
  chmodSync(join(home, 'secrets'), 0o700);
  writeFileSync(join(home, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  if (!existsSync(join(home, 'secrets', 'ca-passphrase'))) writeOwnerOnly(join(home, 'secrets', 'ca-passphrase'), randomBytes(32).toString('base64url') + '\n');
}

export function loadConfig(home: string): HomeConfig {
  const path = join(home, 'config.json');
  if (!existsSync(path)) throw new HomeError('ERR_HOME_MISSING', `no system in ${home}: run 'jpki-mobile init' first`);
  let config: HomeConfig;
  try {
    config = JSON.parse(readFileSync(path, 'utf8')) as HomeConfig;
  } catch (err) {
    throw new HomeError('ERR_HOME_CONFIG', `${path} is not valid JSON`, { cause: err });
  }
  if (config.version !== 1 || !config.database || !config.http || !config.jpki) throw new HomeError('ERR_HOME_CONFIG', `${path} is not a version 1 configuration`);
  return config;
}

export function databaseConfig(home: string, config: HomeConfig, env: NodeJS.ProcessEnv = process.env): DatabaseConfig {
  if (env.JPKI_MOBILE_DATABASE_URL) return { kind: 'postgres', connectionString: env.JPKI_MOBILE_DATABASE_URL };
  if (config.database.kind === 'postgres') return config.database;
  return { kind: 'sqlite', path: isAbsolute(config.database.path) ? config.database.path : join(home, config.database.path) };
}

/**
 * A secret from the environment (`$VAR`, or the file `$VAR_FILE` names: secret-source.ts, with its
 * checks) or from a file in `secrets/` (never from a command-line flag, so it stays out of process
 * listings and shell history). `multiline`: the secret is a whole file (a PEM key), not one line.
 */
export function readSecret(home: string, name: string, envVar: string, env: NodeJS.ProcessEnv = process.env, options: { multiline?: boolean } = {}): string {
  const fromEnv = secretFromEnv(envVar, { env, multiline: options.multiline === true });
  if (fromEnv !== undefined) return fromEnv;
  const path = join(home, 'secrets', name);
  if (!existsSync(path)) throw new HomeError('ERR_HOME_SECRET', `secret '${name}' not found: set ${envVar} or ${envVar}_FILE, or create ${path}`);
  return readFileSync(path, 'utf8').trim();
}

export function writeSecret(home: string, name: string, value: string): string {
  const path = join(home, 'secrets', name);
  // A name may have folders of its own (operators/ID.token), owner-only like secrets/ itself.
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeOwnerOnly(path, value + '\n');
  return path;
}
