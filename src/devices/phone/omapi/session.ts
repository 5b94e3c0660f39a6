import type { CallerCredentials } from '../access-control/app-identity.js';
import { Channel } from './channel.js';
import { OmapiError } from './errors.js';
import type { Reader } from './reader.js';
import type { OpenedChannel, Terminal } from './terminal.js';

/** SELECT P2 values OMAPI accepts: FCI, FCP, FMD, none (first or only occurrence). */
const P2_ALLOWED = new Set([0x00, 0x04, 0x08, 0x0c]);

/**
 * A connection of one app to one secure element (OMAPI 3.3 `Session`). The channels it opens are
 * checked against the caller's access: privileged, or what the access control decides.
 */
export class Session {
  readonly #reader: Reader;
  readonly #terminal: Terminal;
  readonly #caller: CallerCredentials;
  readonly #channels = new Set<Channel>();
  readonly #onClosed: (session: Session) => void;
  #closed = false;

  constructor(reader: Reader, terminal: Terminal, caller: CallerCredentials, onClosed: (session: Session) => void) {
    this.#reader = reader;
    this.#terminal = terminal;
    this.#caller = caller;
    this.#onClosed = onClosed;
  }

  getReader(): Reader {
    return this.#reader;
  }

  isClosed(): boolean {
    return this.#closed;
  }

  /** The element's ATR, `undefined` when not available. */
  getATR(): Uint8Array | undefined {
    this.#requireOpen();
    return this.#terminal.atr?.slice();
  }

  /**
   * The basic channel, selecting `aid` on it (or keeping the default application when no AID is
   * given). Rejects: `ERR_OMAPI_CLOSED`, `ERR_OMAPI_AID_INVALID`, `ERR_OMAPI_P2_UNSUPPORTED`, the
   * access control's Security codes, `ERR_OMAPI_CHANNEL_UNAVAILABLE` (in use),
   * `ERR_OMAPI_NO_SUCH_ELEMENT`, `ERR_OMAPI_UNSUPPORTED`, `ERR_OMAPI_IO`, `ERR_OMAPI_SE_NOT_PRESENT`.
   */
  openBasicChannel(aid?: Uint8Array | null, p2 = 0x00): Promise<Channel> {
    return this.#open(aid, p2, (a, closer) => this.#terminal.openBasicChannel(a, p2, closer));
  }

  /**
   * A new logical channel with `aid` selected on it (the element's default application when none is
   * given). Same rejections as `openBasicChannel`; `ERR_OMAPI_CHANNEL_UNAVAILABLE` when the element
   * has no free channel (Android returns null there).
   */
  openLogicalChannel(aid?: Uint8Array | null, p2 = 0x00): Promise<Channel> {
    return this.#open(aid, p2, (a, closer) => this.#terminal.openLogicalChannel(a, p2, closer));
  }

  /** Closes every channel this session opened. */
  async closeChannels(): Promise<void> {
    for (const c of [...this.#channels]) await c.close();
  }

  /** Closes the channels and the session; closing twice does nothing. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.closeChannels();
    this.#onClosed(this);
  }

  async #open(aid: Uint8Array | null | undefined, p2: number, open: (aid: Uint8Array | undefined, closer: () => void) => Promise<OpenedChannel>): Promise<Channel> {
    this.#requireOpen();
    const target = aid && aid.length > 0 ? Uint8Array.from(aid) : undefined;
    if (target && (target.length < 5 || target.length > 16)) {
      throw new OmapiError('ERR_OMAPI_AID_INVALID', `an AID is 5 to 16 bytes, not ${target.length}`);
    }
    if (!P2_ALLOWED.has(p2)) throw new OmapiError('ERR_OMAPI_P2_UNSUPPORTED', `P2 ${String(p2)} is not supported (00, 04, 08, 0C)`);
    const access = await this.#terminal.setUpChannelAccess(this.#caller, target);
    // The terminal may end the channel (power loss) only after it exists; the holder is filled first.
    const holder: { channel?: Channel; dropped?: boolean } = {};
    const opened = await open(target, () => {
      holder.dropped = true;
      holder.channel?.markClosed();
    });
    const channel = new Channel({
      session: this,
      terminal: this.#terminal,
      number: opened.number,
      access,
      aid: target,
      p2,
      selectResponse: opened.selectResponse,
      onClosed: (c) => this.#channels.delete(c),
    });
    holder.channel = channel;
    this.#channels.add(channel);
    if (holder.dropped) channel.markClosed();
    if (this.#closed) {
      // The session was closed while the element was opening the channel.
      await channel.close();
      throw new OmapiError('ERR_OMAPI_CLOSED', 'the session was closed');
    }
    return channel;
  }

  #requireOpen(): void {
    if (this.#closed) throw new OmapiError('ERR_OMAPI_CLOSED', 'the session is closed');
  }
}
