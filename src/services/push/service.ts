import { randomBytes } from 'node:crypto';
import type { Database } from '../../store/index.js';
import type { PushContext } from './context.js';
import { listAllMessages, type ListMessagesQuery, type MessagePage } from './admin.js';
import { ack, poll, type AckResult, type PushMessage } from './delivery.js';
import { authenticateDevice, enrolDevice, resetDevice, type DeviceCredential, type ResetOutcome } from './devices.js';
import { PushError } from './errors.js';
import type { Random } from './identifiers.js';
import { DEFAULT_LIMITS, type PushLimits } from './limits.js';
import { MessageFeed } from './message-feed.js';
import { messageStatus, send, type MessageStatus, type SendRequest, type SendResult } from './messages.js';
import { register, registeredApps, unregister, type RegisteredApp, type Registration, type Unregistration } from './registrations.js';
import type { DeviceRow } from './repository.js';
import { authenticateSender, createSender, type Sender } from './senders.js';
import { sweep, type SweepResult } from './sweep.js';
import { Waiters } from './waiters.js';

export interface PushServiceOptions {
  readonly db: Database;
  /** Time for timestamps and expiry (tests advance it); long-poll waits run on real timers. */
  readonly clock?: () => Date;
  readonly random?: Random;
  readonly limits?: Partial<PushLimits>;
  /** How often the message feed looks for sends of other processes (default 500 ms). */
  readonly feedIntervalMs?: number;
  /** How often the sweep runs (default 60 s; 0: never on its own, call `sweep()`). */
  readonly sweepIntervalMs?: number;
  readonly onError?: (err: unknown) => void;
}

/** An authenticated device, as `authenticateDevice` returns it. */
export type PushDevice = DeviceRow;

/**
 * The push service of one process, over the shared database (FCM's role in the seed): senders
 * message app instances by registration token; the device long-polls for its apps' messages and
 * acknowledges them. Everything that matters is in the database, one transaction per change; what
 * this object holds (the waiting polls, the feed position) is rebuilt by a restart.
 */
export class PushService {
  readonly ctx: PushContext;
  readonly #waiters: Waiters;
  readonly #feed: MessageFeed;
  readonly #onError: (err: unknown) => void;
  #sweepTimer: NodeJS.Timeout | undefined;
  #sweeping: Promise<unknown> | undefined;

  private constructor(ctx: PushContext, waiters: Waiters, feed: MessageFeed, onError: (err: unknown) => void) {
    this.ctx = ctx;
    this.#waiters = waiters;
    this.#feed = feed;
    this.#onError = onError;
  }

  static async open(options: PushServiceOptions): Promise<PushService> {
    const limits: PushLimits = { ...DEFAULT_LIMITS, ...options.limits };
    if (limits.defaultTtlSeconds > limits.maxTtlSeconds) throw new PushError('ERR_PUSH_REQUEST', 'the default ttl exceeds the maximum');
    const onError = options.onError ?? (() => undefined);
    const waiters = new Waiters({ perDevice: limits.maxWaitersPerDevice, total: limits.maxWaiters });
    const ctx: PushContext = {
      db: options.db,
      clock: options.clock ?? (() => new Date()),
      random: options.random ?? ((n) => new Uint8Array(randomBytes(n))),
      limits,
      wake: (ids) => waiters.wake(ids),
      release: (ids) => waiters.release(ids),
    };
    const feed = new MessageFeed(options.db, { intervalMs: options.feedIntervalMs ?? 500, wake: (ids) => waiters.wake(ids.filter((id) => waiters.has(id))), onError });
    await feed.start();
    const service = new PushService(ctx, waiters, feed, onError);
    const every = options.sweepIntervalMs ?? 60_000;
    if (every > 0) {
      service.#sweepTimer = setInterval(() => void service.sweep().catch(onError), every);
      service.#sweepTimer.unref();
    }
    return service;
  }

  /** Polls waiting in this process now. */
  get waiting(): number {
    return this.#waiters.size;
  }

  createSender(id: string): Promise<string> {
    return createSender(this.ctx.db, id, this.ctx.clock(), this.ctx.random);
  }

  authenticateSender(authorization: string | undefined): Promise<Sender> {
    return authenticateSender(this.ctx.db, authorization);
  }

  /** A new device identity; with `replaces`, a re-enrolment that ends that (authenticated) identity. */
  enrolDevice(replaces?: PushDevice): Promise<DeviceCredential & { replaced?: ResetOutcome }> {
    return enrolDevice(this.ctx, replaces);
  }

  authenticateDevice(deviceId: string, authorization: string | undefined): Promise<PushDevice> {
    return authenticateDevice(this.ctx.db, deviceId, authorization);
  }

  register(device: PushDevice, appId: string): Promise<Registration> {
    return register(this.ctx, device, appId);
  }

  unregister(device: PushDevice, appId: string): Promise<Unregistration> {
    return unregister(this.ctx, device, appId);
  }

  registeredApps(device: PushDevice): Promise<RegisteredApp[]> {
    return registeredApps(this.ctx, device);
  }

  resetDevice(device: PushDevice): Promise<ResetOutcome> {
    return resetDevice(this.ctx, device);
  }

  send(sender: Sender, request: SendRequest): Promise<SendResult> {
    return send(this.ctx, sender, request);
  }

  status(sender: Sender, id: string): Promise<MessageStatus> {
    return messageStatus(this.ctx, sender, id);
  }

  /** The administrator's listing: every sender's messages, a page at a time (admin.ts); reads only. */
  listMessages(query: ListMessagesQuery): Promise<MessagePage> {
    return listAllMessages(this.ctx, query);
  }

  /** Long-poll: `waitSeconds` from 0 to `maxWaitSeconds`; `signal` ends the wait (client gone). */
  async poll(device: PushDevice, waitSeconds: number, signal?: AbortSignal): Promise<PushMessage[]> {
    if (!Number.isInteger(waitSeconds) || waitSeconds < 0 || waitSeconds > this.ctx.limits.maxWaitSeconds) {
      throw new PushError('ERR_PUSH_REQUEST', `wait must be an integer from 0 to ${this.ctx.limits.maxWaitSeconds} seconds`);
    }
    return poll(this.ctx, this.#waiters, device, waitSeconds * 1000, signal);
  }

  ack(device: PushDevice, ids: readonly string[]): Promise<AckResult> {
    return ack(this.ctx, device, ids);
  }

  /** Runs the sweep now (one at a time per process). */
  sweep(): Promise<SweepResult> {
    const running = (this.#sweeping ??= sweep(this.ctx).finally(() => (this.#sweeping = undefined)));
    return running as Promise<SweepResult>;
  }

  /** Looks for other processes' sends now (the feed also does it on its own schedule). */
  catchUp(): Promise<void> {
    return this.#feed.poll();
  }

  /**
   * Ends every waiting poll at once (answered empty) and refuses new ones, then stops the timers and
   * waits for work in progress: call it before closing the HTTP server, which waits for open requests.
   */
  async close(): Promise<void> {
    this.#waiters.close();
    if (this.#sweepTimer) clearInterval(this.#sweepTimer);
    this.#sweepTimer = undefined;
    await this.#feed.stop();
    await this.#sweeping?.catch(this.#onError);
  }
}
