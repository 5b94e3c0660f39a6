import pg from 'pg';
import type { Database, SqlValue } from './database.js';
import { StoreError } from './errors.js';
import { mapPostgresError } from './postgres-errors.js';
import { withRetry } from './retry.js';
import type { ScriptQueryable } from './script.js';
import { checkParamCount, parseSql } from './sql-text.js';
import { assertOutsideTransaction, markWriteHandle, runInTransactionScope, TransactionState } from './transaction-scope.js';
import { bindValue, bytesOut, integerOut } from './values.js';

/** The advisory lock every write transaction takes: the ASCII bytes of "JPKISTOR" as an int8. */
export const WRITE_LOCK_KEY = 5354862735246249810n;
const DEFAULT_POOL_SIZE = 10;

const OID_BOOL = 16;
const OID_BYTEA = 17;
const OID_INT8 = 20;

/**
 * Result parsing for this pool only (the pg defaults are global and other code may rely on them):
 * int8 becomes a number when exact, else a bigint; bytea a plain Uint8Array; bool 1 or 0, as on SQLite.
 */
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format === undefined || format === 'text') {
      if (oid === OID_INT8) return (text: string) => integerOut(BigInt(text));
      if (oid === OID_BYTEA) {
        const parse = pg.types.getTypeParser(OID_BYTEA, 'text');
        return (text: string) => bytesOut(parse(text));
      }
      if (oid === OID_BOOL) return (text: string) => (text === 't' ? 1 : 0);
    }
    return pg.types.getTypeParser(oid, format as 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

type ExtendedQuery = pg.QueryConfig & { queryMode: 'extended' };

function statement(sql: string, params: readonly SqlValue[]): ExtendedQuery {
  checkParamCount(parseSql(sql), params);
  // The extended protocol always: one statement per call, as on SQLite.
  return { text: sql, values: params.map((v, i) => bindValue(v, i + 1)), queryMode: 'extended' };
}

/**
 * PostgreSQL through a node-postgres pool. A write transaction checks out one client, runs BEGIN (READ
 * COMMITTED, so each statement sees what committed before the lock was granted) and
 * `pg_advisory_xact_lock(WRITE_LOCK_KEY)`, which serialises the write transactions of every process.
 */
export class PostgresDatabase implements Database {
  readonly dialect = 'postgres' as const;
  private closed = false;

  private constructor(private readonly pool: pg.Pool) {}

  static async open(connectionString: string, poolSize = DEFAULT_POOL_SIZE): Promise<PostgresDatabase> {
    const pool = new pg.Pool({ connectionString, max: poolSize, types: TYPES });
    // An idle client losing its connection emits 'error' on the pool; unhandled, it would end the
    // process. The next checkout reconnects, and a query on a dead client fails with its own error.
    pool.on('error', () => undefined);
    try {
      await pool.query('SELECT 1');
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw mapPostgresError(err);
    }
    return new PostgresDatabase(pool);
  }

  async query<T = Record<string, unknown>>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    this.assertUsable();
    try {
      return (await this.pool.query(statement(sql, params))).rows as T[];
    } catch (err) {
      throw mapPostgresError(err);
    }
  }

  /** One statement in its own write transaction (so it takes the write lock like every write). */
  async execute(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    return this.transaction((tx) => tx.execute(sql, params));
  }

  async transaction<T>(fn: (tx: ScriptQueryable) => Promise<T>): Promise<T> {
    this.assertUsable();
    return withRetry(() => this.attempt(fn));
  }

  async close(): Promise<void> {
    assertOutsideTransaction(this);
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private async attempt<T>(fn: (tx: ScriptQueryable) => Promise<T>): Promise<T> {
    this.assertUsable();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw mapPostgresError(err);
    }
    const state = new TransactionState();
    const send = (q: pg.QueryConfig | string) =>
      client.query(q).catch((err: unknown) => {
        throw mapPostgresError(err);
      });
    let broken = false;
    try {
      await send('BEGIN ISOLATION LEVEL READ COMMITTED');
      await send(`SELECT pg_advisory_xact_lock(${WRITE_LOCK_KEY})`);
      const run = async (q: pg.QueryConfig | string) => {
        state.assertOpen();
        return send(q);
      };
      const tx: ScriptQueryable = {
        query: async <R>(sql: string, params: readonly SqlValue[] = []) => (await run(statement(sql, params))).rows as R[],
        execute: async (sql: string, params: readonly SqlValue[] = []) => ({ changes: (await run(statement(sql, params))).rowCount ?? 0 }),
        // The simple protocol: several statements, no parameters (migration scripts).
        executeScript: async (sql: string) => void (await run(sql)),
      };
      markWriteHandle(tx);
      const result = await runInTransactionScope(this, () => fn(tx));
      state.end();
      await send('COMMIT');
      return result;
    } catch (err) {
      state.end();
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      // fn's own errors pass through unchanged; the driver's were mapped where they arose.
      throw err;
    } finally {
      // A client whose ROLLBACK failed is in an unknown state: it is discarded, not reused.
      client.release(broken || undefined);
    }
  }

  private assertUsable(): void {
    assertOutsideTransaction(this);
    if (this.closed) throw new StoreError('ERR_STORE_CLOSED', 'the database is closed');
  }
}
