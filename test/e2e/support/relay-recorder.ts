import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { FetchLike } from '../../../src/devices/phone/index.js';
import { close, listen } from '../../../src/services/http/index.js';
import { freePort } from '../../helpers/net.js';

/**
 * What passes between a phone and the system, seen from the wire (test helper, no test of its own): a
 * `fetch` for a phone that records every exchange, and a forwarding HTTP proxy on 127.0.0.1 for a phone
 * in another process (the CLI's). Tests read the relay's documents from it, e.g. the temporary PIN and
 * password the SP-TSM handed the app, to look for them afterwards where the user could see them.
 */

export interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly request: string;
  readonly status: number;
  readonly response: string;
}

/** A phone network that records each request and its answer, and may hold a request before sending it (`before`). */
export function recordingFetch(exchanges: Exchange[], before?: (method: string, path: string) => Promise<void>, inner: FetchLike = (i, o) => fetch(i, o)): FetchLike {
  return async (input, init) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    const method = init?.method ?? 'GET';
    await before?.(method, url.pathname);
    const res = await inner(input, init);
    const text = await res.text();
    exchanges.push({ method, path: url.pathname, request: typeof init?.body === 'string' ? init.body : '', status: res.status, response: text });
    return new Response(res.status === 204 || res.status === 304 ? null : text, { status: res.status, headers: res.headers });
  };
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A forwarding proxy to `target` that records every exchange (for a phone whose server URL is the proxy's). */
export async function recordingProxy(target: string): Promise<{ url: string; exchanges: Exchange[]; stop(): Promise<void> }> {
  const exchanges: Exchange[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const request = await body(req);
      const method = req.method ?? 'GET';
      const headers: Record<string, string> = {};
      for (const h of ['content-type', 'authorization', 'accept']) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h];
      try {
        const answer = await fetch(target + (req.url ?? '/'), { method, headers, ...(method === 'GET' || method === 'HEAD' ? {} : { body: request }), signal: AbortSignal.timeout(60_000) });
        const response = Buffer.from(await answer.arrayBuffer());
        exchanges.push({ method, path: new URL(req.url ?? '/', target).pathname, request, status: answer.status, response: response.toString('utf8') });
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/octet-stream' });
        res.end(response);
      } catch (err) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(String(err));
      }
    })();
  });
  const port = await freePort();
  await listen(server, port);
  return { url: `http://127.0.0.1:${port}`, exchanges, stop: () => close(server) };
}

/** The temporary values the relay handed the app (the `temporary` member of a session document it answered). */
export function temporariesIn(exchanges: readonly Exchange[]): { pin?: string; password?: string }[] {
  const out: { pin?: string; password?: string }[] = [];
  for (const e of exchanges) {
    if (!e.path.startsWith('/tsm/v1/sessions') || !e.response.startsWith('{')) continue;
    const doc = JSON.parse(e.response) as { temporary?: { pin?: string; password?: string } };
    if (doc.temporary) out.push(doc.temporary);
  }
  return out;
}
