/** What a command writes to; the real process streams in production, buffers in tests. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

/** A CLI command: a name, a one-line summary, its full usage text, and what it does. */
export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** Returns the process exit code. */
  run(args: string[], io: Io): number | Promise<number>;
}

/** A usage mistake (unknown command or option, missing argument): exit code 2 with the usage text. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function wantsHelp(args: readonly string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}
