/**
 * The `jpki-mobile` command-line program (the entry point is main.ts). Errors become a clear message and a non-zero exit code here,
 * at the edge (style rule 8): 2 for a usage mistake, 1 for a failure, with the error's stable code.
 */
import { readFileSync } from 'node:fs';
import { JpkiMobileError } from '../errors/index.js';
import { UsageError, wantsHelp, type CliCommand, type Io } from './command.js';
import { appCommand } from './commands/app.js';
import { cardAttachCommand } from './commands/card-attach.js';
import { cardCommand } from './commands/card.js';
import { apduCommand, scp03Command, tlvCommand } from './commands/codec.js';
import { auditCommand, caCommand, initCommand, operatorCommand, startCommand } from './commands/jpki.js';
import { kioskCommand } from './commands/kiosk.js';
import { overviewCommand } from './commands/overview.js';
import { phoneCommand } from './commands/phone.js';
import { pushCommand } from './commands/push.js';
import { callCentreCommand } from './commands/callcenter.js';
import { seAttachCommand } from './commands/se-attach.js';
import { seCommand } from './commands/se.js';
import { shopCommand } from './commands/shop.js';
import { tsmCommand } from './commands/tsm.js';

export const COMMANDS: readonly CliCommand[] = [overviewCommand, initCommand, startCommand, caCommand, operatorCommand, pushCommand, callCentreCommand, auditCommand, tsmCommand, phoneCommand, appCommand, shopCommand, cardCommand, cardAttachCommand, seCommand, seAttachCommand, kioskCommand, tlvCommand, apduCommand, scp03Command];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function mainUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: jpki-mobile [COMMAND] [ARGS...]

Japan's smartphone JPKI system as running software. With no command, prints the overview.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Options:
  -h, --help     show help (also after a command: jpki-mobile tlv --help)
  --version      print the version
`;
}

/** The commands of a group: the two-word commands whose first word is `name` ('shop' for 'shop check'). */
function groupOf(name: string | undefined): readonly CliCommand[] {
  return name === undefined ? [] : COMMANDS.filter((c) => c.name.startsWith(`${name} `));
}

/** The usage text of the command `words` name ('card attach', 'card', 'shop'), or undefined. */
function usageOf(words: readonly string[]): string | undefined {
  const target = COMMANDS.find((c) => c.name === `${words[0]} ${words[1]}`) ?? COMMANDS.find((c) => c.name === words[0]);
  if (target) return target.usage;
  const group = groupOf(words[0]);
  return group.length > 0 ? group.map((c) => c.usage).join('\n') : undefined;
}

/**
 * A usage error's message with the value of every `--name=value` argument left out: a command that
 * names what it did not understand ("unknown subcommand '--pin=1234'") must not print a secret someone
 * typed as a flag.
 */
function withoutValues(message: string, args: readonly string[]): string {
  let out = message;
  for (const a of args) {
    const m = /^(--?[^=\s]+)=./s.exec(a);
    if (m) out = out.split(a).join(`${m[1]}=…`);
  }
  return out;
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) return overviewCommand.run([], io);
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(usageOf(args) ?? mainUsage());
    return 0;
  }
  if (name === '--version') {
    io.out(version() + '\n');
    return 0;
  }
  // A two-word command ('card attach') is matched before a one-word one ('card').
  const sub = COMMANDS.find((c) => c.name === `${name} ${args[0]}`);
  if (sub) args.shift();
  const command = sub ?? COMMANDS.find((c) => c.name === name);
  if (!command && groupOf(name).length > 0) {
    // 'shop' alone: only its subcommands are commands.
    if (wantsHelp(args)) {
      io.out(usageOf([name])!);
      return 0;
    }
    io.err(`jpki-mobile ${name}: missing the subcommand (${groupOf(name).map((c) => c.name.split(' ')[1]).join(', ')})\n\n${usageOf([name])}`);
    return 2;
  }
  if (!command) {
    io.err(`jpki-mobile: unknown command '${name}'\n\n${mainUsage()}`);
    return 2;
  }
  if (wantsHelp(args)) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(args, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`jpki-mobile ${command.name}: ${withoutValues(err.message, args)}\n\n${command.usage}`);
      return 2;
    }
    if (err instanceof JpkiMobileError) {
      io.err(`jpki-mobile ${command.name}: ${err.message} [${err.code}]\n`);
      return 1;
    }
    throw err;
  }
}

