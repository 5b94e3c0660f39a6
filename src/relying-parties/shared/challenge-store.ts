import type { ChallengeStore } from '../../sdk/index.js';
import { toDbTimestamp, type Database } from '../../store/index.js';

/**
 * The SDK's `ChallengeStore` over the shared database, so that every process of a relying party
 * refuses a replayed login response (docs/sdk.md, "What is not done": MemoryChallengeStore serves one
 * process). The party writes the challenge row itself when it issues one (with the id the client
 * sends back, `rp_login_challenges`), so `add` has nothing to do; `consume` marks the row used with one
 * conditional UPDATE, under the database's write lock: of two concurrent answers exactly one wins.
 */
export class DatabaseChallengeStore implements ChallengeStore {
  constructor(
    readonly db: Database,
    readonly party: string,
  ) {}

  add(): void {
    // Written by the party with the challenge's id and text (see the class comment).
  }

  async consume(nonce: string, now: Date): Promise<boolean> {
    const at = toDbTimestamp(now);
    const r = await this.db.execute('UPDATE rp_login_challenges SET consumed_at = $1 WHERE nonce = $2 AND party = $3 AND consumed_at IS NULL AND expires_at > $1', [at, nonce, this.party]);
    return r.changes === 1;
  }
}
