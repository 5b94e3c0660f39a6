import { JpkiMobileError } from '../../errors/index.js';

/**
 * Failures of the phone and app commands that are not the app's own (`AppError`): `ERR_CLI_PHONE` (the
 * phone's folder, the server), `ERR_CLI_NOT_CONFIRMED` (an irreversible step the user did not confirm).
 */
export class AppCliError extends JpkiMobileError<'ERR_CLI_PHONE' | 'ERR_CLI_NOT_CONFIRMED'> {}

/** POSTs JSON with a bearer token; anything but `expected` is `ERR_CLI_PHONE` with the problem's code. */
export async function postJson(url: string, body: unknown, token: string | undefined, expected: number): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  } catch (cause) {
    throw new AppCliError('ERR_CLI_PHONE', `${url} cannot be reached: is the system running?`, { cause });
  }
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: reported by status below
  }
  if (res.status !== expected) throw new AppCliError('ERR_CLI_PHONE', `${url} answered ${res.status} ${String(json.code ?? '')} ${String(json.detail ?? '')}`.trim());
  return json;
}
