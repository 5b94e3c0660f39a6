import type { CardStore } from '../card/index.js';
import type { FactoryResetHandler, Phone } from '../devices/phone/index.js';
import { PushDeviceClient, type PushMessage } from '../services/push/index.js';

/** What one poll did: messages received, handled (and acknowledged), and those whose handler failed. */
export interface DeliveryReport {
  readonly received: number;
  readonly handled: number;
  readonly failed: readonly { readonly id: string; readonly error: unknown }[];
}

/** The phone's push component's saved identity (its only key: the device secret). */
export interface PushAgentState {
  readonly format: 'jpki-mobile/push-agent@1';
  readonly baseUrl: string;
  readonly deviceId: string;
  readonly deviceSecret: string;
}

/**
 * The phone's OS push component (Firebase's role on Android): one device identity per phone at the push
 * service, a registration token per app, a receive loop that hands each message to the app it is for.
 * The phone OS of `src/devices/phone` has no push client; this is it, kept beside the phone's state in
 * its own owner-only document, and using the phone's network (offline → the loop backs off). A factory
 * reset tells the push service (`/reset`: every token of the device dies), so servers learn at once
 * that the app is gone.
 */
export class PushAgent {
  readonly #phone: Phone;
  readonly #store: CardStore<PushAgentState | null>;
  #client: PushDeviceClient | undefined;
  readonly #handlers = new Map<string, (message: PushMessage) => Promise<void>>();
  #loop: Promise<void> | undefined;

  constructor(phone: Phone, store: CardStore<PushAgentState | null>) {
    this.#phone = phone;
    this.#store = store;
  }

  /** The device client, enrolled at the push service on first use (and again after a reset). */
  async device(baseUrl: string): Promise<PushDeviceClient> {
    if (this.#client) return this.#client;
    const options = { baseUrl, fetch: this.#phone.systemFetch as typeof fetch };
    let saved: PushAgentState | null = null;
    try {
      saved = await this.#store.load();
    } catch {
      saved = null;
    }
    if (saved && saved.baseUrl === baseUrl) {
      this.#client = new PushDeviceClient({ ...options, credential: { deviceId: saved.deviceId, deviceSecret: saved.deviceSecret } });
    } else {
      this.#client = await PushDeviceClient.enrol(options);
      await this.#store.save({ format: 'jpki-mobile/push-agent@1', baseUrl, ...this.#client.credential });
    }
    return this.#client;
  }

  /** A registration token for `appId` (a new one each time; the previous one dies). */
  async register(baseUrl: string, appId: string): Promise<string> {
    return (await (await this.device(baseUrl)).register(appId)).token;
  }

  /** Routes messages for `appId` to `handler` (a throwing handler gets the message again later). */
  on(appId: string, handler: (message: PushMessage) => Promise<void>): void {
    this.#handlers.set(appId, handler);
  }

  /**
   * Polls once (waiting up to `waitSeconds` for a message) and hands every message to its app. The
   * handled ones are acknowledged; one whose handler threw is not, so the push service hands it over
   * again at a later poll, and the others go on. `signal` aborts a waiting poll.
   */
  async deliverOnce(baseUrl: string, waitSeconds = 0, signal?: AbortSignal): Promise<DeliveryReport> {
    const device = await this.device(baseUrl);
    const messages = await device.poll(waitSeconds, signal);
    const handled: string[] = [];
    const failed: { id: string; error: unknown }[] = [];
    for (const m of messages) {
      const handler = this.#handlers.get(m.appId);
      if (!handler) continue;
      try {
        await handler(m);
        handled.push(m.id);
      } catch (error) {
        failed.push({ id: m.id, error });
      }
    }
    if (handled.length > 0) await device.ack(handled);
    return { received: messages.length, handled: handled.length, failed };
  }

  /** Starts the receive loop (long-poll) in the background; `stop` ends it. */
  async start(baseUrl: string, onError?: (err: unknown) => void): Promise<void> {
    const device = await this.device(baseUrl);
    this.#loop = device.start(
      async (m) => {
        const handler = this.#handlers.get(m.appId);
        if (handler) await handler(m);
      },
      onError ? { onError } : {},
    );
    this.#loop.catch((err) => onError?.(err));
  }

  async stop(): Promise<void> {
    await this.#client?.stop();
    await this.#loop?.catch(() => undefined);
    this.#loop = undefined;
  }

  /** The factory-reset handler: the push service kills every token of this device; the identity is forgotten. */
  resetHandler(): FactoryResetHandler {
    return {
      name: 'push-agent',
      run: async () => {
        let saved: PushAgentState | null = null;
        try {
          saved = await this.#store.load();
        } catch {
          saved = null;
        }
        if (saved) {
          const device = this.#client ?? new PushDeviceClient({ baseUrl: saved.baseUrl, fetch: this.#phone.systemFetch as typeof fetch, credential: { deviceId: saved.deviceId, deviceSecret: saved.deviceSecret } });
          try {
            await device.reset();
          } catch (err) {
            // Told before (a retried notice): the identity is already dead, which is what we wanted.
            if ((err as { code?: string }).code !== 'ERR_PUSH_DEVICE_RESET') throw err;
          }
        }
        this.#client = undefined;
        await this.#store.save(null);
      },
    };
  }
}
