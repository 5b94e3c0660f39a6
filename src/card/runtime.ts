import {
  ApduError,
  SW,
  StatusWordError,
  channelOf,
  encodeResponse,
  hasSecureMessaging,
  isProprietary,
  isValidCla,
  parseCommand,
  requireSw,
  type CommandApdu,
  type ResponseApdu,
} from '../apdu/index.js';
import { bytesEqual, toHex } from '../bytes/index.js';
import type { Applet, AppletContext, AppletResult } from './applet.js';
import { CardError } from './errors.js';
import type { CardLogger, CardPort } from './port.js';
import { redactCommand, SECRET_INSTRUCTIONS } from './redact.js';

const INS_SELECT = 0xa4;
const INS_MANAGE_CHANNEL = 0x70;
const P1_SELECT_BY_DF_NAME = 0x04;
const MAX_CHANNELS = 20;
const EMPTY = new Uint8Array(0);

/**
 * Where the runtime finds the applets a SELECT by DF name may reach, when they change while the card
 * runs (a GlobalPlatform registry: applications installed, locked, deleted). The runtime keeps the
 * channel logic; the directory decides what is selectable.
 */
export interface AppletDirectory {
  /**
   * The applets a SELECT by DF name on `channel` may select, in search order (GP Card Spec 6.4.2.1.2:
   * registry order). What is left out cannot be selected: not in a selectable life cycle state, not
   * available on this interface. The runtime matches full and right-truncated DF names against them.
   */
  candidates(channel: number): readonly Applet[];
  /**
   * The applet selected implicitly on `channel` (GP Card Spec 6.4.1): on the basic channel at power-on,
   * for a SELECT by DF name without data, and on a channel opened from the basic channel.
   */
  implicit(channel: number): Applet | undefined;
  /**
   * Called before the runtime processes MANAGE CHANNEL or SELECT by DF name itself; a
   * `StatusWordError` refuses the command with its status word (GP Card Spec 6.4.2.2: no channel is
   * opened in CARD_LOCKED).
   */
  guard?(command: CommandApdu, channel: number): void;
}

export interface CardRuntimeOptions {
  /** The answer to reset (ISO/IEC 7816-3 8), 2 to 33 bytes starting with '3B' or '3F'. */
  readonly atr: Uint8Array;
  /** A fixed set of applets (the Individual Number Card). Give this or `directory`. */
  readonly applets?: readonly Applet[];
  /**
   * Applets that come and go (the secure element's registry). With a directory, partial selection
   * and SELECT [next occurrence] are on (GP Card Spec 6.4.2.1), and `defaultApplet` is the
   * directory's `implicit`.
   */
  readonly directory?: AppletDirectory;
  /**
   * How many logical channels the card has, 1 (the basic channel only: MANAGE CHANNEL and any other
   * channel answer '6881') to 20 (channels 0..19, ISO/IEC 7816-4 5.4.2). Default 1.
   */
  readonly logicalChannels?: number;
  /** AID of the applet selected implicitly at power-on on channel 0 and on a channel opened from 0. */
  readonly defaultApplet?: Uint8Array;
  /**
   * Accept a SELECT by DF name that is a right-truncated AID of at least 5 bytes (ISO/IEC 7816-4
   * 5.3.1.1, GlobalPlatform partial selection), and SELECT [next occurrence] (P2 b2b1 = 10). Off by
   * default: the Individual Number Card answers '6A82' to every DF name it does not hold exactly
   * (jpki-ap.md 6.2, OpenSC probes). Always on with a `directory`.
   */
  readonly partialSelection?: boolean;
  readonly logger?: CardLogger;
  /** Instructions whose data is never logged (default `SECRET_INSTRUCTIONS`). */
  readonly secretInstructions?: ReadonlySet<number>;
}

/** A failure detected by the runtime itself, answered with a status word. */
function sw(value: number): ResponseApdu {
  return { data: EMPTY, sw: value };
}

function isResponse(r: AppletResult | ReturnType<Applet['select']>): r is ResponseApdu {
  return typeof r === 'object' && r !== null && !(r instanceof Uint8Array);
}

/** The directory of a fixed applet list. */
class FixedDirectory implements AppletDirectory {
  readonly #applets: readonly Applet[];
  readonly #default: Applet | undefined;

  constructor(applets: readonly Applet[], implicit: Applet | undefined) {
    this.#applets = applets;
    this.#default = implicit;
  }

  candidates(): readonly Applet[] {
    return this.#applets;
  }

  implicit(): Applet | undefined {
    return this.#default;
  }
}

