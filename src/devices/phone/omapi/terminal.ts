import { command, encodeCommand, getResponseFor, parseCommand, retryWithExactLength, SW, withChannel } from '../../../apdu/index.js';
import { concat } from '../../../bytes/index.js';
import { CardError, type CardPort } from '../../../card/index.js';
import { privilegedAccess, type AccessControl, type ChannelAccess } from '../access-control/access-control.js';
import type { CallerCredentials } from '../access-control/app-identity.js';
import type { ElementAccess, ElementChannel } from '../access-control/element-access.js';
import { OmapiError } from './errors.js';

/** A channel the terminal opened on the element. */
export interface OpenedChannel {
  readonly number: number;
  /** The SELECT response (data + SW) when an AID was selected at opening. */
  readonly selectResponse: Uint8Array | undefined;
}

/** Told when the terminal closes a channel by itself (the element lost power). */
export type ChannelCloser = () => void;

export interface TerminalOptions {
  /** Reader name, e.g. `eSE1` (Android names embedded elements eSE1, eSE2, …). */
  readonly name: string;
  /** The element's contact interface (ISO/IEC 7816-3 over the phone's internal bus). */
  readonly port: CardPort;
  /** Upper bound on a response assembled from '61xx' GET RESPONSE rounds, default 1 MiB. */
  readonly maxResponseBytes?: number;
}

const MAX_GET_RESPONSE_ROUNDS = 4096;
const MANAGE_CHANNEL_OPEN = encodeCommand(command(0x00, 0x70, 0x00, 0x00, undefined, 1));
/** SELECT of the default application on the basic channel: `00 A4 04 00 00` ([AOSP-SE] `Terminal.select(null)`). */
const SELECT_DEFAULT = Uint8Array.of(0x00, 0xa4, 0x04, 0x00, 0x00);

function isSelected(sw: number): boolean {
  const high = sw >> 8;
  return sw === SW.SUCCESS || high === 0x62 || high === 0x63;
}

function swOf(response: Uint8Array): number {
  return response[response.length - 2]! * 256 + response[response.length - 1]!;
}

function hex(sw: number): string {
  return sw.toString(16).toUpperCase().padStart(4, '0');
}

/** How a refused SELECT at channel opening is reported (the eSE HAL's statuses, [AOSP-SE] `Terminal`). */
function selectFailure(sw: number): OmapiError {
  if (sw === SW.FILE_NOT_FOUND || sw === 0x6999 || sw === SW.CONDITIONS_NOT_SATISFIED) {
    return new OmapiError('ERR_OMAPI_NO_SUCH_ELEMENT', `the AID cannot be selected (${hex(sw)})`, { sw });
  }
  if (sw === SW.INCORRECT_P1P2 || sw === SW.FUNCTION_NOT_SUPPORTED) {
    return new OmapiError('ERR_OMAPI_UNSUPPORTED', `the element does not support this SELECT (${hex(sw)})`, { sw });
  }
  return new OmapiError('ERR_OMAPI_IO', `SELECT failed with ${hex(sw)}`, { sw });
}

/**
 * One secure element as the OS reaches it ([AOSP-SE] `Terminal`): power, the basic channel and the
 * logical channels it opens with MANAGE CHANNEL + SELECT, and the transport rules of ISO/IEC 7816-4
 * 5.1.3 ('6Cxx': send again with the exact Le; '61xx': GET RESPONSE until done). Opening, closing
 * and each exchange hold the terminal's lock, so no other command slips between a MANAGE CHANNEL and
 * its SELECT or between a '61xx' and its GET RESPONSE.
 */
