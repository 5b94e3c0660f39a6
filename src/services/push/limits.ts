/**
 * The bounds of the push service. Defaults follow FCM where FCM publishes a figure (4 KiB payload,
 * 28-day maximum and 4-week default time to live, tokens stale after 270 days of inactivity) and are
 * otherwise chosen to keep memory and storage bounded.
 */
export interface PushLimits {
  /** Largest `data` object, in bytes of its JSON text (FCM: 4096). */
  readonly maxDataBytes: number;
  /** Deepest nesting of `data` (arrays and objects). */
  readonly maxDataDepth: number;
  /** Longest time to live in seconds (FCM: 28 days, 2,419,200 s). */
  readonly maxTtlSeconds: number;
  /** Time to live when the sender gives none (FCM: 4 weeks). */
  readonly defaultTtlSeconds: number;
  /** Messages pending for one registration token before further sends are refused (`ERR_PUSH_QUOTA`). */
  readonly maxPendingPerToken: number;
  /** Messages one poll answer carries at most; the rest come with the next poll. */
  readonly maxBatch: number;
  /** Longest long-poll, in seconds. Must stay below the HTTP server's idle timeout (30 s by default). */
  readonly maxWaitSeconds: number;
  /** Concurrent long-polls of one device; a further one releases the oldest (answered empty). */
  readonly maxWaitersPerDevice: number;
  /** Concurrent long-polls in this process; a further one is refused (`ERR_PUSH_OVERLOADED`, 503). */
  readonly maxWaiters: number;
  /** A device that has not been seen for this long loses its tokens (reason `inactive`; FCM: 270 days). */
  readonly inactiveAfterSeconds: number;
  /** How long a message in a final state stays readable by its sender before it is deleted. */
  readonly retentionSeconds: number;
}

export const DEFAULT_LIMITS: PushLimits = {
  maxDataBytes: 4096,
  maxDataDepth: 16,
  maxTtlSeconds: 28 * 24 * 3600,
  defaultTtlSeconds: 28 * 24 * 3600,
  maxPendingPerToken: 100,
  maxBatch: 100,
  maxWaitSeconds: 25,
  maxWaitersPerDevice: 2,
  maxWaiters: 10_000,
  inactiveAfterSeconds: 270 * 24 * 3600,
  retentionSeconds: 30 * 24 * 3600,
};

/**
 * A device counts as connected (for a time to live of 0, "now or never") from the start of a poll until
 * its wait ends plus this slack, which covers the moment between one poll and the next.
 */
export const PRESENCE_SLACK_MS = 30_000;
