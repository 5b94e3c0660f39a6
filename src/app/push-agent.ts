import type { CardStore } from '../card/index.js';
import type { FactoryResetHandler, Phone } from '../devices/phone/index.js';
import { PushDeviceClient, type PushMessage } from '../services/push/index.js';

/** What one poll did: messages received, handled (and acknowledged), and those whose handler failed. */
export interface DeliveryReport {
  readonly received: number;
  readonly handled: number;
  readonly failed: readonly { readonly id: string; readonly error: unknown }[];
  /**
   * Apps that messages came for but that are no longer installed: the push service was told (their
   * registration dies, `app-removed`, and the messages fail), as the removal itself would have.
   */
  readonly removedApps: readonly string[];
}

/** The phone's push component's saved identity (its only key: the device secret). */
export interface PushAgentState {
  readonly format: 'jpki-mobile/push-agent@1';
  readonly baseUrl: string;
  readonly deviceId: string;
  readonly deviceSecret: string;
  /**
   * Apps removed from the phone whose registration the push service has not been told to end yet (the
   * phone was offline, the service away): told at the next contact. Absent in older documents.
   */
  readonly removedApps?: readonly string[];
}

/** Answers of the push service that mean the registration is already dead: nothing left to tell. */
const ALREADY_DEAD = new Set(['ERR_PUSH_NOT_REGISTERED', 'ERR_PUSH_DEVICE_RESET']);

const codeOf = (err: unknown): string | undefined => (err as { code?: string } | undefined)?.code;

/**
 * The phone's OS push component (Firebase's role on Android): one device identity per phone at the push
 * service, a registration token per app, a receive loop that hands each message to the app it is for.
 * The phone OS of `src/devices/phone` has no push client; this is it, kept beside the phone's state in
 * its own owner-only document, and using the phone's network (offline → the loop backs off). A factory
 * reset tells the push service (`/reset`: every token of the device dies), so servers learn at once
 * that the app is gone. So does the removal of one app (FCM's behaviour): the phone tells its package
 * listeners, and the agent ends that app's registration (`DELETE …/registrations/{appId}`: the token
 * dies, `app-removed`, its pending messages fail and their senders read `failed`) at once when online,
 * else at its next contact (kept in `removedApps` meanwhile). A message that still comes for an app no
 * longer installed (the removal was never recorded: a crash between the two saves) is answered the same
 * way, never acknowledged.
 */
