import type { Migration } from './migration.js';

/**
 * Placeholder that keeps migration ids contiguous in the `orders` branch: id 5 belongs to the relying
 * parties' migration of another branch. On merge, that branch's 005 replaces this file (this one
 * creates nothing, so a test database that applied it is the only thing that differs).
 */
export const migration005: Migration = { id: 5, name: 'relying-parties', sqlite: 'SELECT 1;', postgres: 'SELECT 1;' };
