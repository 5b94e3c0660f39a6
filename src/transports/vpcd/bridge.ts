import { connect, type Socket } from 'node:net';
import { toHex } from '../../bytes/index.js';
import { redactCommand } from '../../card/index.js';
import { VpcdError } from '../errors.js';
import type { CardPort } from '../port.js';
import { classify } from './control.js';
import { encodeFrame, FrameDecoder } from './frame.js';

/*
 * The card side of vsmartcard's virtual reader. In vpcd's normal mode (the Debian default,
 * `DEVICENAME /dev/null:0x8C7B`) the reader inside pcscd listens on TCP 35963 (slot 0) and the card
 * connects to it; from then on vpcd sends control codes and command APDUs and the card answers. A
 * failed send or receive is card removal to vpcd, so the bridge treats a lost connection the same way:
 * the card is powered off, and the bridge connects again (with backoff) as a card re-inserted.
 */

/** `6F00`, "no precise diagnosis": the answer when the card itself fails (it should never throw). */
const SW_NO_PRECISE_DIAGNOSIS = Uint8Array.of(0x6f, 0x00);

export type VpcdEvent =
  | { readonly type: 'connecting'; readonly attempt: number }
  | { readonly type: 'connected' }
  | { readonly type: 'disconnected'; readonly reason: string }
  | { readonly type: 'retry'; readonly delayMs: number; readonly reason: string }
  | { readonly type: 'power'; readonly state: 'on' | 'off' | 'reset' }
  /** One exchange; the command is redacted (VERIFY data and the like never appear). */
  | { readonly type: 'apdu'; readonly command: string; readonly response: string; readonly ms: number }
  | { readonly type: 'protocol-error'; readonly error: VpcdError }
  | { readonly type: 'card-error'; readonly error: unknown }
  | { readonly type: 'stopped' };

export interface VpcdBridgeOptions {
  readonly host: string;
  readonly port: number;
  readonly card: CardPort;
  /** Reconnect backoff: first delay (default 100 ms), doubled per failure up to `maxMs` (default 2000 ms). */
  readonly retry?: { readonly initialMs?: number; readonly maxMs?: number };
  readonly onEvent?: (event: VpcdEvent) => void;
}

/**
 * Connects a `CardPort` to vpcd and serves it until `stop()`. Frames are handled strictly in order,
 * one at a time, whatever the card's `transmit` takes; nothing is answered after the connection that
 * asked has gone.
 */
export class VpcdBridge {
  readonly #options: VpcdBridgeOptions;
  readonly #initialMs: number;
  readonly #maxMs: number;
  #socket: Socket | undefined;
  #timer: NodeJS.Timeout | undefined;
  #delay: number;
  #attempt = 0;
  #stopped = true;
  #connected = false;
  #work: Promise<void> = Promise.resolve();
  #waiters: Array<() => void> = [];

  constructor(options: VpcdBridgeOptions) {
    this.#options = options;
    this.#initialMs = options.retry?.initialMs ?? 100;
    this.#maxMs = options.retry?.maxMs ?? 2000;
    this.#delay = this.#initialMs;
  }

  /** True while a TCP connection to vpcd is up. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Starts connecting; returns at once (see `whenConnected`). */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#connect();
  }

  /** Resolves when a connection is up (at once if one is; never once stopped). */
  whenConnected(): Promise<void> {
    if (this.#connected) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Closes the connection, waits for the frame in hand, powers the card off. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const socket = this.#socket;
    if (socket && !socket.destroyed) {
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.destroy();
      await closed;
    }
    await this.#work;
    await this.#enqueue(() => this.#powerOff());
    this.#emit({ type: 'stopped' });
  }

  #emit(event: VpcdEvent): void {
    this.#options.onEvent?.(event);
  }

  #connect(): void {
    this.#attempt += 1;
    this.#emit({ type: 'connecting', attempt: this.#attempt });
    const socket = connect({ host: this.#options.host, port: this.#options.port });
    this.#socket = socket;
    socket.setNoDelay(true);
    const decoder = new FrameDecoder();
    let lastError = 'connection closed';
    socket.on('connect', () => {
      this.#connected = true;
      this.#delay = this.#initialMs;
      this.#emit({ type: 'connected' });
      for (const w of this.#waiters.splice(0)) w();
    });
    socket.on('data', (chunk: Buffer) => {
      let frames: Uint8Array[];
      try {
        frames = decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      } catch (err) {
        if (!(err instanceof VpcdError)) throw err;
        this.#emit({ type: 'protocol-error', error: err });
        lastError = err.message;
        socket.destroy();
        return;
      }
      for (const frame of frames) void this.#enqueue(() => this.#handle(socket, frame));
    });
    socket.on('error', (err) => {
      lastError = err.message;
    });
    socket.on('close', () => {
      const wasConnected = this.#connected;
      this.#connected = false;
      if (this.#socket === socket) this.#socket = undefined;
      if (wasConnected) {
        if (!this.#stopped) this.#emit({ type: 'disconnected', reason: lastError });
        // To vpcd a lost connection is a removed card; to the card it is the end of the session.
        void this.#enqueue(() => this.#powerOff());
      }
      if (!this.#stopped) {
        const delayMs = this.#delay;
        this.#delay = Math.min(this.#delay * 2, this.#maxMs);
        this.#emit({ type: 'retry', delayMs, reason: lastError });
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          if (!this.#stopped) this.#connect();
        }, delayMs);
      }
    });
  }

  #enqueue(job: () => Promise<void>): Promise<void> {
    const next = this.#work.then(job, job);
    this.#work = next.catch(() => undefined);
    return this.#work;
  }

  async #powerOff(): Promise<void> {
    const card = this.#options.card;
    if (card.powered) await this.#cardCall(() => card.powerOff());
  }

  async #cardCall<T>(call: () => T | Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (err) {
      this.#emit({ type: 'card-error', error: err });
      return undefined;
    }
  }

  async #handle(socket: Socket, frame: Uint8Array): Promise<void> {
    let message;
    try {
      message = classify(frame);
    } catch (err) {
      if (!(err instanceof VpcdError)) throw err;
      this.#emit({ type: 'protocol-error', error: err });
      socket.destroy();
      return;
    }
    const card = this.#options.card;
    switch (message.kind) {
      case 'power-off':
        this.#emit({ type: 'power', state: 'off' });
        await this.#powerOff();
        return;
      case 'power-on':
        this.#emit({ type: 'power', state: 'on' });
        // A power-on while powered is a cold reset: the card runtime ends the old session first.
        await this.#cardCall(() => card.powerOn());
        return;
      case 'reset':
        this.#emit({ type: 'power', state: 'reset' });
        await this.#cardCall(() => card.reset());
        return;
      case 'get-atr':
        this.#send(socket, card.atr);
        return;
      case 'apdu': {
        const started = performance.now();
        let response = await this.#cardCall(() => card.transmit(message.command));
        if (response === undefined || response.length < 2 || response.length > 0xffff) response = SW_NO_PRECISE_DIAGNOSIS;
        this.#emit({ type: 'apdu', command: redactCommand(message.command), response: toHex(response), ms: performance.now() - started });
        this.#send(socket, response);
        return;
      }
    }
  }

  #send(socket: Socket, payload: Uint8Array): void {
    if (socket.destroyed || socket !== this.#socket) return;
    socket.write(encodeFrame(payload));
  }
}