export class Terminal implements ElementAccess {
  readonly name: string;
  readonly #port: CardPort;
  readonly #maxResponse: number;
  readonly #channels = new Map<number, ChannelCloser>();
  #accessControl: AccessControl | undefined;
  #connected = false;
  #defaultSelectedOnBasic = true;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: TerminalOptions) {
    this.name = options.name;
    this.#port = options.port;
    this.#maxResponse = options.maxResponseBytes ?? 1 << 20;
  }

  /** Powered and answering: OMAPI's `Reader.isSecureElementPresent`. */
  get connected(): boolean {
    return this.#connected;
  }

  /** The element's ATR, or `undefined` when it is not connected. */
  get atr(): Uint8Array | undefined {
    return this.#connected ? this.#port.atr : undefined;
  }

  /** Channel numbers the terminal holds open. */
  get openChannels(): number[] {
    return [...this.#channels.keys()].sort((a, b) => a - b);
  }

  /** The enforcer the terminal consults for non-privileged callers (none: every such caller is refused). */
  setAccessControl(accessControl: AccessControl | undefined): void {
    this.#accessControl = accessControl;
  }

  /** Powers the element on; false (and not connected) when it does not come up. */
  connect(): Promise<boolean> {
    return this.#locked(async () => {
      this.#dropChannels();
      try {
        await this.#port.powerOn();
        this.#connected = true;
      } catch {
        this.#connected = false;
      }
      this.#defaultSelectedOnBasic = true;
      return this.#connected;
    });
  }

  /** Closes every channel (their objects learn it) and powers the element off. */
  disconnect(): Promise<void> {
    return this.#locked(async () => {
      this.#dropChannels();
      this.#connected = false;
      if (this.#port.powered) await this.#port.powerOff().catch(() => undefined);
    });
  }

  /**
   * The access a caller gets for a channel to `aid` ([AOSP-SE] `Terminal.setUpChannelAccess`): a
   * privileged caller gets everything without a rule lookup; anyone else is the access control's.
   */
  async setUpChannelAccess(caller: CallerCredentials, aid: Uint8Array | undefined): Promise<ChannelAccess> {
    this.#requireConnected();
    if (caller.privileged) return privilegedAccess(caller.packageName);
    if (!this.#accessControl) {
      throw new OmapiError('ERR_OMAPI_ACCESS_RULES_UNAVAILABLE', `no access control enforcer for ${this.name}`);
    }
    return this.#accessControl.setUpChannelAccess(caller, aid);
  }

  /** NFC-AR-DO for each caller; all false when there is no enforcer or the element is not there. */
  async isNfcEventAllowed(aid: Uint8Array, callers: readonly CallerCredentials[]): Promise<boolean[]> {
    if (!this.#connected || !this.#accessControl) return callers.map(() => false);
    return this.#accessControl.isNfcEventAllowed(aid, callers);
  }

  /**
   * The basic channel (number 0), selecting `aid` on it if given. One holder at a time; without an
   * AID only while the default application is still selected there ([AOSP-SE]).
   */
  openBasicChannel(aid: Uint8Array | undefined, p2: number, closer: ChannelCloser): Promise<OpenedChannel> {
    return this.#locked(async () => {
      this.#requireConnected();
      if (this.#channels.has(0)) throw new OmapiError('ERR_OMAPI_CHANNEL_UNAVAILABLE', 'the basic channel is in use');
      if (!aid && !this.#defaultSelectedOnBasic) {
        throw new OmapiError('ERR_OMAPI_CHANNEL_UNAVAILABLE', 'the default application is no longer selected on the basic channel');
      }
      let selectResponse: Uint8Array | undefined;
      if (aid) {
        selectResponse = await this.#exchange(this.#select(0, aid, p2));
        if (!isSelected(swOf(selectResponse))) throw selectFailure(swOf(selectResponse));
        this.#defaultSelectedOnBasic = false;
      }
      this.#channels.set(0, closer);
      return { number: 0, selectResponse };
    });
  }

  /**
   * A logical channel: MANAGE CHANNEL open (`00 70 00 00 01`, ISO/IEC 7816-4 7.1.2) gives the number,
   * then SELECT by DF name on it when `aid` is given (without one, the channel has the element's
   * default application). A refused SELECT closes the channel again.
   */
  openLogicalChannel(aid: Uint8Array | undefined, p2: number, closer: ChannelCloser): Promise<OpenedChannel> {
    return this.#locked(async () => {
      this.#requireConnected();
      const number = await this.#manageChannelOpen();
      let selectResponse: Uint8Array | undefined;
      if (aid) {
        selectResponse = await this.#exchange(this.#select(number, aid, p2));
        if (!isSelected(swOf(selectResponse))) {
          await this.#manageChannelClose(number);
          throw selectFailure(swOf(selectResponse));
        }
      }
      this.#channels.set(number, closer);
      return { number, selectResponse };
    });
  }

  /** For the enforcer: a logical channel to `aid` with no access check, raw commands on it. */
  async openLogicalChannelWithoutAccess(aid: Uint8Array): Promise<ElementChannel> {
    let open = true;
    const opened = await this.openLogicalChannel(aid, 0x00, () => {
      open = false;
    });
    return {
      transmit: (bytes) => {
        if (!open) return Promise.reject(new OmapiError('ERR_OMAPI_CLOSED', 'the channel is closed'));
        return this.transmit(opened.number, bytes);
      },
      close: async () => {
        if (!open) return;
        open = false;
        await this.closeChannel(opened.number);
      },
    };
  }

  /** Closes a channel: the basic one by selecting the default application again, a logical one with MANAGE CHANNEL close. */
  closeChannel(number: number): Promise<void> {
    return this.#locked(async () => {
      if (!this.#channels.delete(number) || !this.#connected) return;
      if (number === 0) {
        const r = await this.#exchange(SELECT_DEFAULT).catch(() => undefined);
        if (r && swOf(r) === SW.SUCCESS) this.#defaultSelectedOnBasic = true;
        return;
      }
      await this.#manageChannelClose(number);
    });
  }

  /** One command on channel `number`, whose class byte gets the channel bits (ISO/IEC 7816-4 5.4.1). */
  transmit(number: number, bytes: Uint8Array): Promise<Uint8Array> {
    return this.#locked(async () => {
      this.#requireConnected();
      if (!this.#channels.has(number)) throw new OmapiError('ERR_OMAPI_CLOSED', `channel ${number} is not open`);
      const out = Uint8Array.from(bytes);
      try {
        out[0] = withChannel(out[0]!, number);
      } catch (err) {
        // Channel bits that would make the class 'FF' (proprietary, further coding, SM, chaining, channel 19).
        throw new OmapiError('ERR_OMAPI_CLA_INVALID', `class byte ${out[0]!.toString(16).toUpperCase()} cannot be sent on channel ${number}`, { cause: err });
      }
      return this.#exchange(out);
    });
  }

  #locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #requireConnected(): void {
    if (!this.#connected) throw new OmapiError('ERR_OMAPI_SE_NOT_PRESENT', `secure element ${this.name} is not present`);
  }

  #dropChannels(): void {
    const closers = [...this.#channels.values()];
    this.#channels.clear();
    for (const close of closers) close();
  }

  #select(number: number, aid: Uint8Array, p2: number): Uint8Array {
    return encodeCommand(command(withChannel(0x00, number), 0xa4, 0x04, p2, aid, 256));
  }

  async #manageChannelOpen(): Promise<number> {
    const r = await this.#exchange(MANAGE_CHANNEL_OPEN);
    const sw = swOf(r);
    if (sw === SW.FUNCTION_NOT_SUPPORTED || sw === SW.CONDITIONS_NOT_SATISFIED) {
      throw new OmapiError('ERR_OMAPI_CHANNEL_UNAVAILABLE', `no logical channel is free (${hex(sw)})`, { sw });
    }
    if (sw === SW.LOGICAL_CHANNEL_NOT_SUPPORTED || sw === SW.INS_NOT_SUPPORTED || sw === SW.CLA_NOT_SUPPORTED) {
      throw new OmapiError('ERR_OMAPI_UNSUPPORTED', `the element has no logical channels (${hex(sw)})`, { sw });
    }
    if (sw !== SW.SUCCESS || r.length !== 3) throw new OmapiError('ERR_OMAPI_IO', `MANAGE CHANNEL answered ${hex(sw)} with ${r.length - 2} byte(s)`, { sw });
    const number = r[0]!;
    if (number < 1 || number > 19 || this.#channels.has(number)) {
      throw new OmapiError('ERR_OMAPI_IO', `MANAGE CHANNEL gave channel ${number}, which is not a free logical channel`);
    }
    return number;
  }

  async #manageChannelClose(number: number): Promise<void> {
    await this.#exchange(encodeCommand(command(withChannel(0x00, number), 0x70, 0x80, number))).catch(() => undefined);
  }

  async #raw(bytes: Uint8Array): Promise<Uint8Array> {
    let r: Uint8Array;
    try {
      r = await this.#port.transmit(bytes);
    } catch (err) {
      if (err instanceof CardError && err.code === 'ERR_CARD_POWERED_OFF') {
        this.#connected = false;
        this.#dropChannels();
        throw new OmapiError('ERR_OMAPI_SE_NOT_PRESENT', `secure element ${this.name} is not powered`, { cause: err });
      }
      throw new OmapiError('ERR_OMAPI_IO', `secure element ${this.name} failed`, { cause: err });
    }
    if (r.length < 2) throw new OmapiError('ERR_OMAPI_IO', `secure element ${this.name} answered ${r.length} byte(s)`);
    return r;
  }

  /** ISO/IEC 7816-4 5.1.3 on the OS side, as [AOSP-SE] `Terminal.transmit` does it. */
  async #exchange(bytes: Uint8Array): Promise<Uint8Array> {
    let r = await this.#raw(bytes);
    if (r[r.length - 2] === 0x6c) {
      r = await this.#raw(encodeCommand(retryWithExactLength(parseCommand(bytes), swOf(r))));
    }
    if (r[r.length - 2] !== 0x61) return r;
    const parts: Uint8Array[] = [];
    let size = 0;
    let rounds = 0;
    const original = parseCommand(bytes);
    while (r[r.length - 2] === 0x61) {
      parts.push(r.subarray(0, r.length - 2));
      size += r.length - 2;
      // An element answering '61xx' with little or no data for ever must not keep the phone busy.
      if (size > this.#maxResponse || ++rounds > MAX_GET_RESPONSE_ROUNDS) {
        throw new OmapiError('ERR_OMAPI_IO', `the response exceeds ${this.#maxResponse} bytes or ${MAX_GET_RESPONSE_ROUNDS} GET RESPONSE rounds`);
      }
      r = await this.#raw(encodeCommand(getResponseFor(original, swOf(r))));
    }
    parts.push(r);
    return concat(...parts);
  }
}
