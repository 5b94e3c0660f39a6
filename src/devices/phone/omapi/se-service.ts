import type { CallerCredentials } from '../access-control/app-identity.js';
import { OmapiError } from './errors.js';
import { Reader } from './reader.js';
import type { Terminal } from './terminal.js';

/** The OMAPI version implemented (GlobalPlatform Open Mobile API 3.3, as Android 9+). */
export const OMAPI_VERSION = '3.3';

/**
 * An app's connection to the phone's secure element service (OMAPI 3.3 `SEService`). The OS makes
 * one per app (`Phone.openSeService`) with the caller's credentials, which every channel opening is
 * checked against. It is connected at once (Android's asynchronous bind has nothing to wait for here).
 */
export class SEService {
  readonly #readers: readonly Reader[];
  #connected = true;

  constructor(terminals: readonly Terminal[], caller: CallerCredentials) {
    this.#readers = terminals.map((t) => new Reader(this, t, caller));
  }

  isConnected(): boolean {
    return this.#connected;
  }

  getVersion(): string {
    return OMAPI_VERSION;
  }

  /** The readers, e.g. `[eSE1]`; `ERR_OMAPI_CLOSED` after shutdown. */
  getReaders(): Reader[] {
    if (!this.#connected) throw new OmapiError('ERR_OMAPI_CLOSED', 'the SE service was shut down');
    return [...this.#readers];
  }

  /** Closes every session and channel; the service cannot be used afterwards. */
  async shutdown(): Promise<void> {
    if (!this.#connected) return;
    this.#connected = false;
    for (const r of this.#readers) await r.closeSessions();
  }
}
