import { join } from 'node:path';
import { databaseConfig, loadConfig, resolveHome, writeSecret } from '../../services/home/index.js';
import { PushService } from '../../services/push/index.js';
import { openDatabase } from '../../store/index.js';
import { parse } from '../args.js';
import { UsageError, type CliCommand } from '../command.js';

export const pushCommand: CliCommand = {
  name: 'push',
  summary: 'the push service: create senders (the TSMs)',
  usage: `Usage: jpki-mobile push sender add NAME [--home DIR]

Creates a push sender (a TSM, or any server that messages apps) and writes its bearer token to
secrets/push-senders/NAME.token (owner-only). The token is not printed. Senders call
POST /push/v1/messages with 'Authorization: Bearer <token>' (docs/services/push.md).
NAME is 1-64 of a-z 0-9 . _ - (e.g. sp-tsm).

Options:
  --home DIR         the system's home folder (default: $JPKI_MOBILE_HOME, else ./.jpki-mobile)
`,
  async run(args, io) {
    const [group, sub, ...rest] = args;
    if (group !== 'sender') throw new UsageError(group === undefined ? 'missing subcommand: sender add NAME' : `unknown subcommand '${group}'`);
    if (sub !== 'add') throw new UsageError(sub === undefined ? 'missing subcommand: sender add NAME' : `unknown subcommand 'sender ${sub}'`);
    const { values, positionals } = parse(rest, {}, true);
    if (positionals.length !== 1) throw new UsageError('give exactly one sender NAME');
    const name = positionals[0]!;
    const home = resolveHome(values.home);
    const db = await openDatabase(databaseConfig(home, loadConfig(home)));
    try {
      const push = await PushService.open({ db, sweepIntervalMs: 0 });
      try {
        const token = await push.createSender(name);
        io.out(`push sender ${name}; token in ${writeSecret(home, join('push-senders', `${name}.token`), token)}\n`);
      } finally {
        await push.close();
      }
    } finally {
      await db.close();
    }
    return 0;
  },
};
