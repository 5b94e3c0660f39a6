import type { Queryable } from './database.js';

/**
 * The transaction handle the adapters hand out also runs multi-statement scripts without parameters
 * (migrations). Internal: the public type of `tx` is Queryable.
 */
export interface ScriptQueryable extends Queryable {
  executeScript(sql: string): Promise<void>;
}

export function canRunScripts(q: Queryable): q is ScriptQueryable {
  return typeof (q as Partial<ScriptQueryable>).executeScript === 'function';
}
