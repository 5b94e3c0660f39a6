import type { CallerCredentials } from '../access-control/app-identity.js';
import { OmapiError } from './errors.js';
import type { SEService } from './se-service.js';
import { Session } from './session.js';
import type { Terminal } from './terminal.js';

/** One secure element slot as an app sees it (OMAPI 3.3 `Reader`), e.g. `eSE1`. */
export class Reader {
  readonly #service: SEService;
  readonly #terminal: Terminal;
  readonly #caller: CallerCredentials;
  readonly #sessions = new Set<Session>();

  constructor(service: SEService, terminal: Terminal, caller: CallerCredentials) {
    this.#service = service;
    this.#terminal = terminal;
    this.#caller = caller;
  }

  getName(): string {
    return this.#terminal.name;
  }

  getSEService(): SEService {
    return this.#service;
  }

  isSecureElementPresent(): boolean {
    return this.#service.isConnected() && this.#terminal.connected;
  }

  /** A new session; `ERR_OMAPI_CLOSED` after shutdown, `ERR_OMAPI_SE_NOT_PRESENT` when the element is not there. */
  openSession(): Session {
    if (!this.#service.isConnected()) throw new OmapiError('ERR_OMAPI_CLOSED', 'the SE service was shut down');
    if (!this.#terminal.connected) throw new OmapiError('ERR_OMAPI_SE_NOT_PRESENT', `secure element ${this.getName()} is not present`);
    const session = new Session(this, this.#terminal, this.#caller, (s) => this.#sessions.delete(s));
    this.#sessions.add(session);
    return session;
  }

  /** Closes every session opened through this reader. */
  async closeSessions(): Promise<void> {
    for (const s of [...this.#sessions]) await s.close();
  }
}
