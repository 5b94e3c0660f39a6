/**
 * The store: SQLite (embedded default) and PostgreSQL (production) behind one interface, the schema
 * migrations, and the append-only hash-chained audit log.
 */
export type { Database, DatabaseConfig, Dialect, Queryable, SqlValue } from './database.js';
export { openDatabase, type OpenOptions } from './open.js';
export { StoreError, type StoreErrorCode, type StoreErrorDetails } from './errors.js';
export { MIGRATIONS, migrate, type Migration, type MigrationResult } from './migrations/index.js';
export { fromDbTimestamp, toDbTimestamp } from './values.js';
export { canonicalJson } from './canonical-json.js';
export { AUDIT_HASH_DOMAIN, auditHash, GENESIS_HASH, type AuditHashInput } from './audit-hash.js';
export {
  appendAudit,
  auditHead,
  readAuditSince,
  verifyAudit,
  type AuditBreak,
  type AuditEntry,
  type AuditEntryInput,
  type AuditVerification,
} from './audit.js';
