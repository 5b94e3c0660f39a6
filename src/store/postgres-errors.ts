import pg from 'pg';
import { StoreError, triggerCode } from './errors.js';

/** SQLSTATEs after which the whole transaction may simply be run again. */
const TRANSIENT = new Set(['40001', '40P01', '55P03']);
/** SQLSTATE classes and codes that mean the server cannot be used (not the statement is wrong). */
const CONNECTION_CLASSES = ['08', '28', '53', '57', '58'];
const CONNECTION_CODES = new Set(['3D000']);

/** Maps a node-postgres error to a StoreError; see SQLSTATE codes in PostgreSQL Appendix A. */
export function mapPostgresError(err: unknown): unknown {
  if (err instanceof StoreError || !(err instanceof Error)) return err;
  if (!(err instanceof pg.DatabaseError) || err.code === undefined) {
    // Socket errors, "Connection terminated unexpectedly", pool timeouts: no SQLSTATE.
    return new StoreError('ERR_STORE_CONNECTION', 'the PostgreSQL server cannot be reached: ' + err.message, { cause: err });
  }
  const driverCode = err.code;
  const details = { cause: err, driverCode, constraint: err.constraint, table: err.table };
  const marker = triggerCode(err.message);
  if (marker) return new StoreError(marker, err.message.slice(err.message.indexOf(marker)), details);
  if (TRANSIENT.has(driverCode)) return new StoreError('ERR_STORE_BUSY', 'PostgreSQL aborted the transaction (serialisation failure or deadlock)', details);
  switch (driverCode) {
    case '23505':
      return new StoreError('ERR_STORE_UNIQUE', `unique constraint ${err.constraint ?? '?'} violated`, details);
    case '23503':
      return new StoreError('ERR_STORE_FOREIGN_KEY', `foreign key constraint ${err.constraint ?? '?'} violated`, details);
    case '23514':
      return new StoreError('ERR_STORE_CHECK', `check constraint ${err.constraint ?? '?'} violated`, details);
    case '23502':
      return new StoreError('ERR_STORE_NOT_NULL', `column ${err.table ?? '?'}.${err.column ?? '?'} may not be null`, details);
  }
  if (CONNECTION_CODES.has(driverCode) || CONNECTION_CLASSES.includes(driverCode.slice(0, 2))) {
    return new StoreError('ERR_STORE_CONNECTION', 'the PostgreSQL server refused the connection: ' + err.message, details);
  }
  if (driverCode.startsWith('22')) return new StoreError('ERR_STORE_VALUE', 'PostgreSQL refused a value: ' + err.message, details);
  return new StoreError('ERR_STORE_QUERY', 'PostgreSQL refused the statement: ' + err.message, details);
}
