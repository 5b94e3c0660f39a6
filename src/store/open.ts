import type { Database, DatabaseConfig } from './database.js';
import { StoreError } from './errors.js';
import { migrate } from './migrations/index.js';
import { PostgresDatabase } from './postgres.js';
import { SqliteDatabase } from './sqlite.js';

export interface OpenOptions {
  /** Run pending migrations before returning (default true). False is for tools and tests that call `migrate` themselves. */
  readonly migrate?: boolean;
}

/** Opens the database the config names, brings its schema up to date, and returns it. */
export async function openDatabase(config: DatabaseConfig, options: OpenOptions = {}): Promise<Database> {
  const db = await connect(config);
  if (options.migrate !== false) {
    try {
      await migrate(db);
    } catch (err) {
      await db.close();
      throw err;
    }
  }
  return db;
}

function connect(config: DatabaseConfig): Promise<Database> {
  const kind = (config as { kind?: unknown } | undefined)?.kind;
  if (kind === 'sqlite') {
    const { path } = config as { path?: unknown };
    if (typeof path !== 'string' || path.length === 0) throw new StoreError('ERR_STORE_CONFIG', 'sqlite: path must be a non-empty string');
    return SqliteDatabase.open(path);
  }
  if (kind === 'postgres') {
    const { connectionString, poolSize } = config as { connectionString?: unknown; poolSize?: unknown };
    if (typeof connectionString !== 'string' || connectionString.length === 0) throw new StoreError('ERR_STORE_CONFIG', 'postgres: connectionString must be a non-empty string');
    if (poolSize !== undefined && (!Number.isSafeInteger(poolSize) || (poolSize as number) < 1)) throw new StoreError('ERR_STORE_CONFIG', 'postgres: poolSize must be a positive integer');
    return PostgresDatabase.open(connectionString, poolSize as number | undefined);
  }
  throw new StoreError('ERR_STORE_CONFIG', `unknown database kind ${JSON.stringify(kind)}: use 'sqlite' or 'postgres'`);
}
