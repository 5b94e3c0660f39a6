import assert from 'node:assert/strict';
import type { Queryable } from '../../../../src/store/index.js';
import { pushSnapshot } from './store.js';

/** One bad request and the problem it must be answered with. */
export interface BadCase {
  readonly name: string;
  readonly method?: string;
  readonly path: string;
  /** A JSON value sent as application/json. */
  readonly json?: unknown;
  /** A body sent as is, with `contentType` if given. */
  readonly raw?: string;
  readonly contentType?: string;
  /** Bearer token; null for none; default: the table's. */
  readonly bearer?: string | null;
  /** A whole Authorization header instead. */
  readonly authorization?: string;
  readonly status: number;
  readonly code: string;
}

/** Sends each case; asserts its status, a problem+json body with its code, and that nothing was written. */
export async function expectProblems(base: string, db: Queryable, cases: readonly BadCase[], defaultBearer?: string): Promise<void> {
  for (const c of cases) {
    const before = await pushSnapshot(db);
    const headers: Record<string, string> = {};
    const bearer = c.bearer === undefined ? defaultBearer : c.bearer;
    if (c.authorization !== undefined) headers.authorization = c.authorization;
    else if (bearer) headers.authorization = `Bearer ${bearer}`;
    let body: string | undefined;
    if (c.json !== undefined) {
      body = JSON.stringify(c.json);
      headers['content-type'] = 'application/json';
    } else if (c.raw !== undefined) {
      body = c.raw;
      if (c.contentType !== undefined) headers['content-type'] = c.contentType;
    }
    const method = c.method ?? (body === undefined ? 'GET' : 'POST');
    const res = await fetch(base + c.path, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    const label = `${c.name} (${method} ${c.path.slice(0, 90)})`;
    assert.equal(res.status, c.status, `${label}: ${text.slice(0, 300)}`);
    assert.equal(res.headers.get('content-type'), 'application/problem+json', label);
    const problem = JSON.parse(text) as { code: string; status: number; type: string };
    assert.equal(problem.code, c.code, label);
    assert.equal(problem.status, c.status, label);
    assert.equal(problem.type, `urn:jpki-mobile:problem:${c.code}`, label);
    assert.equal(await pushSnapshot(db), before, `${label}: nothing may be written`);
  }
}

/** The same body checks for every JSON endpoint (`valid`'s first member is the one tampered with). */
export function jsonCases(path: string, valid: Record<string, unknown>, maxBody: number): BadCase[] {
  const key = Object.keys(valid)[0]!;
  const { [key]: _dropped, ...missing } = valid;
  return [
    { name: 'malformed JSON', path, raw: `{"${key}": `, contentType: 'application/json', status: 400, code: 'ERR_HTTP_JSON' },
    { name: 'an empty body', path, raw: '', contentType: 'application/json', status: 400, code: 'ERR_HTTP_JSON' },
    { name: 'JSON as text/plain', path, raw: JSON.stringify(valid), contentType: 'text/plain', status: 415, code: 'ERR_HTTP_MEDIA_TYPE' },
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
