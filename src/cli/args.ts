import { parseArgs } from 'node:util';
import { UsageError } from './command.js';

export type Flags = Record<string, { type: 'string' } | { type: 'boolean' }>;

/**
 * node:util parseArgs with usage errors instead of crashes; every command also takes --home. An
 * unexpected argument is named by its position, not shown: it may be a secret typed after a flag
 * (`app reset-pin --pin 1234`), and the error goes to a terminal or a log.
 */
export function parse(args: string[], flags: Flags, allowPositionals = false): { values: Record<string, string | undefined>; positionals: string[] } {
  const options = { home: { type: 'string' as const }, ...flags };
  try {
    const r = parseArgs({ args, options, allowPositionals, strict: true });
    return { values: r.values as Record<string, string | undefined>, positionals: r.positionals };
  } catch (err) {
    // node's wording of a positional argument where none is taken (its code is node's, not ours).
    if (err instanceof Error && /^Unexpected argument /.test(err.message)) {
      const tokens = parseArgs({ args, options, allowPositionals: true, strict: false, tokens: true }).tokens;
      const at = tokens.find((t) => t.kind === 'positional')?.index;
      throw new UsageError(`unexpected argument${at === undefined ? '' : ` ${at + 1} after the command`} (not shown): this command takes none, and secrets never go on the command line`);
    }
    throw new UsageError(err instanceof Error ? err.message.replace(/^TypeError \[\w+\]: /, '') : String(err));
  }
}

export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing --${flag}`);
  return value;
}
