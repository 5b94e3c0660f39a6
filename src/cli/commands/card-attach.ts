import { resolve } from 'node:path';
import { FileCardStore } from '../../card/index.js';
import { IdCard, type IdCardState } from '../../devices/id-card/index.js';
import { parse } from '../args.js';
import { UsageError, type CliCommand, type Io } from '../command.js';
import { DEFAULT_VPCD, serveOnVpcd, vpcdAddressOption } from '../runtime/vpcd-serve.js';

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

export async function runCardAttach(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { vpcd: { type: 'string' }, trace: { type: 'boolean' } }, true);
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing CARD (the card file)' : 'one CARD only');
  const address = vpcdAddressOption(values.vpcd);
  const trace = (values.trace as unknown) === true;
  const path = resolve(positionals[0]!);
  const card = await IdCard.open(new FileCardStore<IdCardState>(path), {
    logger: { error: (message, err) => io.err(`card: ${message}: ${err instanceof Error ? err.message : String(err)}\n`) },
  });
  io.out(`card ${path}\n`);
  return serveOnVpcd({ io, address, card, what: 'the card', trace, removed: 'card removed' });
}

/** `jpki-mobile card attach`: the subcommand's usage and entry, dispatched from the `card` command. */
export const cardAttachCommand: CliCommand = {
  name: 'card attach',
  summary: 'put a card file into vsmartcard\'s virtual reader (pcscd) until stopped',
  usage: USAGE,
  run: runCardAttach,
};
