import { migration001 } from './001-jpki.js';
import { migration002 } from './002-crl-index.js';
import { migration003 } from './003-push.js';
import { migration004 } from './004-tsm.js';
import { migration005 } from './005-rp.js';
import { migration006 } from './006-orders.js';
import { migration007 } from './007-reset.js';
import { migration008 } from './008-replacement.js';
import type { Migration } from './migration.js';

/** Every migration, in order. Append only: a released migration is never edited or removed. */
export const MIGRATIONS: readonly Migration[] = [migration001, migration002, migration003, migration004, migration005, migration006, migration007, migration008];
