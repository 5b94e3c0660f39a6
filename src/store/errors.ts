import { JpkiMobileError } from '../errors/index.js';

/** Every way a store operation fails. Constraint codes are the same on SQLite and PostgreSQL. */
export type StoreErrorCode =
  | 'ERR_STORE_CONFIG'
  | 'ERR_STORE_CONNECTION'
  | 'ERR_STORE_CLOSED'
  | 'ERR_STORE_NESTED_TRANSACTION'
  | 'ERR_STORE_TRANSACTION_ENDED'
  | 'ERR_STORE_NO_TRANSACTION'
  | 'ERR_STORE_PARAMETER'
  | 'ERR_STORE_VALUE'
  | 'ERR_STORE_QUERY'
  | 'ERR_STORE_BUSY'
  | 'ERR_STORE_UNIQUE'
  | 'ERR_STORE_FOREIGN_KEY'
  | 'ERR_STORE_CHECK'
  | 'ERR_STORE_NOT_NULL'
  | 'ERR_STORE_MIGRATION'
  | 'ERR_STORE_AUDIT_APPEND_ONLY'
  | 'ERR_STORE_AUDIT_CHAIN'
  | 'ERR_STORE_AUDIT_PAYLOAD';

export interface StoreErrorDetails {
  /** The violated index or constraint, when the database names it (`one_active_phone_certificate`, `persons_pkey`). */
  constraint?: string;
  /** The table the failed statement wrote to, when known. */
  table?: string;
  /** The driver's own code (`SQLITE_CONSTRAINT_UNIQUE`, PostgreSQL SQLSTATE `23505`), for logs. */
  driverCode?: string;
}

/**
 * A failed store operation. Constraint violations carry the constraint name where the database gives
 * it; `cause` keeps the driver's error for logs (it may quote SQL and values, so it is never sent out).
 */
export class StoreError extends JpkiMobileError<StoreErrorCode> {
  readonly constraint: string | undefined;
  readonly table: string | undefined;
  readonly driverCode: string | undefined;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown } & StoreErrorDetails) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.constraint = options?.constraint;
    this.table = options?.table;
    this.driverCode = options?.driverCode;
  }
}

/** True for the errors a write transaction is retried on: lock contention, serialisation failure, deadlock. */
export function isTransient(err: unknown): boolean {
  return err instanceof StoreError && err.code === 'ERR_STORE_BUSY';
}

/**
 * Markers the schema's triggers put in their messages (SQLite RAISE(ABORT, …), PostgreSQL RAISE
 * EXCEPTION), so both adapters map them to the same codes.
 */
export const TRIGGER_MARKERS = ['ERR_STORE_AUDIT_APPEND_ONLY', 'ERR_STORE_AUDIT_CHAIN'] as const satisfies readonly StoreErrorCode[];

/** The store code a trigger's message announces, if any. */
export function triggerCode(message: string): StoreErrorCode | undefined {
  return TRIGGER_MARKERS.find((marker) => message.includes(marker));
}
