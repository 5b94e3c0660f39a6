import assert from 'node:assert/strict';
import type { JpkiHarness } from '../../../helpers/jpki.js';
import { assertUnchanged, snapshot } from './store.js';

/** One bad request and the problem it must be answered with. */
export interface BadCase {
  readonly name: string;
  readonly method?: string;
  /** Path as sent (not normalised by the client). */
  readonly path: string;
  /** A JSON value sent as application/json. */
  readonly json?: unknown;
  /** A body sent as is (with `contentType`, if any). */
  readonly raw?: string | Uint8Array;
  /** Content type for `raw` (none when absent). */
  readonly contentType?: string;
  /** Bearer token; null for none; default: the table's. */
  readonly token?: string | null;
  /** A whole Authorization header instead of a bearer token. */
  readonly authorization?: string;
  readonly status: number;
  readonly code: string;
}

export interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly bytes: Uint8Array;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any;
}

/** A request with full control of method, path, body, content type and Authorization. */
export async function send(base: string, c: Omit<BadCase, 'name' | 'status' | 'code'>, defaultToken?: string): Promise<Answer> {
  const headers: Record<string, string> = {};
  const token = c.token === undefined ? defaultToken : c.token;
  if (c.authorization !== undefined) headers.authorization = c.authorization;
  else if (token) headers.authorization = `Bearer ${token}`;
  let body: string | Uint8Array | undefined;
  if (c.json !== undefined) {
    body = JSON.stringify(c.json);
    headers['content-type'] = 'application/json';
  } else if (c.raw !== undefined) {
    body = typeof c.raw === 'string' ? new TextEncoder().encode(c.raw) : c.raw;
    if (c.contentType !== undefined) headers['content-type'] = c.contentType;
  }
  const res = await fetch(base + c.path, { method: c.method ?? (body === undefined ? 'GET' : 'POST'), headers, ...(body !== undefined ? { body } : {}) });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const contentType = res.headers.get('content-type') ?? '';
  return { status: res.status, contentType, bytes, json: contentType.includes('json') ? JSON.parse(Buffer.from(bytes).toString('utf8')) : undefined };
}

/** Sends each case and asserts its status, a problem+json body with its code, and that nothing was written. */
export async function expectProblems(h: JpkiHarness, cases: readonly BadCase[], defaultToken?: string): Promise<void> {
  for (const c of cases) {
    const before = await snapshot(h.db);
    const res = await send(h.url, c, defaultToken);
    const label = `${c.name} (${c.method ?? (c.json !== undefined || c.raw !== undefined ? 'POST' : 'GET')} ${c.path.slice(0, 80)})`;
    assert.equal(res.status, c.status, `${label}: ${Buffer.from(res.bytes).toString('utf8').slice(0, 300)}`);
    assert.equal(res.contentType, 'application/problem+json', label);
    assert.equal(res.json.code, c.code, label);
    assert.equal(res.json.status, c.status, label);
    assert.equal(res.json.type, `urn:jpki-mobile:problem:${c.code}`, label);
    await assertUnchanged(h.db, before, label);
  }
}

/** The same token checks for every operator endpoint: none, malformed, unknown, disabled, wrong role. */
export function tokenCases(path: string, method: string, body: unknown, tokens: { disabled: string; wrongRole: string }): BadCase[] {
  const base = { path, method, ...(body !== undefined ? { json: body } : {}) };
  return [
    { ...base, name: 'no Authorization', token: null, status: 401, code: 'ERR_JPKI_UNAUTHENTICATED' },
    { ...base, name: 'Basic instead of Bearer', authorization: 'Basic YWRtaW46YWRtaW4=', status: 401, code: 'ERR_JPKI_UNAUTHENTICATED' },
    { ...base, name: 'a bearer token too short', authorization: 'Bearer abc', status: 401, code: 'ERR_JPKI_UNAUTHENTICATED' },
    { ...base, name: 'a bearer token with spaces', authorization: 'Bearer jpki_admin token with spaces', status: 401, code: 'ERR_JPKI_UNAUTHENTICATED' },
    { ...base, name: 'an unknown token', token: 'jpki_office_unknownunknownunknownunknown', status: 401, code: 'ERR_JPKI_UNAUTHENTICATED' },
    { ...base, name: 'a disabled operator', token: tokens.disabled, status: 401, code: 'ERR_JPKI_UNAUTHENTICATED' },
    { ...base, name: 'the wrong role', token: tokens.wrongRole, status: 403, code: 'ERR_JPKI_FORBIDDEN' },
  ];
}

/** The same body checks for every JSON endpoint. */
export function jsonCases(path: string, valid: Record<string, unknown>, maxBody = 64 * 1024): BadCase[] {
  const key = Object.keys(valid)[0]!;
  const { [key]: _dropped, ...missing } = valid;
  return [
    { name: 'malformed JSON', path, raw: '{"' + key + '": ', contentType: 'application/json', status: 400, code: 'ERR_HTTP_JSON' },
    { name: 'an empty body', path, raw: '', contentType: 'application/json', status: 400, code: 'ERR_HTTP_JSON' },
    { name: 'JSON as text/plain', path, raw: JSON.stringify(valid), contentType: 'text/plain', status: 415, code: 'ERR_HTTP_MEDIA_TYPE' },
    { name: 'JSON as form data', path, raw: JSON.stringify(valid), contentType: 'application/x-www-form-urlencoded', status: 415, code: 'ERR_HTTP_MEDIA_TYPE' },
    { name: 'no content type', path, raw: JSON.stringify(valid), status: 415, code: 'ERR_HTTP_MEDIA_TYPE' },
    { name: 'an array', path, json: [valid], status: 400, code: 'ERR_REQUEST_FIELD' },
    { name: 'a string', path, json: 'hello', status: 400, code: 'ERR_REQUEST_FIELD' },
    { name: 'null', path, json: null, status: 400, code: 'ERR_REQUEST_FIELD' },
    { name: `${key} missing`, path, json: missing, status: 400, code: 'ERR_REQUEST_FIELD' },
    { name: 'an unknown member', path, json: { ...valid, extra: true }, status: 400, code: 'ERR_REQUEST_FIELD' },
    { name: `${key} of the wrong type`, path, json: { ...valid, [key]: 12345 }, status: 400, code: 'ERR_REQUEST_FIELD' },
    { name: `${key} null`, path, json: { ...valid, [key]: null }, status: 400, code: 'ERR_REQUEST_FIELD' },
    { name: 'a body over the limit', path, raw: JSON.stringify({ ...valid, padding: 'x'.repeat(maxBody) }), contentType: 'application/json', status: 413, code: 'ERR_HTTP_BODY_TOO_LARGE' },
  ];
}
