import type { AckResult, PushMessage } from '../delivery.js';
import { PushClientError } from './errors.js';

export interface ReceiveOptions {
  /** Long-poll wait in seconds (default 25, the service's maximum). */
  readonly wait?: number;
  /** Retry delays: "full jitter" exponential backoff from `baseMs` up to `maxMs` (defaults 500 ms, 60 s). */
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
  /** Told of every error the loop survives: a network failure, a 5xx or 429, a handler that threw. */
  readonly onError?: (err: unknown) => void;
  /** How many handled message ids are remembered to drop re-sent copies (default 1000). */
  readonly remember?: number;
  /** Uniform [0, 1) randomness for the jitter (default Math.random). */
  readonly random?: () => number;
}

interface Port {
  poll(waitSeconds: number, signal: AbortSignal): Promise<PushMessage[]>;
  ack(ids: readonly string[], signal?: AbortSignal): Promise<AckResult>;
}

/**
 * The device's receive loop. At-least-once on the wire, at-most-once to the handler (within the
 * remembered window): a message is acknowledged only after its handler returned, so a crash or a
 * throwing handler gets it re-sent; a copy of one already handled (its ack was lost) is acknowledged
 * again without calling the handler.
 */
export class Receiver {
  readonly #port: Port;
  readonly #onMessage: (message: PushMessage) => void | Promise<void>;
  readonly #options: ReceiveOptions;
  readonly #seen = new Set<string>();
  readonly #abort = new AbortController();
  #running = false;
  #done: Promise<void> | undefined;

  constructor(port: Port, onMessage: (message: PushMessage) => void | Promise<void>, options: ReceiveOptions) {
    this.#port = port;
    this.#onMessage = onMessage;
    this.#options = options;
  }

  get running(): boolean {
    return this.#running;
  }

  run(): Promise<void> {
    this.#done ??= this.#loop();
    return this.#done;
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#done?.catch(() => undefined);
  }

  #remember(id: string): void {
    this.#seen.add(id);
    const max = this.#options.remember ?? 1000;
    // A Set iterates in insertion order: the first is the oldest.
    while (this.#seen.size > max) this.#seen.delete(this.#seen.values().next().value!);
  }

  #delay(failures: number, atLeastMs = 0): number {
    const base = this.#options.backoff?.baseMs ?? 500;
    const max = this.#options.backoff?.maxMs ?? 60_000;
    const ceiling = Math.min(max, base * 2 ** Math.min(failures - 1, 20));
    return Math.max(atLeastMs, Math.floor((this.#options.random ?? Math.random)() * ceiling));
  }

  #sleep(ms: number): Promise<void> {
    const signal = this.#abort.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  async #loop(): Promise<void> {
    this.#running = true;
    const signal = this.#abort.signal;
    const onError = this.#options.onError ?? (() => undefined);
    let failures = 0;
    try {
      while (!signal.aborted) {
        let handlerFailed = false;
        try {
          const messages = await this.#port.poll(this.#options.wait ?? 25, signal);
          const handled: string[] = [];
          for (const m of messages) {
            if (signal.aborted) break;
            if (!this.#seen.has(m.id)) {
              try {
                await this.#onMessage(m);
              } catch (err) {
                onError(err);
                handlerFailed = true;
                continue;
              }
              this.#remember(m.id);
            }
            handled.push(m.id);
          }
          // Not under the loop's abort signal: what was handled is acknowledged even when stopping.
          if (handled.length > 0) await this.#port.ack(handled);
          if (!handlerFailed) failures = 0;
          else await this.#sleep(this.#delay(++failures));
        } catch (err) {
          if (signal.aborted) break;
          if (!(err instanceof PushClientError) || !err.retryable) throw err;
          onError(err);
          await this.#sleep(this.#delay(++failures, err.retryAfterMs));
        }
      }
    } finally {
      this.#running = false;
    }
  }
}
