import type { Database } from '../../store/index.js';
import type { Random } from './identifiers.js';
import type { PushLimits } from './limits.js';

/** What every part of the push service shares: the store, time, randomness, bounds, and the wake-up hook. */
export interface PushContext {
  readonly db: Database;
  readonly clock: () => Date;
  readonly random: Random;
  readonly limits: PushLimits;
  /** Called after a commit that made messages deliverable to these devices (wakes their long-polls). */
  readonly wake: (deviceIds: readonly string[]) => void;
  /** Ends the long-polls of these devices at once (answered empty): their identity ended. */
  readonly release: (deviceIds: readonly string[]) => void;
}
