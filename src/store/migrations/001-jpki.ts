import type { Migration } from './migration.js';
import { postgres } from './001-jpki.postgres.js';
import { sqlite } from './001-jpki.sqlite.js';

/**
 * The JPKI certification service. Both dialects get the same tables, columns, constraint names and
 * index names, so a violation reports the same name on either. Notes:
 * - CHECK constraints are named as PostgreSQL would name them by default (`<table>_<column>_check`),
 *   table checks by what they guard; SQLite then reports the same name.
 * - SQLite names a violated unique index only when the index has an expression column; otherwise it
 *   lists columns, and one_active_phone_certificate and one_active_card_certificate share theirs. So on
 *   SQLite those two carry a constant third key, `(device = …)`, which is 1 for every row the WHERE
 *   admits: uniqueness is unchanged and the error names the index.
 * - audit_log is append-only (triggers refuse UPDATE, DELETE, and on PostgreSQL TRUNCATE); an inserted
 *   entry must extend the head (seq = head.seq + 1, prev_hash = head.hash), and the head may only move
 *   one step, onto an entry that exists with that hash. The hash itself is checked by `verifyAudit`.
 */
export const migration001: Migration = { id: 1, name: 'jpki', sqlite, postgres };