/**
 * The card operating system shared by the Individual Number Card and (later) the GlobalPlatform secure
 * element: power, logical channels, SELECT by DF name, dispatch, and the translation of whatever
 * happens into a status word (AusweisApp's card simulator, jcardsim):
 *
 * 1. The bytes are parsed with the project codec; a malformed APDU (short header, Lc disagreeing with
 *    the body) is answered '6700'.
 * 2. A class byte without a defined coding ('FF', RFU '2x'/'3x') is answered '6E00'; a channel the card
 *    does not have, or that is not open, '6881'.
 * 3. With an interindustry class, MANAGE CHANNEL ('70') and SELECT by DF name ('A4', P1 '04') are the
 *    runtime's own; secure messaging or chaining on them is '6E00' (neither is supported here).
 * 4. Everything else goes to the applet selected on the channel: none selected → '6A82' for a SELECT,
 *    '6D00' otherwise (an unknown instruction for the card as a whole).
 * 5. `StatusWordError` from an applet becomes its status word with no data; any other exception
 *    becomes '6F00' and is logged (with the command redacted).
 *
 * One command at a time: calls are queued in order, so a command never sees half of another.
 */
export class CardRuntime implements CardPort {
  readonly #atr: Uint8Array;
  /** The applets given to a fixed runtime (power hooks), empty with a directory. */
  readonly #applets: readonly Applet[];
  readonly #directory: AppletDirectory;
  readonly #channelCount: number;
  readonly #partial: boolean;
  readonly #logger: CardLogger | undefined;
  readonly #secret: ReadonlySet<number>;
  /** Index = channel; `undefined` = closed; `null` = open with nothing selected. */
  #channels: (Applet | null | undefined)[] = [];
  #powered = false;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: CardRuntimeOptions) {
    const atr = options.atr;
    if (!(atr instanceof Uint8Array) || atr.length < 2 || atr.length > 33 || (atr[0] !== 0x3b && atr[0] !== 0x3f)) {
      throw new CardError('ERR_CARD_CONFIG', 'an ATR is 2..33 bytes starting with 3B or 3F');
    }
    const count = options.logicalChannels ?? 1;
    if (!Number.isInteger(count) || count < 1 || count > MAX_CHANNELS) {
      throw new CardError('ERR_CARD_CONFIG', `logicalChannels must be 1..${MAX_CHANNELS}, got ${String(count)}`);
    }
    if ((options.applets === undefined) === (options.directory === undefined)) {
      throw new CardError('ERR_CARD_CONFIG', 'give the runtime either applets or a directory');
    }
    if (options.directory && options.defaultApplet !== undefined) {
      throw new CardError('ERR_CARD_CONFIG', 'with a directory, the implicitly selected applet is the directory\'s');
    }
    const applets = options.applets ?? [];
    const seen = new Set<string>();
    for (const a of applets) {
      if (a.aid.length < 5 || a.aid.length > 16) throw new CardError('ERR_CARD_CONFIG', `AID of ${a.name} is not 5..16 bytes`);
      const key = toHex(a.aid);
      if (seen.has(key)) throw new CardError('ERR_CARD_CONFIG', `two applets have the AID ${key}`);
      seen.add(key);
    }
    this.#atr = atr.slice();
    this.#applets = [...applets];
    this.#channelCount = count;
    this.#partial = options.directory !== undefined || (options.partialSelection ?? false);
    this.#logger = options.logger;
    this.#secret = options.secretInstructions ?? SECRET_INSTRUCTIONS;
    let implicit: Applet | undefined;
    if (options.defaultApplet !== undefined) {
      implicit = this.#applets.find((a) => bytesEqual(a.aid, options.defaultApplet!));
      if (!implicit) throw new CardError('ERR_CARD_CONFIG', `no applet has the default AID ${toHex(options.defaultApplet)}`);
    }
    this.#directory = options.directory ?? new FixedDirectory(this.#applets, implicit);
  }

  get atr(): Uint8Array {
    return this.#atr.slice();
  }

  get powered(): boolean {
    return this.#powered;
  }

  /** Channels currently open (0 always, while powered). */
  get openChannels(): number[] {
    return this.#channels.flatMap((c, i) => (c === undefined ? [] : [i]));
  }

  /** The applet selected on a channel, if any (for tests and diagnostics). */
  selectedOn(channel: number): Applet | undefined {
    return this.#channels[channel] ?? undefined;
  }

  powerOn(): Promise<Uint8Array> {
    return this.#serial(async () => {
      if (this.#powered) await this.#down();
      await this.#up();
      return this.atr;
    });
  }

  reset(): Promise<Uint8Array> {
    return this.#serial(async () => {
      await this.#down();
      await this.#up();
      return this.atr;
    });
  }

  powerOff(): Promise<void> {
    return this.#serial(() => this.#down());
  }

  transmit(command: Uint8Array): Promise<Uint8Array> {
    const bytes = Uint8Array.from(command);
    return this.#serial(async () => {
      if (!this.#powered) throw new CardError('ERR_CARD_POWERED_OFF', 'the card is not powered');
      const response = encodeResponse(await this.#process(bytes));
      this.#logger?.apdu?.(redactCommand(bytes, this.#secret), toHex(response));
      return response;
    });
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #up(): Promise<void> {
    this.#channels = [null];
    this.#powered = true;
    for (const a of this.#applets) await this.#quietly(`${a.name} powerUp`, () => a.powerUp?.());
    const d = this.#directory.implicit(0);
    if (d) await this.#quietly(`${d.name} implicit selection`, () => this.#selectOn(0, d));
  }

  async #down(): Promise<void> {
    if (this.#powered) {
      for (const a of this.#applets) await this.#quietly(`${a.name} powerDown`, () => a.powerDown?.());
    }
    this.#channels = [];
    this.#powered = false;
  }

  async #quietly(what: string, fn: () => unknown): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.#logger?.error(`${what} failed`, err);
    }
  }

  async #process(bytes: Uint8Array): Promise<ResponseApdu> {
    let cmd: CommandApdu;
    try {
      cmd = parseCommand(bytes);
    } catch (err) {
      if (err instanceof ApduError) return sw(SW.WRONG_LENGTH);
      throw err;
    }
    try {
      return await this.#dispatch(cmd);
    } catch (err) {
      if (err instanceof StatusWordError) return sw(err.sw);
      this.#logger?.error(`unexpected failure on ${redactCommand(bytes, this.#secret)}`, err);
      return sw(SW.NO_PRECISE_DIAGNOSIS);
    }
  }

  async #dispatch(cmd: CommandApdu): Promise<ResponseApdu> {
    if (!isValidCla(cmd.cla)) return sw(SW.CLA_NOT_SUPPORTED);
    const channel = channelOf(cmd.cla);
    if (channel >= this.#channelCount || this.#channels[channel] === undefined) return sw(SW.LOGICAL_CHANNEL_NOT_SUPPORTED);
    const ctx: AppletContext = {
      channel,
      proprietary: isProprietary(cmd.cla),
      secureMessaging: hasSecureMessaging(cmd.cla),
      chaining: (cmd.cla & 0x10) !== 0,
    };
    const runtimeOwned = !ctx.proprietary && (cmd.ins === INS_MANAGE_CHANNEL || (cmd.ins === INS_SELECT && cmd.p1 === P1_SELECT_BY_DF_NAME));
    if (runtimeOwned) {
      if (ctx.secureMessaging || ctx.chaining) return sw(SW.CLA_NOT_SUPPORTED);
      this.#directory.guard?.(cmd, channel);
      return cmd.ins === INS_SELECT ? this.#selectByName(cmd, channel) : this.#manageChannel(cmd, channel);
    }
    const applet = this.#channels[channel];
    if (!applet) return sw(cmd.ins === INS_SELECT ? SW.FILE_NOT_FOUND : SW.INS_NOT_SUPPORTED);
    const result = await applet.process(cmd, ctx);
    if (result === undefined) return sw(SW.SUCCESS);
    // An applet's own status word is checked here, inside the try of #process: an invalid one is a bug (6F00).
    if (isResponse(result)) return { data: result.data, sw: requireSw(result.sw) };
    return { data: result, sw: SW.SUCCESS };
  }

  /**
   * The applet a DF name selects: the first candidate holding it exactly or, with partial selection,
   * as a right-truncated prefix of at least 5 bytes (an exact match wins over a partial one). For
   * [next occurrence] the search starts after the applet selected on the channel (GP Card Spec
   * 6.4.2.1.2).
   */
  #find(name: Uint8Array, channel: number, next: boolean): Applet | undefined {
    let candidates = this.#directory.candidates(channel);
    if (next) {
      const current = this.#channels[channel];
      const at = current ? candidates.indexOf(current) : -1;
      candidates = candidates.slice(at + 1);
    }
    const exact = candidates.find((a) => bytesEqual(a.aid, name));
    if (exact || !this.#partial || name.length < 5) return exact;
    return candidates.find((a) => a.aid.length > name.length && bytesEqual(a.aid.subarray(0, name.length), name));
  }

  /**
   * SELECT by DF name, ISO/IEC 7816-4 7.1.1, P1 '04'. P2: b2b1 = 00 first or only occurrence, 10 next
   * occurrence (only with partial selection: '6A86' otherwise, as for 01 and 11); b4b3 = 00 FCI, 01 FCP,
   * 10 FMD, 11 no response data. An empty DF name selects the implicitly selectable applet, if there
   * is one. When no applet holds the name the answer is '6A82' and the channel's selection does not
   * change. An applet's `select` may answer a warning with its FCI (GP Card Spec Table 11-83, '6283').
   */
  async #selectByName(cmd: CommandApdu, channel: number): Promise<ResponseApdu> {
    const occurrence = cmd.p2 & 0x03;
    if ((cmd.p2 & 0xf0) !== 0 || occurrence === 0x01 || occurrence === 0x03 || (occurrence === 0x02 && !this.#partial)) return sw(SW.INCORRECT_P1P2);
    if (cmd.data.length > 16) return sw(SW.WRONG_LENGTH);
    const target = cmd.data.length === 0 ? this.#directory.implicit(channel) : this.#find(cmd.data, channel, occurrence === 0x02);
    if (!target) return sw(SW.FILE_NOT_FOUND);
    const answer = await this.#selectOn(channel, target);
    const wantsData = (cmd.p2 & 0x0c) !== 0x0c;
    if (isResponse(answer)) return { data: wantsData ? answer.data : EMPTY, sw: requireSw(answer.sw) };
    return { data: wantsData && answer ? answer : EMPTY, sw: SW.SUCCESS };
  }

  async #selectOn(channel: number, target: Applet): Promise<Uint8Array | ResponseApdu | undefined> {
    await this.#deselect(channel);
    const result = await target.select(this.#contextFor(channel));
    this.#channels[channel] = target;
    return result ?? undefined;
  }

  async #deselect(channel: number): Promise<void> {
    const current = this.#channels[channel];
    if (current) {
      this.#channels[channel] = null;
      await this.#quietly(`${current.name} deselect`, () => current.deselect(this.#contextFor(channel)));
    }
  }

  #contextFor(channel: number): AppletContext {
    return { channel, proprietary: false, secureMessaging: false, chaining: false };
  }

  /**
   * MANAGE CHANNEL, ISO/IEC 7816-4 7.1.2:
   * - open, P1 '00': P2 '00' lets the card choose and returns the number in one byte; P2 = '01'..'13'
   *   opens that channel (no data). The new channel gets the default applet when opened from the
   *   basic channel, else the applet of the channel it was opened from.
   * - close, P1 '80': P2 = the channel to close, or '00' for the channel the command came on. The basic
   *   channel is never closed ('6A81').
   * Without logical channels (one channel) the command is '6881'.
   */
  async #manageChannel(cmd: CommandApdu, origin: number): Promise<ResponseApdu> {
    if (this.#channelCount === 1) return sw(SW.LOGICAL_CHANNEL_NOT_SUPPORTED);
    if (cmd.data.length > 0) return sw(SW.WRONG_LENGTH);
    if (cmd.p1 === 0x00) {
      let target = cmd.p2;
      if (target === 0) {
        target = this.#channels.findIndex((c, i) => i > 0 && c === undefined);
        if (target === -1) target = this.#channels.length;
        if (target >= this.#channelCount) return sw(SW.FUNCTION_NOT_SUPPORTED);
      } else if (target >= this.#channelCount) {
        return sw(SW.INCORRECT_P1P2);
      } else if (this.#channels[target] !== undefined) {
        return sw(SW.CONDITIONS_NOT_SATISFIED);
      }
      this.#channels[target] = null;
      const inherit = origin === 0 ? this.#directory.implicit(target) : this.#channels[origin];
      if (inherit) {
        try {
          await this.#selectOn(target, inherit);
        } catch (err) {
          // The channel is open even when its applet refuses the implicit selection.
          if (!(err instanceof StatusWordError)) throw err;
        }
      }
      return { data: cmd.p2 === 0 ? Uint8Array.of(target) : EMPTY, sw: SW.SUCCESS };
    }
    if (cmd.p1 === 0x80) {
      const target = cmd.p2 === 0 ? origin : cmd.p2;
      if (target === 0) return sw(SW.FUNCTION_NOT_SUPPORTED);
      if (target >= this.#channelCount || this.#channels[target] === undefined) return sw(SW.INCORRECT_P1P2);
      await this.#deselect(target);
      this.#channels[target] = undefined;
      return sw(SW.SUCCESS);
    }
    return sw(SW.INCORRECT_P1P2);
  }
}
