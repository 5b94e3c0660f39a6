import { databaseConfig, loadConfig, resolveHome } from '../../services/home/index.js';
import { sessionSummaries, traceDocument, TsmError } from '../../services/tsm/index.js';
import { openDatabase } from '../../store/index.js';
import { parse, required } from '../args.js';
import { UsageError, type CliCommand } from '../command.js';

const USAGE = `Usage: jpki-mobile tsm sessions [--se SE_ID] [--limit N] [--json]
       jpki-mobile tsm trace --session SESSION_ID [--json]

sessions   the relay sessions the TSMs recorded, newest first: purpose (prepare, issue, reset-pin, …), element,
           state, batches, and why a session that did not complete ended
trace      the APDU trace of a session: each step with who sent it (sei, sp), what it does, the command
           before and after SCP03 wrapping and the response; PINs, passwords and keys are redacted

Options:
  --home DIR         the system's home folder (default: $JPKI_MOBILE_HOME, else ./.jpki-mobile)
  --se SE_ID         only the sessions of this secure element
  --limit N          at most N sessions (default 20)
  --json             print JSON instead of text
`;

/** `jpki-mobile tsm`: what the relay recorded, read from the database (no TSM secret is needed). */
export const tsmCommand: CliCommand = {
  name: 'tsm',
  summary: 'the TSMs\' recorded relay sessions and their redacted APDU traces',
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub !== 'sessions' && sub !== 'trace') throw new UsageError(sub === undefined ? 'missing subcommand' : `unknown subcommand '${sub}'`);
    const { values } = parse(rest, { se: { type: 'string' }, limit: { type: 'string' }, session: { type: 'string' }, json: { type: 'boolean' } });
    const json = (values as Record<string, unknown>).json === true;
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be 1..1000');
    const home = resolveHome(values.home);
    const db = await openDatabase(databaseConfig(home, loadConfig(home)));
    try {
      if (sub === 'sessions') {
        const sessions = await sessionSummaries(db, { ...(values.se ? { seId: values.se } : {}), limit });
        if (json) io.out(JSON.stringify(sessions, null, 2) + '\n');
        else if (sessions.length === 0) io.out('no sessions\n');
        else {
          for (const s of sessions) {
            const why = s.failure ? `  ${String(s.failure.code)}: ${String(s.failure.detail)}` : '';
            io.out(`${s.sessionId}  ${s.createdAt}  ${s.purpose.padEnd(7)}  ${s.seId}  ${s.state.padEnd(18)}  batches ${s.batches}${why}\n`);
          }
        }
        return 0;
      }
      const id = required(values.session, 'session');
      const trace = await traceDocument(db, id);
      if (!trace) throw new TsmError('ERR_TSM_UNKNOWN_SESSION', `no session ${id}`);
      if (json) io.out(JSON.stringify(trace, null, 2) + '\n');
      else {
        io.out(`${trace.sessionId}  ${trace.purpose}  ${trace.seId}  ${trace.state}\n`);
        for (const e of trace.entries) {
          io.out(`${String(e.batch).padStart(2)}.${String(e.index).padStart(2, '0')} ${e.party.padEnd(3)} ${e.outcome.padEnd(10)} ${e.label}\n`);
          if (e.command) io.out(`         > ${e.command}\n`);
          if (e.response) io.out(`         < ${e.plainResponse ?? e.response}\n`);
        }
      }
      return 0;
    } finally {
      await db.close();
    }
  },
};
