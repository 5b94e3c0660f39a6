import type { CardPort } from '../../card/index.js';
import { parseVpcdAddress, VpcdBridge, VpcdError, type VpcdEvent } from '../../transports/index.js';
import { UsageError, type Io } from '../command.js';

/**
 * The serving loop of every command that puts something into vsmartcard's virtual reader (`card
 * attach`, `se attach`, `phone nfc`): the --vpcd address, the bridge to vpcd, one line per state change,
 * and a clean stop on SIGTERM or SIGINT. Each command only says what it serves.
 */

/** Slot 0 of vpcd in pcscd (slot 1 is 35964). */
export const DEFAULT_VPCD = '127.0.0.1:35963';

export interface VpcdAddress {
  readonly host: string;
  readonly port: number;
  /** host:port as a person reads it ([v6]:port). */
  readonly where: string;
}

/** --vpcd's value (default slot 0 on loopback); a malformed one is a usage error. */
export function vpcdAddressOption(value: string | undefined): VpcdAddress {
  let address;
  try {
    address = parseVpcdAddress(value ?? DEFAULT_VPCD);
  } catch (err) {
    if (err instanceof VpcdError) throw new UsageError(err.message);
    throw err;
  }
  const where = address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
  return { host: address.host, port: address.port, where };
}

/** Waits for SIGINT or SIGTERM (once), then resolves with the signal's name. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolveSignal) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolveSignal(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Turns bridge events into lines: one per state change, not one per retry. `what` names the card. */
export function reporter(io: Io, where: string, trace: boolean, what = 'the card'): (e: VpcdEvent) => void {
  let everConnected = false;
  let waitingShown = false;
  return (e) => {
    switch (e.type) {
      case 'connected':
        io.out(everConnected ? `reconnected to vpcd at ${where}\n` : `attached: ${what} is in the virtual reader at ${where} (SIGTERM or Ctrl-C to remove it)\n`);
        everConnected = true;
        waitingShown = false;
        return;
      case 'retry':
        if (!waitingShown) io.err(`waiting for vpcd at ${where}: ${e.reason}\n`);
        waitingShown = true;
        return;
      case 'disconnected':
        io.err(`vpcd at ${where} closed the connection (${e.reason}); ${what} is removed until it reconnects\n`);
        return;
      case 'protocol-error':
        io.err(`vpcd protocol error: ${e.error.message} [${e.error.code}]\n`);
        return;
      case 'card-error':
        io.err(`card failure: ${e.error instanceof Error ? e.error.message : String(e.error)}\n`);
        return;
      case 'power':
        if (trace) io.err(`power ${e.state}\n`);
        return;
      case 'apdu':
        if (trace) io.err(`> ${e.command}\n< ${e.response}\n`);
        return;
      default:
        return;
    }
  };
}

export interface ServeOptions {
  readonly io: Io;
  readonly address: VpcdAddress;
  /** What the reader's slot holds. */
  readonly card: CardPort;
  /** Names it in the lines ('the card', 'the phone ...'). */
  readonly what: string;
  readonly trace: boolean;
  /** The last line after the signal: `${signal}: ${removed}`. */
  readonly removed: string;
}

/**
 * Serves `card` to vpcd until SIGTERM or SIGINT, reconnecting with backoff while vpcd is away; then
 * stops the bridge (the card is powered off) and returns exit code 0. The signal handlers are
 * installed before the bridge starts, so a signal during the first connection is not lost.
 */
export async function serveOnVpcd(o: ServeOptions): Promise<number> {
  const signal = untilSignal();
  const bridge = new VpcdBridge({ host: o.address.host, port: o.address.port, card: o.card, onEvent: reporter(o.io, o.address.where, o.trace, o.what) });
  o.io.out(`connecting to vpcd at ${o.address.where}\n`);
  bridge.start();
  const received = await signal;
  await bridge.stop();
  o.io.out(`${received}: ${o.removed}, stopped\n`);
  return 0;
}
