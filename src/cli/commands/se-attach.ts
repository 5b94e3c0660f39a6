import { resolve } from 'node:path';
import { FileCardStore } from '../../card/index.js';
import { DEFAULT_PACKAGES, SecureElement, type SeInterface, type SeState } from '../../devices/secure-element/index.js';
import { parse } from '../args.js';
import { UsageError, type CliCommand, type Io } from '../command.js';
import { DEFAULT_VPCD, serveOnVpcd, vpcdAddressOption } from '../runtime/vpcd-serve.js';

const USAGE = `Usage: jpki-mobile se attach FILE [--vpcd HOST:PORT] [--interface contact|nfc] [--trace]

Puts the secure element stored in FILE (made by 'jpki-mobile se create') into vsmartcard's virtual
reader: connects to vpcd inside pcscd and serves one of the element's two interfaces until SIGTERM or
SIGINT (Ctrl-C), then exits 0. PC/SC programs see it in 'Virtual PCD 00 00' (slot 0, port 35963).

  contact   what the phone's OS reaches: the ISD (selected implicitly and by a SELECT without data),
            the security domains, every selectable application; SCP03 for management
  nfc       what an NFC reader reaches: only the applications installed for contactless access;
            the ISD, the domains and the ARA-M answer 6A82

Every command is one transaction: its changes are saved in FILE (atomically) when it succeeds, and
dropped when it fails.

Options:
  --vpcd HOST:PORT    where vpcd listens (default ${DEFAULT_VPCD}); keep it on loopback
  --interface NAME    contact (default) or nfc (contactless)
  --trace             print every APDU exchange to stderr (PUT KEY data redacted)
`;

function interfaceOf(value: string | undefined): SeInterface {
  if (value === undefined || value === 'contact') return 'contact';
  if (value === 'nfc' || value === 'contactless') return 'contactless';
  throw new UsageError(`--interface is contact or nfc, not '${value}'`);
}

export async function runSeAttach(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { vpcd: { type: 'string' }, interface: { type: 'string' }, trace: { type: 'boolean' } }, true);
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing FILE (the element file)' : 'one FILE only');
  const address = vpcdAddressOption(values.vpcd);
  const iface = interfaceOf(values.interface);
  const trace = (values.trace as unknown) === true;
  const path = resolve(positionals[0]!);
  const element = await SecureElement.open(new FileCardStore<SeState>(path), {
    packages: DEFAULT_PACKAGES,
    logger: { error: (message, err) => io.err(`element: ${message}: ${err instanceof Error ? err.message : String(err)}\n`) },
  });
  io.out(`secure element ${path}, ${iface} interface\n`);
  return serveOnVpcd({ io, address, card: element.port(iface), what: `the secure element (${iface})`, trace, removed: 'element removed' });
}

export const seAttachCommand: CliCommand = {
  name: 'se attach',
  summary: 'put a secure element file into vsmartcard\'s virtual reader (pcscd) until stopped',
  usage: USAGE,
  run: runSeAttach,
};
