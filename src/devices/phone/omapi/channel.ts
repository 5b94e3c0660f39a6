import { command, encodeCommand, SW } from '../../../apdu/index.js';
import type { ChannelAccess } from '../access-control/access-control.js';
import { checkInterindustry, validateCommand } from './command-validator.js';
import { OmapiError } from './errors.js';
import type { Session } from './session.js';
import type { Terminal } from './terminal.js';

/** What a session gives the channel it opened. */
export interface ChannelInit {
  readonly session: Session;
  readonly terminal: Terminal;
  readonly number: number;
  readonly access: ChannelAccess;
  /** The AID asked for at opening (possibly partial), `undefined` when none was. */
  readonly aid: Uint8Array | undefined;
  readonly p2: number;
  readonly selectResponse: Uint8Array | undefined;
  /** Called once when the channel closes, by `close()` or because the element went away. */
  readonly onClosed: (channel: Channel) => void;
}

/**
 * An ISO/IEC 7816-4 channel to an applet, as OMAPI 3.3 `Channel` (android.se.omapi.Channel): the
 * basic channel or a logical channel. Apps get one from `Session.openBasicChannel` or
 * `Session.openLogicalChannel`.
 */
export class Channel {
  readonly #init: ChannelInit;
  #selectResponse: Uint8Array | undefined;
  #open = true;

  constructor(init: ChannelInit) {
    this.#init = init;
    this.#selectResponse = init.selectResponse;
  }

  getSession(): Session {
    return this.#init.session;
  }

  isBasicChannel(): boolean {
    return this.#init.number === 0;
  }

  isOpen(): boolean {
    return this.#open;
  }

  /** The logical channel number (not in Android's API; for traces and tests). */
  get channelNumber(): number {
    return this.#init.number;
  }

  /**
   * The SELECT response of the opening (or of the last successful `selectNext`), data then SW1 SW2;
   * `undefined` when the channel was opened without an AID.
   */
  getSelectResponse(): Uint8Array | undefined {
    return this.#selectResponse?.slice();
  }

  /**
   * Sends one command APDU and resolves with the whole response (data + SW). Before the element sees
   * it: the channel must be open (`ERR_OMAPI_CLOSED`), the bytes pass `validateCommand`
   * (IllegalArgument codes), MANAGE CHANNEL and (unless privileged) SELECT by DF name are refused
   * (Security codes), and the channel's access rule must let the header through
   * (`ERR_OMAPI_APDU_DENIED`). Then the channel number is written into CLA and '61xx'/'6Cxx' are
   * handled by the terminal.
   */
  async transmit(commandBytes: Uint8Array): Promise<Uint8Array> {
    this.#requireOpen();
    const bytes = Uint8Array.from(commandBytes);
    const cmd = validateCommand(bytes);
    checkInterindustry(cmd, this.#init.access.privileged);
    this.#init.access.checkCommand(bytes);
    return this.#init.terminal.transmit(this.#init.number, bytes);
  }

  /**
   * SELECT [next occurrence] of the opening AID on this channel (OMAPI 3.3: the same P2 options as
   * the opening, with b2b1 = 10). True when another applet was selected (the select response is
   * updated); false on '6Axx' (no further match: the selected applet stays). Any other answer is
   * `ERR_OMAPI_UNSUPPORTED`, as is a channel opened without an AID.
   */
  async selectNext(): Promise<boolean> {
    this.#requireOpen();
    const aid = this.#init.aid;
    if (!aid) throw new OmapiError('ERR_OMAPI_UNSUPPORTED', 'the channel was opened without an AID');
    const p2 = (this.#init.p2 & 0x0c) | 0x02;
    const ne = (p2 & 0x0c) === 0x0c ? undefined : 256;
    const r = await this.#init.terminal.transmit(this.#init.number, encodeCommand(command(0x00, 0xa4, 0x04, p2, aid, ne)));
    const sw = r[r.length - 2]! * 256 + r[r.length - 1]!;
    const high = sw >> 8;
    if (sw === SW.SUCCESS || high === 0x62 || high === 0x63) {
      this.#selectResponse = r;
      return true;
    }
    if (high === 0x6a) return false;
    throw new OmapiError('ERR_OMAPI_UNSUPPORTED', `SELECT [next occurrence] answered ${sw.toString(16).toUpperCase()}`, { sw });
  }

  /** Closes the channel; closing a closed channel does nothing. */
  async close(): Promise<void> {
    if (!this.#open) return;
    this.markClosed();
    await this.#init.terminal.closeChannel(this.#init.number);
  }

  /** The element or the session ended the channel (no command is sent). Not for apps. */
  markClosed(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#init.onClosed(this);
  }

  #requireOpen(): void {
    if (!this.#open) throw new OmapiError('ERR_OMAPI_CLOSED', 'the channel is closed');
  }
}