export class PushAgent {
  readonly #phone: Phone;
  readonly #store: CardStore<PushAgentState | null>;
  #client: PushDeviceClient | undefined;
  readonly #handlers = new Map<string, (message: PushMessage) => Promise<void>>();
  #loop: Promise<void> | undefined;
  /** Changes of the saved document, one at a time. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(phone: Phone, store: CardStore<PushAgentState | null>) {
    this.#phone = phone;
    this.#store = store;
    // Part of the OS image: the package manager tells the push component about every removed app.
    phone.onPackageRemoved((packageName) => this.appRemoved(packageName));
  }

  async #load(): Promise<PushAgentState | null> {
    try {
      return await this.#store.load();
    } catch {
      return null;
    }
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #clientOf(saved: PushAgentState): PushDeviceClient {
    if (this.#client?.deviceId === saved.deviceId) return this.#client;
    this.#client = new PushDeviceClient({ baseUrl: saved.baseUrl, fetch: this.#phone.systemFetch as typeof fetch, credential: { deviceId: saved.deviceId, deviceSecret: saved.deviceSecret } });
    return this.#client;
  }

  /** Apps removed from the phone whose registration is still to be ended at the push service. */
  async pendingRemovals(): Promise<readonly string[]> {
    return [...((await this.#load())?.removedApps ?? [])];
  }

  /**
   * An app was removed from the phone (the package listener): its messages are no longer routed, and its
   * registration is ended at the push service now, or at the next contact when that fails (the error is
   * thrown after the removal was recorded). Nothing to do before the device ever enrolled.
   */
  async appRemoved(appId: string): Promise<void> {
    this.#handlers.delete(appId);
    const recorded = await this.#serial(async () => {
      const saved = await this.#load();
      if (!saved) return false;
      const removedApps = [...(saved.removedApps ?? []).filter((a) => a !== appId), appId];
      await this.#store.save({ ...saved, removedApps });
      return true;
    });
    if (recorded) await this.tellRemovals();
  }

  /** Ends the registrations of the removed apps at the push service; returns the apps told. Throws (keeping the rest) when it cannot. */
  tellRemovals(): Promise<string[]> {
    return this.#serial(async () => {
      const saved = await this.#load();
      const pending = saved?.removedApps ?? [];
      if (!saved || pending.length === 0) return [];
      const device = this.#clientOf(saved);
      const told: string[] = [];
      let failure: unknown;
      for (const appId of pending) {
        try {
          await device.unregister(appId);
          told.push(appId);
        } catch (err) {
          if (!ALREADY_DEAD.has(codeOf(err) ?? '')) {
            failure = err;
            break;
          }
          told.push(appId);
        }
      }
      if (told.length > 0) await this.#store.save({ ...saved, removedApps: pending.filter((a) => !told.includes(a)) });
      if (failure !== undefined) throw failure;
      return told;
    });
  }

  /** A message came for `appId`, which is not installed: the push service is told the app is gone. */
  async #reportNotInstalled(device: PushDeviceClient, appId: string): Promise<void> {
    try {
      await device.unregister(appId);
    } catch (err) {
      if (!ALREADY_DEAD.has(codeOf(err) ?? '')) throw err;
    }
  }

  #installed(appId: string): boolean {
    return this.#phone.app(appId) !== undefined;
  }

  /** The device client, enrolled at the push service on first use (and again after a reset). */
  async device(baseUrl: string): Promise<PushDeviceClient> {
    if (this.#client) return this.#client;
    const options = { baseUrl, fetch: this.#phone.systemFetch as typeof fetch };
    const saved = await this.#load();
    if (saved && saved.baseUrl === baseUrl) {
      this.#client = new PushDeviceClient({ ...options, credential: { deviceId: saved.deviceId, deviceSecret: saved.deviceSecret } });
    } else {
      this.#client = await PushDeviceClient.enrol(options);
      await this.#store.save({ format: 'jpki-mobile/push-agent@1', baseUrl, ...this.#client.credential });
    }
    return this.#client;
  }

  /** A registration token for `appId` (a new one each time; the previous one dies). Removals still to tell go first. */
  async register(baseUrl: string, appId: string): Promise<string> {
    const device = await this.device(baseUrl);
    await this.tellRemovals();
    return (await device.register(appId)).token;
  }

  /** Routes messages for `appId` to `handler` (a throwing handler gets the message again later). */
  on(appId: string, handler: (message: PushMessage) => Promise<void>): void {
    this.#handlers.set(appId, handler);
  }

  /**
   * Polls once (waiting up to `waitSeconds` for a message) and hands every message to its app. The
   * handled ones are acknowledged; one whose handler threw is not, so the push service hands it over
   * again at a later poll, and the others go on. A message for an app no longer installed is reported
   * (the app's registration ends). Removals still to tell are told first. `signal` aborts a waiting poll.
   */
  async deliverOnce(baseUrl: string, waitSeconds = 0, signal?: AbortSignal): Promise<DeliveryReport> {
    const device = await this.device(baseUrl);
    await this.tellRemovals();
    const messages = await device.poll(waitSeconds, signal);
    const handled: string[] = [];
    const failed: { id: string; error: unknown }[] = [];
    const removedApps: string[] = [];
    for (const m of messages) {
      const handler = this.#handlers.get(m.appId);
      if (!handler) {
        if (!this.#installed(m.appId) && !removedApps.includes(m.appId)) {
          await this.#reportNotInstalled(device, m.appId);
          removedApps.push(m.appId);
        }
        continue;
      }
      try {
        await handler(m);
        handled.push(m.id);
      } catch (error) {
        failed.push({ id: m.id, error });
      }
    }
    if (handled.length > 0) await device.ack(handled);
    return { received: messages.length, handled: handled.length, failed, removedApps };
  }

  /**
   * Starts the receive loop (long-poll) in the background; `stop` ends it. Removals still to tell are
   * tried first (a failure goes to `onError`; a message for a removed app is reported anyway).
   */
  async start(baseUrl: string, onError?: (err: unknown) => void): Promise<void> {
    const device = await this.device(baseUrl);
    await this.tellRemovals().catch((err) => onError?.(err));
    this.#loop = device.start(
      async (m) => {
        const handler = this.#handlers.get(m.appId);
        if (handler) await handler(m);
        else if (!this.#installed(m.appId)) await this.#reportNotInstalled(device, m.appId);
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
        const saved = await this.#load();
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
