import { readFileSync, statSync } from 'node:fs';
import { HomeError } from './errors.js';

/**
 * Where a secret comes from when it is not in the home's `secrets/` folder or asked on standard input:
 * the environment variable `VAR`, or the file named by `VAR_FILE` (the convention of container secrets:
 * the value stays out of the environment, of process listings and of shell history). Never a flag.
 *
 * A file source is refused (`ERR_HOME_SECRET_FILE`, nothing read) when it cannot be read, is not a
 * regular file, is larger than 64 KiB, is open to other users (any group or other permission bit, as
 * ssh refuses a private key: `chmod 600 FILE`), or when its value is empty. The value is the file's
 * first line without its surrounding white space (a trailing newline or CR LF is fine); a multi-line
 * secret (a PEM key) is the whole file, trimmed. Setting both `VAR` and `VAR_FILE` is refused too: the
 * secret comes from one place.
 */

const MAX_SECRET_FILE_BYTES = 65_536;

export interface SecretSourceOptions {
  /** Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** The whole file is the secret (a PEM key), not its first line. */
  readonly multiline?: boolean;
}

const given = (v: string | undefined): v is string => v !== undefined && v !== '';

/** True when `$VAR` or `$VAR_FILE` is set (not empty): the secret is not asked for. */
export function secretInEnvironment(envVar: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return given(env[envVar]) || given(env[`${envVar}_FILE`]);
}

/** The secret of `$VAR`, else of the file `$VAR_FILE` names (checked, above); undefined when neither is set. */
export function secretFromEnv(envVar: string, options: SecretSourceOptions = {}): string | undefined {
  const env = options.env ?? process.env;
  const value = env[envVar];
  const file = env[`${envVar}_FILE`];
  if (given(value) && given(file)) throw new HomeError('ERR_HOME_SECRET_FILE', `$${envVar} and $${envVar}_FILE are both set: give the secret one way`);
  if (given(value)) return value;
  if (given(file)) return readSecretFile(file, `$${envVar}_FILE`, options.multiline === true);
  return undefined;
}

/** A secret file's value (first line, or the whole file when `multiline`), with the checks above. */
export function readSecretFile(path: string, what: string, multiline = false): string {
  const refuse = (why: string, cause?: unknown): never => {
    throw new HomeError('ERR_HOME_SECRET_FILE', `${what}: ${path} ${why}`, cause === undefined ? undefined : { cause });
  };
  let text = '';
  try {
    const stat = statSync(path);
    if (!stat.isFile()) refuse('is not a regular file');
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) refuse(`can be read or written by other users (mode ${(stat.mode & 0o777).toString(8).padStart(4, '0')}): make it the owner's only (chmod 600)`);
    if (stat.size > MAX_SECRET_FILE_BYTES) refuse(`is larger than ${MAX_SECRET_FILE_BYTES} bytes: not a secret file`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof HomeError) throw err;
    refuse(`cannot be read (${(err as { code?: string }).code ?? 'error'})`, err);
  }
  const value = multiline ? text.trim() : (text.split(/\r?\n/, 1)[0] ?? '').trim();
  if (value === '') refuse(multiline ? 'is empty' : 'has nothing on its first line');
  return value;
}
