import { setTimeout as sleep } from 'node:timers/promises';
import { isTransient } from './errors.js';

/** How often and how patiently a write transaction is retried on a transient error. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseDelayMs: 20, maxDelayMs: 2000 };

/**
 * Runs attempt, and again after a transient error (`ERR_STORE_BUSY`) up to `attempts` times in all,
 * sleeping a "full jitter" backoff in between (uniform in 0..min(max, base·2^k)) so that colliding
 * writers spread out. Any other error, or the last transient one, is rethrown.
 */
export async function withRetry<T>(attempt: () => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY): Promise<T> {
  for (let k = 0; ; k++) {
    try {
      return await attempt();
    } catch (err) {
      if (!isTransient(err) || k + 1 >= policy.attempts) throw err;
      await sleep(Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** k));
    }
  }
}
