import { AsyncLocalStorage } from 'node:async_hooks';
import { StoreError } from './errors.js';

/**
 * Knows which databases' transactions the current async context is inside, so that calling a
 * Database (instead of the transaction's `tx`) from inside its own transaction fails at once with
 * `ERR_STORE_NESTED_TRANSACTION`, where it would otherwise wait forever for the lock it holds.
 */
interface Scope {
  readonly owner: object;
  readonly parent: Scope | undefined;
  active: boolean;
}

const storage = new AsyncLocalStorage<Scope>();

/** Throws when the caller runs inside an open transaction of `owner`. */
export function assertOutsideTransaction(owner: object): void {
  for (let s = storage.getStore(); s; s = s.parent) {
    if (s.active && s.owner === owner) {
      throw new StoreError('ERR_STORE_NESTED_TRANSACTION', 'the database was called from inside its own transaction: use the transaction handle (tx)');
    }
  }
}

/** Transactions open now, in any context. */
let open = 0;

/** Runs fn marked as inside a transaction of `owner`; work it leaves behind is unmarked when it settles. */
export async function runInTransactionScope<T>(owner: object, fn: () => Promise<T>): Promise<T> {
  const scope: Scope = { owner, parent: storage.getStore(), active: true };
  open++;
  try {
    return await storage.run(scope, fn);
  } finally {
    scope.active = false;
    // With no transaction open there is no scope to find, and the storage is turned off until the next
    // one (`run` turns it on again). On Node 20 an enabled AsyncLocalStorage keeps an async-hooks init
    // hook on every async resource and promise of the process: every socket, write and promise of every
    // request (the OCSP responder's included, bench/ocsp.ts) would pay for it between transactions.
    if (--open === 0) storage.disable();
  }
}

/** Marks a transaction handle as open; queries on it after its transaction ended fail. */
export class TransactionState {
  private open = true;

  end(): void {
    this.open = false;
  }

  assertOpen(): void {
    if (!this.open) throw new StoreError('ERR_STORE_TRANSACTION_ENDED', 'the transaction this handle belongs to has ended');
  }
}

const writeHandles = new WeakSet<object>();

/** Records that `handle` is the `tx` of an open write transaction (checked by `appendAudit`). */
export function markWriteHandle(handle: object): void {
  writeHandles.add(handle);
}

/** True when `q` is the `tx` handle of a write transaction (which may have ended since). */
export function isWriteHandle(q: object): boolean {
  return writeHandles.has(q);
}
