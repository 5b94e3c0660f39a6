import { PhoneError } from './errors.js';

/** The `fetch` an app gets from the phone: the WHATWG signature Node implements. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * The phone's network connection. Every request goes through `fetch`, which fails with
 * `ERR_PHONE_POWERED_OFF` when the phone is off and `ERR_PHONE_OFFLINE` when it is offline; going
 * offline also cuts the requests in flight (they reject with `ERR_PHONE_OFFLINE`). A request the
 * caller aborts itself rejects as `fetch` does; other network failures pass through unchanged.
 */
export class PhoneNetwork {
  readonly #base: FetchLike;
  #online: boolean;
  #powered = false;
  #cut = new AbortController();

  constructor(base: FetchLike, online: boolean) {
    this.#base = base;
    this.#online = online;
  }

  get online(): boolean {
    return this.#online;
  }

  /** Reachable now: powered and online. */
  get reachable(): boolean {
    return this.#powered && this.#online;
  }

  setOnline(on: boolean): void {
    this.#online = on;
    if (!on) this.#cutAll();
  }

  setPowered(on: boolean): void {
    this.#powered = on;
    if (!on) this.#cutAll();
  }

  /** A fetch bound to this network; `check` runs first (e.g. "the app is still installed"). */
  fetchFor(check?: () => void): FetchLike {
    return (input, init) => this.#fetch(input, init, check);
  }

  async #fetch(input: string | URL | Request, init: RequestInit | undefined, check: (() => void) | undefined): Promise<Response> {
    if (!this.#powered) throw new PhoneError('ERR_PHONE_POWERED_OFF', 'the phone is off');
    check?.();
    if (!this.#online) throw new PhoneError('ERR_PHONE_OFFLINE', 'the phone is offline');
    const cut = this.#cut.signal;
    const signal = init?.signal ? AbortSignal.any([init.signal, cut]) : cut;
    try {
      return await this.#base(input, { ...init, signal });
    } catch (err) {
      if (cut.aborted && !init?.signal?.aborted) throw new PhoneError('ERR_PHONE_OFFLINE', 'the phone went offline during the request', { cause: err });
      throw err;
    }
  }

  #cutAll(): void {
    this.#cut.abort(new PhoneError('ERR_PHONE_OFFLINE', 'the phone went offline'));
    this.#cut = new AbortController();
  }
}
