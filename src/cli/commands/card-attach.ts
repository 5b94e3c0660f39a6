import { resolve } from 'node:path';
import { FileCardStore } from '../../card/index.js';
import { IdCard, type IdCardState } from '../../devices/id-card/index.js';
import { parseVpcdAddress, VpcdBridge, VpcdError, type VpcdEvent } from '../../transports/index.js';
import { parse } from '../args.js';
import { UsageError, type CliCommand, type Io } from '../command.js';

export const DEFAULT_VPCD = '127.0.0.1:35963';

const USAGE = `Usage: jpki-mobile card attach CARD [--vpcd HOST:PORT] [--trace]

Inserts the Individual Number Card stored in the file CARD (made by 'jpki-mobile card issue') into
vsmartcard's virtual reader: connects to vpcd inside pcscd (Debian package vsmartcard-vpcd; slot 0
listens on 127.0.0.1:35963, slot 1 on 35964) and serves its APDUs, power-on, power-off and reset
until SIGTERM or SIGINT (Ctrl-C), then exits 0. Every PC/SC program on the machine (OpenSC,
pcsc_scan, the project's own PC/SC client) then sees the card in the reader 'Virtual PCD 00 00'.
While vpcd is not there, or after it drops the connection, the card connects again with backoff.
Retry counters are saved in CARD before a PIN is compared, so killing the process keeps them.

Options:
  --vpcd HOST:PORT   where vpcd listens (default ${DEFAULT_VPCD}); vpcd has no authentication:
                     keep it on loopback or in a network namespace of its own
  --trace            print every APDU exchange to stderr (VERIFY data redacted)
`;

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

export async function runCardAttach(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { vpcd: { type: 'string' }, trace: { type: 'boolean' } }, true);
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing CARD (the card file)' : 'one CARD only');
  let address;
  try {
    address = parseVpcdAddress(values.vpcd ?? DEFAULT_VPCD);
  } catch (err) {
    if (err instanceof VpcdError) throw new UsageError(err.message);
    throw err;
  }
  const trace = (values.trace as unknown) === true;
  const path = resolve(positionals[0]!);
  const card = await IdCard.open(new FileCardStore<IdCardState>(path), {
    logger: { error: (message, err) => io.err(`card: ${message}: ${err instanceof Error ? err.message : String(err)}\n`) },
  });
  const where = address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
  const signal = untilSignal();
  const bridge = new VpcdBridge({ host: address.host, port: address.port, card, onEvent: reporter(io, where, trace) });
  io.out(`card ${path}\nconnecting to vpcd at ${where}\n`);
  bridge.start();
  const received = await signal;
  await bridge.stop();
  io.out(`${received}: card removed, stopped\n`);
  return 0;
}

/** `jpki-mobile card attach`: the subcommand's usage and entry, dispatched from the `card` command. */
export const cardAttachCommand: CliCommand = {
  name: 'card attach',
  summary: 'put a card file into vsmartcard\'s virtual reader (pcscd) until stopped',
  usage: USAGE,
  run: runCardAttach,
};
