import type { Database } from '../database.js';
import { isTransient, StoreError } from '../errors.js';
import { canRunScripts } from '../script.js';
import { toDbTimestamp } from '../values.js';
import { MIGRATIONS } from './list.js';
import type { Migration } from './migration.js';

export interface MigrationResult {
  /** Ids applied by this call (empty when the schema was already current). */
  readonly applied: readonly number[];
  /** The id of the last migration now applied. */
  readonly current: number;
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  id INTEGER NOT NULL PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

/**
 * Brings the schema up to date in one write transaction (so under the database-wide write lock: of two
 * processes starting at once, one applies and the other then finds nothing to do). All pending
 * migrations apply together or not at all. Refuses (`ERR_STORE_MIGRATION`) a database whose applied
 * migrations are newer than this code, or do not match it by id and name.
 */
export async function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS, now: () => Date = () => new Date()): Promise<MigrationResult> {
  checkList(migrations);
  return db.transaction(async (tx) => {
    if (!canRunScripts(tx)) throw new StoreError('ERR_STORE_CONFIG', 'migrations need a database opened by openDatabase');
    await tx.executeScript(CREATE_TABLE);
    const rows = await tx.query<{ id: number; name: string }>('SELECT id, name FROM schema_migrations ORDER BY id');
    const latest = migrations.length;
    rows.forEach((row, i) => {
      if (row.id > latest) {
        throw new StoreError('ERR_STORE_MIGRATION', `the database has migration ${row.id} (${row.name}); this code knows up to ${latest}: refusing to open a newer schema`);
      }
      const known = migrations[row.id - 1]!;
      if (row.id !== i + 1 || known.name !== row.name) {
        throw new StoreError('ERR_STORE_MIGRATION', `applied migration ${row.id} (${row.name}) does not match this code's list`);
      }
    });
    const applied: number[] = [];
    for (const m of migrations.slice(rows.length)) {
      try {
        await tx.executeScript(m[db.dialect]);
      } catch (err) {
        if (isTransient(err)) throw err;
        throw new StoreError('ERR_STORE_MIGRATION', `migration ${m.id} (${m.name}) failed`, { cause: err });
      }
      await tx.execute('INSERT INTO schema_migrations (id, name, applied_at) VALUES ($1, $2, $3)', [m.id, m.name, toDbTimestamp(now())]);
      applied.push(m.id);
    }
    return { applied, current: latest };
  });
}

function checkList(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.id !== i + 1) throw new StoreError('ERR_STORE_MIGRATION', `migration ids must run 1, 2, 3, …; found ${m.id} at position ${i + 1}`);
  });
}
