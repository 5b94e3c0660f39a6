import { createInterface } from 'node:readline';
import { SecretUnavailableError } from './card.js';

let rl: ReturnType<typeof createInterface> | undefined;
let lines: AsyncIterator<string> | undefined;

/**
 * A secret for a command: from its environment variable, else the next line of standard input (a
 * terminal, or a pipe: `printf '1234\n1234\n' | jpki-mobile app issue …`). Never a flag (style: secrets
 * from files or env, never flags), never echoed, never logged.
 */
export async function secretInput(env: string, what: string, io: { err(text: string): void }): Promise<string> {
  const value = process.env[env];
  if (value !== undefined && value !== '') return value;
  const line = await nextLine(what, io);
  if (line === undefined) throw new SecretUnavailableError('ERR_CLI_SECRET_UNAVAILABLE', `no ${what}: set $${env}, or give it on standard input`);
  return line;
}

/** The next line of standard input (trimmed), after a prompt on a terminal; undefined at its end. */
export async function nextLine(prompt: string, io: { err(text: string): void }): Promise<string | undefined> {
  if (process.stdin.isTTY) io.err(`${prompt}: `);
  if (!lines) {
    rl = createInterface({ input: process.stdin, terminal: false });
    lines = rl[Symbol.asyncIterator]();
  }
  const next = await lines.next();
  return next.done ? undefined : next.value.trim();
}

/** Lets go of standard input (so the process can end while a terminal is attached). */
export function closeSecretInput(): void {
  rl?.close();
  rl = undefined;
  lines = undefined;
}
