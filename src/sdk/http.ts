import { RelyingPartyError } from './errors.js';

/** The fetch a relying party gives the SDK (the global one by default): status sources are reached through it only. */
export type FetchFunction = (url: string, init: { method: string; headers: Record<string, string>; body?: Uint8Array; signal: AbortSignal }) => Promise<Response>;

export interface FetchLimits {
  readonly timeoutMs: number;
  readonly maxBytes: number;
}

/**
 * One HTTP exchange for a status source: a 2xx answer whose body is read whole within `timeoutMs`
 * (connection, headers and body together) and `maxBytes`. Failures are ERR_RP_FETCH_* errors, which
 * the status checker records as attempts and never throws to the caller.
 */
export async function fetchBytes(
  fetchFn: FetchFunction,
  url: string,
  init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: Uint8Array },
  limits: FetchLimits,
): Promise<Uint8Array> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  try {
    const res = await fetchFn(url, { ...init, signal });
    if (res.status < 200 || res.status > 299) {
      await res.body?.cancel().catch(() => undefined);
      throw new RelyingPartyError('ERR_RP_FETCH_HTTP_STATUS', `${url} answered HTTP ${res.status}`);
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > limits.maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw new RelyingPartyError('ERR_RP_FETCH_TOO_LARGE', `${url} announces ${declared} bytes (at most ${limits.maxBytes})`);
    }
    if (res.body === null) return new Uint8Array(0);
    const chunks: Uint8Array[] = [];
    let total = 0;
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limits.maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new RelyingPartyError('ERR_RP_FETCH_TOO_LARGE', `${url} sent more than ${limits.maxBytes} bytes`);
      }
      chunks.push(value);
    }
    const out = new Uint8Array(total);
    let pos = 0;
    for (const c of chunks) {
      out.set(c, pos);
      pos += c.length;
    }
    return out;
  } catch (err) {
    if (err instanceof RelyingPartyError) throw err;
    if (signal.aborted) throw new RelyingPartyError('ERR_RP_FETCH_TIMEOUT', `${url} did not answer within ${limits.timeoutMs} ms`, { cause: err });
    throw new RelyingPartyError('ERR_RP_FETCH_FAILED', `${url} could not be fetched: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
}
