import { commandCase, describeSw, parseCommand, parseResponse } from '../../apdu/index.js';
import { fromHex, toHex } from '../../bytes/index.js';
import { keyCheckValue } from '../../crypto/index.js';
import { decodeTlvList, dumpTlv } from '../../tlv/index.js';
import { UsageError, type CliCommand } from '../command.js';
import { closeSecretInput, secretInput } from './secret-input.js';

function oneHexArgument(args: string[], what: string): Uint8Array {
  // These commands take no option: a flag (perhaps a secret typed as one) is not hex to decode.
  const flag = args.find((a) => a.startsWith('-'));
  if (flag !== undefined) throw new UsageError(`unknown option '${flag.replace(/=.*$/s, '')}': this command takes only ${what} in hex`);
  const text = args.join('');
  if (text === '') throw new UsageError(`missing ${what} (hex)`);
  return fromHex(text);
}

export const SCP03_KEY_ENV = 'JPKI_SCP03_KEY';

export const tlvCommand: CliCommand = {
  name: 'tlv',
  summary: 'decode BER-TLV and print it as a tree',
  usage: `Usage: jpki-mobile tlv dump HEX...

Decodes one or more BER-TLV objects (ISO/IEC 7816-4 5.2) given in hex (spaces allowed) and prints the
tree: tag, length, and the value of each primitive. Malformed input is reported with its error code.

Example:
  jpki-mobile tlv dump 6F108408A000000151000000A5049F6501FF
`,
  run(args, io) {
    const [sub, ...rest] = args;
    if (sub !== 'dump') throw new UsageError(sub === undefined ? 'missing subcommand: dump' : `unknown subcommand '${sub}'`);
    io.out(dumpTlv(decodeTlvList(oneHexArgument(rest, 'TLV data'))) + '\n');
    return 0;
  },
};

export const apduCommand: CliCommand = {
  name: 'apdu',
  summary: 'parse command or response APDUs, name status words',
  usage: `Usage: jpki-mobile apdu parse HEX...      decode a command APDU (ISO/IEC 7816-3 12.1 cases)
       jpki-mobile apdu response HEX...   decode a response APDU (data and status word)
       jpki-mobile apdu sw SW             name a status word and give its ISO 7816-4 meaning

Examples:
  jpki-mobile apdu parse 8050300008B13E5F938FC108C400
  jpki-mobile apdu sw 6982
`,
  run(args, io) {
    const [sub, ...rest] = args;
    if (sub === 'parse') {
      const cmd = parseCommand(oneHexArgument(rest, 'command APDU'));
      const info = commandCase(cmd);
      io.out(
        [
          `case ${info.case}${info.extended ? 'E (extended)' : info.case === 1 ? '' : 'S (short)'}`,
          `CLA ${toHex(Uint8Array.of(cmd.cla))}  INS ${toHex(Uint8Array.of(cmd.ins))}  P1 ${toHex(Uint8Array.of(cmd.p1))}  P2 ${toHex(Uint8Array.of(cmd.p2))}`,
          `Nc ${cmd.data.length}${cmd.data.length ? `  data ${toHex(cmd.data)}` : ''}`,
          `Ne ${cmd.ne === undefined ? 'absent' : cmd.ne}`,
        ].join('\n') + '\n',
      );
      return 0;
    }
    if (sub === 'response') {
      const r = parseResponse(oneHexArgument(rest, 'response APDU'));
      const d = describeSw(r.sw);
      io.out(`data (${r.data.length}) ${toHex(r.data)}\nSW ${toHex(Uint8Array.of(r.sw >>> 8, r.sw & 0xff))} ${d.name}: ${d.meaning}\n`);
      return 0;
    }
    if (sub === 'sw') {
      const bytes = oneHexArgument(rest, 'status word');
      if (bytes.length !== 2) throw new UsageError('a status word is 2 bytes, e.g. 6982');
      const d = describeSw((bytes[0]! << 8) | bytes[1]!);
      io.out(`${toHex(bytes)} ${d.name}: ${d.meaning}\n`);
      return 0;
    }
    throw new UsageError(sub === undefined ? 'missing subcommand: parse, response or sw' : `unknown subcommand '${sub}'`);
  },
};

export const scp03Command: CliCommand = {
  name: 'scp03',
  summary: 'SCP03 helpers: key check values',
  usage: `Usage: jpki-mobile scp03 kcv

Prints the key check value of an AES key (GP Amendment D 7.2.2: first 3 bytes of AES(key, 16 x 01)).
The key (hex) is a secret: it comes from $${SCP03_KEY_ENV}, or the first line of the owner-only file
$${SCP03_KEY_ENV}_FILE names, else from standard input (one line); never from the command line. It is
never logged.

Example:
  echo 404142434445464748494A4B4C4D4E4F | jpki-mobile scp03 kcv      (prints 504A77)
`,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub !== 'kcv') throw new UsageError(sub === undefined ? 'missing subcommand: kcv' : `unknown subcommand '${sub}'`);
    if (rest.length > 0) throw new UsageError(`the key is not an argument (not shown): give it in $${SCP03_KEY_ENV}, $${SCP03_KEY_ENV}_FILE or on standard input`);
    try {
      const key = await secretInput(SCP03_KEY_ENV, 'AES key (hex)', io);
      io.out(toHex(keyCheckValue(fromHex(key.replace(/\s+/g, '')))) + '\n');
    } finally {
      closeSecretInput();
    }
    return 0;
  },
};
