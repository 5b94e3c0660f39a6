import { execFile } from 'node:child_process';

/** The system openssl the issue names (3.0 on Debian 12). */
export const OPENSSL = '/usr/bin/openssl';

export interface Run {
  /** Exit status (0 on success). */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr together (openssl splits its verdicts between them). */
  readonly out: string;
}

/**
 * Runs the real openssl asynchronously: the service under test answers from this very process, so a
 * synchronous child would leave every request it makes unanswered.
 */
export function openssl(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(OPENSSL, args, { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr, out: `${stdout}${stderr}` });
    });
  });
}
