import type { CommandApdu, ResponseApdu } from '../apdu/index.js';

/**
 * What the runtime tells an applet about the command it hands over: the logical channel it came on
 * (ISO/IEC 7816-4 5.4.2) and the class byte decoded (5.4.1), so that the applet checks the class of
 * each of its instructions without decoding channel bits itself.
 */
export interface AppletContext {
  /** Logical channel 0..19 the command was sent on; the applet keeps one session per channel. */
  readonly channel: number;
  /** b8 of CLA: a proprietary class such as '80' (GlobalPlatform, the JPKI signing command). */
  readonly proprietary: boolean;
  /** Secure messaging indicated in CLA. */
  readonly secureMessaging: boolean;
  /** Command chaining indicated in CLA (b5). */
  readonly chaining: boolean;
}

/**
 * What `process` returns: response data with '9000' (`Uint8Array`, possibly empty; `undefined` for
 * none), or a whole response for a warning that carries data. Errors are thrown, never returned: an
 * applet raises `StatusWordError` (`throwSw`) and the runtime answers its status word; anything
 * else it throws becomes '6F00' (jcardsim, Java Card `ISOException`).
 */
export type AppletResult = Uint8Array | ResponseApdu | undefined | void;

/**
 * An application on the card, in the manner of Java Card: the runtime owns SELECT by DF name and
 * MANAGE CHANNEL and dispatches everything else on a channel to the applet selected there.
 *
 * - `select` is called when a SELECT by DF name matches `aid` on a channel; it may return file
 *   control information (sent when P2 asks for it), a whole response for a warning that selects all
 *   the same (GlobalPlatform '6283', card locked), or throw a `StatusWordError` to refuse, leaving
 *   no applet selected on that channel.
 * - `process` gets every other command of that channel while the applet stays selected (including
 *   SELECT by file identifier and SELECT by DF name with a proprietary class).
 * - `deselect` is called before another selection on the channel and when the channel closes; it
 *   must not fail (an error is logged and ignored).
 * - `powerDown` is called on power-off and before a reset; no `deselect` is called then, as a card
 *   losing power runs no code: the applet drops every session (transient state, "CLEAR_ON_RESET").
 *   `powerUp` is called after power-on and after a reset, before the first command.
 */
export interface Applet {
  /** DF name (AID), 5 to 16 bytes. */
  readonly aid: Uint8Array;
  /** A short name for logs. */
  readonly name: string;
  select(ctx: AppletContext): Uint8Array | ResponseApdu | undefined | void | Promise<Uint8Array | ResponseApdu | undefined | void>;
  process(command: CommandApdu, ctx: AppletContext): AppletResult | Promise<AppletResult>;
  deselect(ctx: AppletContext): void | Promise<void>;
  powerUp?(): void | Promise<void>;
  powerDown?(): void | Promise<void>;
}
