import type { AckResult, PushMessage } from '../delivery.js';
import type { DeviceCredential, ResetOutcome } from '../devices.js';
import type { RegisteredApp, Registration, Unregistration } from '../registrations.js';
import { PushClientError } from './errors.js';
import { Receiver, type ReceiveOptions } from './receiver.js';
import { call, type PushClientOptions } from './transport.js';

/**
 * The device's client: what the phone's OS push component does (FCM's part in Google Play services).
 * It enrols the device once, keeps its credential, registers and unregisters apps, tells the service of
 * a reset, and runs the receive loop (long-poll, hand each message to a handler, acknowledge).
 */
export class PushDeviceClient {
  readonly #options: PushClientOptions;
  #credential: DeviceCredential;
  #receiver: Receiver | undefined;

  constructor(options: PushClientOptions & { readonly credential: DeviceCredential }) {
    this.#options = options;
    this.#credential = { deviceId: options.credential.deviceId, deviceSecret: options.credential.deviceSecret };
  }

  /** Enrols a new device and returns its client; keep `credential` (it is the device's only key). */
  static async enrol(options: PushClientOptions): Promise<PushDeviceClient> {
    const credential = await call<DeviceCredential>(options, 'POST', '/push/v1/devices', { body: {} });
    return new PushDeviceClient({ ...options, credential });
  }

  get credential(): DeviceCredential {
    return this.#credential;
  }

  get deviceId(): string {
    return this.#credential.deviceId;
  }

  #path(rest = ''): string {
    return `/push/v1/devices/${this.#credential.deviceId}${rest}`;
  }

  #call<T>(method: string, rest: string, c: { body?: unknown; signal?: AbortSignal; timeoutMs?: number } = {}): Promise<T> {
    return call<T>(this.#options, method, this.#path(rest), { bearer: this.#credential.deviceSecret, ...c });
  }

  /** The device's live registrations. */
  async apps(): Promise<RegisteredApp[]> {
    return (await this.#call<{ registrations: RegisteredApp[] }>('GET', '')).registrations;
  }

  /** Registers an app instance and returns its token (a new one each time: the previous one dies). */
  register(appId: string): Promise<Registration> {
    return this.#call<Registration>('POST', '/registrations', { body: { appId } });
  }

  /** The app was removed: its token dies, its pending messages fail. */
  unregister(appId: string): Promise<Unregistration> {
    return this.#call<Unregistration>('DELETE', `/registrations/${encodeURIComponent(appId)}`);
  }

  /** The device is being reset: every token dies and this credential ends (enrol again afterwards). */
  async reset(): Promise<ResetOutcome> {
    await this.stop();
    return this.#call<ResetOutcome>('POST', '/reset');
  }

  /** Ends this identity and takes a new one in one step (every token of the old one dies). */
  async reenrol(): Promise<ResetOutcome> {
    await this.stop();
    const next = await call<DeviceCredential & { replaced: ResetOutcome }>(this.#options, 'POST', '/push/v1/devices', {
      bearer: this.#credential.deviceSecret,
      body: { replaces: this.#credential.deviceId },
    });
    this.#credential = { deviceId: next.deviceId, deviceSecret: next.deviceSecret };
    return next.replaced;
  }

  /** One long-poll: the deliverable messages, at once, or after up to `waitSeconds` (0-25). */
  async poll(waitSeconds = 25, signal?: AbortSignal): Promise<PushMessage[]> {
    if (!Number.isInteger(waitSeconds) || waitSeconds < 0) throw new PushClientError('ERR_REQUEST_FIELD', 'wait is a whole number of seconds');
    const timeoutMs = (this.#options.timeoutMs ?? 10_000) + waitSeconds * 1000;
    return (await this.#call<{ messages: PushMessage[] }>('GET', `/poll?wait=${waitSeconds}`, { timeoutMs, ...(signal ? { signal } : {}) })).messages;
  }

  ack(ids: readonly string[], signal?: AbortSignal): Promise<AckResult> {
    return this.#call<AckResult>('POST', '/ack', { body: { ids }, ...(signal ? { signal } : {}) });
  }

  /**
   * Runs the receive loop until `stop()`: poll, hand each new message to `onMessage`, acknowledge the
   * ones it handled, poll again; back off on errors. Resolves when stopped; rejects with the error
   * when the credential is refused (`ERR_PUSH_DEVICE_UNAUTHENTICATED`, `ERR_PUSH_DEVICE_RESET`: enrol
   * again) or the service answers something no retry can fix.
   */
  start(onMessage: (message: PushMessage) => void | Promise<void>, options: ReceiveOptions = {}): Promise<void> {
    if (this.#receiver?.running) throw new PushClientError('ERR_PUSH_CLIENT_STATE', 'the receive loop is running already');
    this.#receiver = new Receiver(
      {
        poll: (wait, signal) => this.poll(wait, signal),
        ack: (ids, signal) => this.ack(ids, signal),
      },
      onMessage,
      options,
    );
    return this.#receiver.run();
  }

  get running(): boolean {
    return this.#receiver?.running ?? false;
  }

  /** Ends the receive loop (an open poll is aborted) and waits for it. */
  async stop(): Promise<void> {
    await this.#receiver?.stop();
  }
}
