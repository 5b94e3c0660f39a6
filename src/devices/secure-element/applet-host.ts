import { SW, throwSw } from '../../apdu/index.js';
import { fromHex } from '../../bytes/index.js';
import { AppLifeCycle } from './constants.js';
import type { SeAppletHost, SecureChannel } from './contract.js';
import type { ElementCore } from './core.js';
import { isLocked } from './life-cycle.js';
import { draftApplication, findApplication } from './registry.js';
import { DomainSecureChannel } from './secure-channel.js';
import type { Hex } from './state.js';

/**
 * What the element gives an application instance (contract.ts): its data in the state document, read
 * and changed within the current command's transaction; its life cycle; the secure channel of its
 * associated domain; the element's randomness.
 */
export class ElementAppletHost<D = unknown> implements SeAppletHost<D> {
  readonly #core: ElementCore;
  readonly #aid: Hex;
  readonly aid: Uint8Array;

  constructor(core: ElementCore, aid: Hex) {
    this.#core = core;
    this.#aid = aid;
    this.aid = fromHex(aid);
  }

  #entry() {
    return findApplication(this.#core.tx.state, this.#aid) ?? throwSw(SW.CONDITIONS_NOT_SATISFIED, `application ${this.#aid} is gone`);
  }

  get data(): D {
    return this.#entry().data as D;
  }

  /**
   * Changes the data in the current transaction. The result is kept as JSON would keep it (what the
   * element saves is what it has in memory).
   */
  update(change: (draft: D) => void): void {
    this.#entry();
    this.#core.tx.change((draft) => {
      const e = draftApplication(draft, this.#aid)!;
      change(e.data as D);
      e.data = e.data === undefined ? null : JSON.parse(JSON.stringify(e.data));
    });
  }

  commit(): Promise<void> {
    return this.#core.tx.commit();
  }

  get lifeCycle(): number {
    return this.#entry().lifeCycle;
  }

  /**
   * GP Card Spec 5.3.1 and Table 11-4: an application moves itself from SELECTABLE (or an
   * application-specific state) to an application-specific state `0XXXX111` other than SELECTABLE and
   * its current one; never back to SELECTABLE, never while LOCKED. A refused move throws '6985' (the
   * command that asked fails), a value that is no application-specific state '6A80'.
   */
  setLifeCycle(state: number): void {
    const current = this.#entry().lifeCycle;
    if (!Number.isInteger(state) || (state & 0x87) !== 0x07 || state > 0x7f || state === AppLifeCycle.SELECTABLE) throwSw(SW.INCORRECT_DATA, 'not an application-specific life cycle state');
    if (isLocked(current) || current === AppLifeCycle.INSTALLED || state === current) throwSw(SW.CONDITIONS_NOT_SATISFIED, 'the application cannot move to that state now');
    this.#core.tx.change((draft) => {
      draftApplication(draft, this.#aid)!.lifeCycle = state;
    });
  }

  openSecureChannel(): SecureChannel {
    return new DomainSecureChannel(this.#core, this.#entry().sd);
  }

  random(length: number): Uint8Array {
    return this.#core.random(length);
  }
}
