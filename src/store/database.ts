/**
 * The store's one interface: SQL written once with `$1, $2, …` placeholders, run on SQLite (embedded
 * default) or PostgreSQL (production). Services keep no state between requests; several processes share
 * one database, and every write transaction of every process takes the same database-wide lock, so
 * writes are serialised in commit order (the audit log's sequence numbers rely on it).
 */

export type Dialect = 'sqlite' | 'postgres';

/**
 * A parameter value. Booleans are stored as the integers 0 and 1 on both dialects; timestamps are
 * ISO-8601 UTC text with milliseconds (see `toDbTimestamp`).
 */
export type SqlValue = string | number | bigint | null | Uint8Array | boolean;

export interface Queryable {
  /** Rows as plain objects; BLOB/BYTEA columns come back as Uint8Array (not Buffer subclasses), INTEGER as number (bigint only above 2^53). */
  query<T = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs one statement; `changes` is the number of rows it inserted, updated, deleted (or returned). */
  execute(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
}

/**
 * On the Database itself (outside `transaction`): `query` runs one autocommit statement, meant for
 * reads (on PostgreSQL a write through it would not take the write lock); `execute` runs its statement
 * in a write transaction of its own, so it is serialised like every write (and so cannot run statements
 * PostgreSQL or SQLite refuse inside a transaction, such as VACUUM or CREATE DATABASE).
 */
export interface Database extends Queryable {
  readonly dialect: Dialect;
  /**
   * Runs fn in one transaction that takes the database-wide write lock first (SQLite: BEGIN IMMEDIATE;
   * PostgreSQL: pg_advisory_xact_lock on a fixed key), so write transactions of all processes are
   * serialised. Commits when fn resolves, rolls back when it throws (rethrowing the error). Retries the
   * whole fn (bounded, with jittered backoff) only on transient errors: SQLITE_BUSY/LOCKED, PG 40001/40P01.
   * Calling the Database itself (query, execute, transaction) from inside fn is an error
   * (`ERR_STORE_NESTED_TRANSACTION`): it would wait for the lock fn holds. Use `tx`.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Waits for running work, then closes the connection (pool). Further use fails with `ERR_STORE_CLOSED`. */
  close(): Promise<void>;
}

export type DatabaseConfig =
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; connectionString: string; poolSize?: number };
