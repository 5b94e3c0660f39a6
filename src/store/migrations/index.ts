export { MIGRATIONS } from './list.js';
export type { Migration } from './migration.js';
export { migrate, type MigrationResult } from './migrate.js';
