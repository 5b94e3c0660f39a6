import type BetterSqlite3 from 'better-sqlite3';
import { StoreError, triggerCode } from './errors.js';

/**
 * Maps a better-sqlite3 error to a StoreError. SQLite names a violated unique index only when the index
 * has an expression column ("UNIQUE constraint failed: index 'x'"); otherwise it lists the columns
 * ("… failed: t.a, t.b"), and the index is found by its columns. Constraints SQLite created itself get
 * the names PostgreSQL would give them (`t_pkey`, `t_a_b_key`), so both dialects report the same.
 */
export function mapSqliteError(err: unknown, db: BetterSqlite3.Database): unknown {
  if (err instanceof StoreError || !(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  const driverCode = typeof code === 'string' ? code : undefined;
  const marker = triggerCode(err.message);
  if (marker) return new StoreError(marker, err.message.slice(err.message.indexOf(marker)), { cause: err, driverCode });
  if (driverCode === undefined) {
    return new StoreError('ERR_STORE_QUERY', 'SQLite refused the statement: ' + err.message, { cause: err });
  }
  if (driverCode.startsWith('SQLITE_BUSY') || driverCode.startsWith('SQLITE_LOCKED')) {
    return new StoreError('ERR_STORE_BUSY', 'the SQLite database is locked by another writer', { cause: err, driverCode });
  }
  const detail = err.message.replace(/^[A-Z ]+constraint failed: /, '');
  switch (driverCode) {
    case 'SQLITE_CONSTRAINT_UNIQUE':
    case 'SQLITE_CONSTRAINT_PRIMARYKEY': {
      const found = uniqueConstraint(detail, driverCode === 'SQLITE_CONSTRAINT_PRIMARYKEY', db);
      return new StoreError('ERR_STORE_UNIQUE', `unique constraint ${found.constraint ?? detail} violated`, { cause: err, driverCode, ...found });
    }
    case 'SQLITE_CONSTRAINT_FOREIGNKEY':
      return new StoreError('ERR_STORE_FOREIGN_KEY', 'foreign key constraint violated', { cause: err, driverCode });
    case 'SQLITE_CONSTRAINT_CHECK':
      return new StoreError('ERR_STORE_CHECK', `check constraint ${detail} violated`, { cause: err, driverCode, constraint: detail });
    case 'SQLITE_CONSTRAINT_NOTNULL':
      return new StoreError('ERR_STORE_NOT_NULL', `column ${detail} may not be null`, { cause: err, driverCode, table: detail.split('.')[0] });
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
    case 'SQLITE_IOERR':
    case 'SQLITE_READONLY':
    case 'SQLITE_FULL':
      return new StoreError('ERR_STORE_CONNECTION', 'the SQLite database file cannot be used: ' + err.message, { cause: err, driverCode });
  }
  if (driverCode.startsWith('SQLITE_IOERR') || driverCode.startsWith('SQLITE_CANTOPEN') || driverCode.startsWith('SQLITE_READONLY')) {
    return new StoreError('ERR_STORE_CONNECTION', 'the SQLite database file cannot be used: ' + err.message, { cause: err, driverCode });
  }
  return new StoreError('ERR_STORE_QUERY', 'SQLite refused the statement: ' + err.message, { cause: err, driverCode });
}

function uniqueConstraint(detail: string, primaryKey: boolean, db: BetterSqlite3.Database): { constraint?: string; table?: string } {
  const named = /^index '(.+)'$/.exec(detail);
  if (named) return { constraint: named[1]!, table: tableOfIndex(db, named[1]!) };
  const columns = detail.split(', ').map((c) => c.split('.'));
  const table = columns[0]?.[0];
  if (table === undefined || columns.some((c) => c.length !== 2 || c[0] !== table)) return {};
  const names = columns.map((c) => c[1]!);
  if (primaryKey) return { constraint: `${table}_pkey`, table };
  try {
    const indexes = db.pragma(`index_list(${quoteIdent(table)})`) as { name: string; unique: number; origin: string }[];
    const matches = indexes.filter((ix) => {
      if (ix.unique !== 1) return false;
      const cols = (db.pragma(`index_info(${quoteIdent(ix.name)})`) as { name: string | null }[]).map((c) => c.name);
      return cols.length === names.length && cols.every((c, i) => c === names[i]);
    });
    if (matches.length !== 1) return { table };
    const ix = matches[0]!;
    if (ix.origin === 'pk') return { constraint: `${table}_pkey`, table };
    if (ix.origin === 'u') return { constraint: `${table}_${names.join('_')}_key`, table };
    return { constraint: ix.name, table };
  } catch {
    return { table };
  }
}

function tableOfIndex(db: BetterSqlite3.Database, index: string): string | undefined {
  try {
    const row = db.prepare("SELECT tbl_name FROM sqlite_schema WHERE type = 'index' AND name = ?").get(index) as { tbl_name: string } | undefined;
    return row?.tbl_name;
  } catch {
    return undefined;
  }
}

function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}
