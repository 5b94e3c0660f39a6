import BetterSqlite3 from 'better-sqlite3';
import type { Database, SqlValue } from './database.js';
import { StoreError } from './errors.js';
import { Mutex } from './mutex.js';
import { withRetry } from './retry.js';
import { checkParamCount, parseSql } from './sql-text.js';
import { mapSqliteError } from './sqlite-errors.js';
import { assertOutsideTransaction, markWriteHandle, runInTransactionScope, TransactionState } from './transaction-scope.js';
import { bindValue, bytesOut, integerOut } from './values.js';
import type { ScriptQueryable } from './script.js';

/** Milliseconds SQLite waits for another process's write lock before reporting SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;
const STATEMENT_CACHE = 200;

/**
 * SQLite through better-sqlite3: one connection per Database, WAL journal, `synchronous=NORMAL`,
 * foreign keys on. The driver is synchronous while a transaction here spans awaits, so every use of the
 * connection is serialised by an async mutex; write transactions start with BEGIN IMMEDIATE, which takes
 * SQLite's write lock at once (other processes wait up to the busy timeout, then the attempt is retried).
 */
export class SqliteDatabase implements Database {
  readonly dialect = 'sqlite' as const;
  private readonly mutex = new Mutex();
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  private closed = false;

  private constructor(private readonly db: BetterSqlite3.Database) {}

  static async open(path: string): Promise<SqliteDatabase> {
    let db: BetterSqlite3.Database;
    try {
      db = new BetterSqlite3(path, { timeout: SQLITE_BUSY_TIMEOUT_MS });
    } catch (err) {
      throw new StoreError('ERR_STORE_CONNECTION', `cannot open the SQLite database ${path}`, { cause: err });
    }
    try {
      // Switching a fresh file to WAL needs a moment of exclusive access: another process opening it
      // at the same time can make this fail with SQLITE_BUSY, so it is retried like a transaction.
      await withRetry(async () => {
        try {
          db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
          db.pragma('journal_mode = WAL');
          db.pragma('synchronous = NORMAL');
          db.pragma('foreign_keys = ON');
        } catch (err) {
          throw mapSqliteError(err, db);
        }
      });
    } catch (err) {
      db.close();
      throw err;
    }
    return new SqliteDatabase(db);
  }

  async query<T = Record<string, unknown>>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    this.assertUsable();
    return this.mutex.run(() => {
      this.assertOpen();
      return this.runQuery<T>(sql, params);
    });
  }

  /** One statement in its own write transaction (so it takes the write lock like every write). */
  async execute(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    return this.transaction((tx) => tx.execute(sql, params));
  }

  async transaction<T>(fn: (tx: ScriptQueryable) => Promise<T>): Promise<T> {
    this.assertUsable();
    return withRetry(() =>
      this.mutex.run(() => {
        // Work queued before close() still runs; a retry queued after it does not.
        this.assertOpen();
        return this.attempt(fn);
      }),
    );
  }

  async close(): Promise<void> {
    assertOutsideTransaction(this);
    if (this.closed) return;
    this.closed = true;
    await this.mutex.run(() => {
      this.statements.clear();
      this.db.close();
    });
  }

  private async attempt<T>(fn: (tx: ScriptQueryable) => Promise<T>): Promise<T> {
    this.exec('BEGIN IMMEDIATE');
    const state = new TransactionState();
    const tx: ScriptQueryable = {
      query: async <R>(sql: string, params: readonly SqlValue[] = []) => {
        state.assertOpen();
        return this.runQuery<R>(sql, params);
      },
      execute: async (sql: string, params: readonly SqlValue[] = []) => {
        state.assertOpen();
        return this.runExecute(sql, params);
      },
      executeScript: async (sql: string) => {
        state.assertOpen();
        this.exec(sql);
      },
    };
    markWriteHandle(tx);
    try {
      const result = await runInTransactionScope(this, () => fn(tx));
      state.end();
      this.exec('COMMIT');
      return result;
    } catch (err) {
      state.end();
      if (this.db.inTransaction) {
        try {
          this.db.exec('ROLLBACK');
        } catch {
          // The transaction is gone either way; the original error is the one to report.
        }
      }
      throw err;
    }
  }

  private assertUsable(): void {
    assertOutsideTransaction(this);
    if (this.closed) throw new StoreError('ERR_STORE_CLOSED', 'the database is closed');
  }

  private assertOpen(): void {
    if (!this.db.open) throw new StoreError('ERR_STORE_CLOSED', 'the database is closed');
  }

  private exec(sql: string): void {
    try {
      this.db.exec(sql);
    } catch (err) {
      throw mapSqliteError(err, this.db);
    }
  }

  private prepare(sql: string): BetterSqlite3.Statement {
    let stmt = this.statements.get(sql);
    if (stmt) {
      this.statements.delete(sql);
    } else {
      try {
        stmt = this.db.prepare(sql);
      } catch (err) {
        throw mapSqliteError(err, this.db);
      }
      stmt.safeIntegers(true);
      if (this.statements.size >= STATEMENT_CACHE) this.statements.delete(this.statements.keys().next().value!);
    }
    this.statements.set(sql, stmt);
    return stmt;
  }

  private bound(sql: string, params: readonly SqlValue[]): { stmt: BetterSqlite3.Statement; args: unknown[] } {
    const parsed = parseSql(sql);
    checkParamCount(parsed, params);
    const stmt = this.prepare(parsed.sqlite);
    if (params.length === 0) return { stmt, args: [] };
    const named: Record<string, unknown> = {};
    params.forEach((value, i) => (named['p' + (i + 1)] = bindValue(value, i + 1)));
    return { stmt, args: [named] };
  }

  private runQuery<T>(sql: string, params: readonly SqlValue[]): T[] {
    const { stmt, args } = this.bound(sql, params);
    try {
      if (!stmt.reader) {
        stmt.run(...args);
        return [];
      }
      return (stmt.all(...args) as Record<string, unknown>[]).map(convertRow) as T[];
    } catch (err) {
      throw mapSqliteError(err, this.db);
    }
  }

  private runExecute(sql: string, params: readonly SqlValue[]): { changes: number } {
    const { stmt, args } = this.bound(sql, params);
    try {
      if (stmt.reader) return { changes: stmt.all(...args).length };
      return { changes: Number(stmt.run(...args).changes) };
    } catch (err) {
      throw mapSqliteError(err, this.db);
    }
  }
}

function convertRow(row: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(row)) {
    const value = row[key];
    if (typeof value === 'bigint') row[key] = integerOut(value);
    else if (value instanceof Uint8Array) row[key] = bytesOut(value);
  }
  return row;
}
