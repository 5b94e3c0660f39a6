import type { Migration } from './migration.js';

/**
 * Id 4 is taken by the TSM's migration, written on another branch. Migration ids must run without a
 * gap, so this branch holds the place with a migration that changes nothing and whose name is not the
 * TSM's: a database made with it is refused (`ERR_STORE_MIGRATION`, "does not match") by code that has
 * the real 004, rather than silently missing its tables. Replaced by the TSM's migration at the merge.
 */
export const migration004: Migration = { id: 4, name: 'reserved-tsm', sqlite: 'SELECT 1;', postgres: 'SELECT 1;' };
