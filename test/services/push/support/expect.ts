import { PushClientError } from '../../../../src/services/push/index.js';

/** A predicate for assert.rejects: a PushClientError with this code (and HTTP status). */
export function isCode(code: string, status?: number) {
  return (e: unknown) => e instanceof PushClientError && e.code === code && (status === undefined || e.status === status);
}

/** Polls a condition every 5 ms for up to `ms` (default 2 s). */
export async function waitFor(condition: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`condition not reached in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
