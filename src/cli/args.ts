import { parseArgs } from 'node:util';
import { UsageError } from './command.js';

export type Flags = Record<string, { type: 'string' } | { type: 'boolean' }>;

/** node:util parseArgs with usage errors instead of crashes; every command also takes --home. */
export function parse(args: string[], flags: Flags, allowPositionals = false): { values: Record<string, string | undefined>; positionals: string[] } {
  try {
    const r = parseArgs({ args, options: { home: { type: 'string' }, ...flags }, allowPositionals, strict: true });
    return { values: r.values as Record<string, string | undefined>, positionals: r.positionals };
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message.replace(/^TypeError \[\w+\]: /, '') : String(err));
  }
}

export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing --${flag}`);
  return value;
}
