import { PushClientError, isServerCode } from './errors.js';

/** Where and how a client reaches the push service. */
export interface PushClientOptions {
  /** The system's base URL, e.g. `http://127.0.0.1:8420` (the client adds `/push/v1/…`). */
  readonly baseUrl: string;
  /** Time limit of one request in milliseconds (default 10 s; a poll adds its wait). */
  readonly timeoutMs?: number;
  /** The fetch to use (default: the global one). */
  readonly fetch?: typeof fetch;
}

export interface CallOptions {
  readonly bearer?: string;
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

/** Largest answer a client reads (a poll of 100 messages of 4 KiB is about 450 KB). */
const MAX_ANSWER = 2 * 1024 * 1024;

function retryAfter(header: string | null): number | undefined {
  if (header === null || !/^[0-9]{1,6}$/.test(header)) return undefined;
  return Number(header) * 1000;
}

/**
 * One JSON call: the answer's JSON on 2xx; otherwise a PushClientError with the service's problem code
 * (RFC 9457 problem+json), or a client code when there is no usable answer.
 */
export async function call<T>(options: PushClientOptions, method: string, path: string, c: CallOptions = {}): Promise<T> {
  const timeoutMs = c.timeoutMs ?? options.timeoutMs ?? 10_000;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = c.signal ? AbortSignal.any([c.signal, timeout]) : timeout;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (c.bearer !== undefined) headers.authorization = `Bearer ${c.bearer}`;
  if (c.body !== undefined) headers['content-type'] = 'application/json';
  const url = options.baseUrl.replace(/\/+$/, '') + path;
  let res: globalThis.Response;
  let bytes: Uint8Array;
  try {
    res = await (options.fetch ?? fetch)(url, { method, headers, signal, ...(c.body !== undefined ? { body: JSON.stringify(c.body) } : {}) });
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > MAX_ANSWER) throw new PushClientError('ERR_PUSH_CLIENT_PROTOCOL', `an answer of ${declared} bytes`, { status: res.status });
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    if (err instanceof PushClientError) throw err;
    if (c.signal?.aborted) throw new PushClientError('ERR_PUSH_CLIENT_ABORTED', `${method} ${path}: aborted`, { cause: err });
    if (timeout.aborted) throw new PushClientError('ERR_PUSH_CLIENT_TIMEOUT', `${method} ${path}: no answer within ${timeoutMs} ms`, { cause: err });
    throw new PushClientError('ERR_PUSH_CLIENT_NETWORK', `${method} ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const type = res.headers.get('content-type') ?? '';
  let parsed: unknown;
  try {
    parsed = type.includes('json') ? JSON.parse(Buffer.from(bytes).toString('utf8')) : undefined;
  } catch (err) {
    throw new PushClientError('ERR_PUSH_CLIENT_PROTOCOL', `${method} ${path}: the answer is not valid JSON`, { status: res.status, cause: err });
  }
  if (res.ok) {
    if (typeof parsed !== 'object' || parsed === null) throw new PushClientError('ERR_PUSH_CLIENT_PROTOCOL', `${method} ${path}: expected a JSON object`, { status: res.status });
    return parsed as T;
  }
  const problem = parsed as { code?: unknown; detail?: unknown } | undefined;
  const detail = typeof problem?.detail === 'string' ? problem.detail : `HTTP ${res.status}`;
  const extra = { status: res.status, ...(retryAfter(res.headers.get('retry-after')) !== undefined ? { retryAfterMs: retryAfter(res.headers.get('retry-after'))! } : {}) };
  if (type.startsWith('application/problem+json') && isServerCode(problem?.code)) throw new PushClientError(problem.code, detail, extra);
  throw new PushClientError('ERR_PUSH_CLIENT_PROTOCOL', `${method} ${path}: HTTP ${res.status} ${detail}`, extra);
}
