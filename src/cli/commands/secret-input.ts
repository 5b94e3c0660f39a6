import { createInterface } from 'node:readline';
import { secretFromEnv } from '../../services/home/index.js';
import { SecretUnavailableError } from './card.js';

export { secretFromEnv, secretInEnvironment } from '../../services/home/index.js';

let rl: ReturnType<typeof createInterface> | undefined;
let lines: AsyncIterator<string> | undefined;

/**
 * A secret for a command: from its environment variable `$ENV`, or the file `$ENV_FILE` names (its
 * first line; refused when others may read it or it is empty: `ERR_HOME_SECRET_FILE`), else the next
 * line of standard input (a terminal, or a pipe: `printf '1234\n1234\n' | jpki-mobile app issue …`).
 * Never a flag (style: secrets from files or env, never flags), never echoed, never logged.
 */
export async function secretInput(env: string, what: string, io: { err(text: string): void }): Promise<string> {
  const value = secretFromEnv(env);
  if (value !== undefined) return value;
  const line = await nextLine(what, io);
  if (line === undefined) throw new SecretUnavailableError('ERR_CLI_SECRET_UNAVAILABLE', `no ${what}: set $${env} or $${env}_FILE, or give it on standard input`);
  return line;
}

/**
 * Reads every secret the environment gives for these variables now, before the command acts: a bad
 * `_FILE` (open to others, empty, missing, or given with the variable) is refused at the start
 * (`ERR_HOME_SECRET_FILE`), not half-way through a flow whose steps cannot be undone.
 */
export function checkSecretSources(envs: readonly string[]): void {
  for (const env of envs) secretFromEnv(env);
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
