import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { latin1, parseChunks, split } from './helpers.js';

/**
 * Properties of the lean parser against a model of the requests it is given, written here
 * independently: whatever the bytes, only typed errors; whatever the cuts between reads, the same
 * requests; pipelined requests come out in order with their bodies.
 */

const CODES = new Set([
  'ERR_HTTP_REQUEST_LINE',
  'ERR_HTTP_URI_TOO_LONG',
  'ERR_HTTP_HEADER',
  'ERR_HTTP_HEADERS_TOO_LARGE',
  'ERR_HTTP_HOST',
  'ERR_HTTP_VERSION',
  'ERR_HTTP_CONTENT_LENGTH',
  'ERR_HTTP_FRAMING',
  'ERR_HTTP_TRANSFER_CODING',
  'ERR_HTTP_CHUNK',
  'ERR_HTTP_EXPECTATION',
  'ERR_HTTP_BODY_TOO_LARGE',
]);

const tchar = fc.constantFrom(...'!#$%&\'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'.split(''));
const token = (max: number) => fc.array(tchar, { minLength: 1, maxLength: max }).map((a) => a.join(''));
const targetChar = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));
const target = fc.array(targetChar, { maxLength: 80 }).map((a) => '/' + a.join(''));
const fieldValue = fc.array(fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), { maxLength: 40 }).map((a) => a.join(''));
const skipped = new Set(['content-length', 'transfer-encoding', 'connection', 'content-type', 'host', 'expect']);
const extraField = fc.tuple(token(20), fieldValue).filter(([name]) => !skipped.has(name.toLowerCase()));

interface ModelRequest {
  readonly method: string;
  readonly target: string;
  readonly body: Uint8Array;
  readonly chunks: readonly number[] | undefined;
  readonly close: boolean;
  readonly fields: readonly [string, string][];
}

const request: fc.Arbitrary<ModelRequest> = fc.record({
  method: token(16),
  target,
  body: fc.uint8Array({ maxLength: 300 }),
  chunks: fc.option(fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }), { nil: undefined }),
  close: fc.boolean(),
  fields: fc.array(extraField, { maxLength: 6 }),
});

function encode(r: ModelRequest): Buffer {
  const fields = r.fields.map(([n, v]) => `${n}: ${v}\r\n`).join('');
  const head = `${r.method} ${r.target} HTTP/1.1\r\nHost: example.test\r\n${fields}${r.close ? 'Connection: close\r\n' : ''}`;
  if (r.chunks === undefined) return Buffer.concat([latin1(`${head}Content-Length: ${r.body.length}\r\n\r\n`), r.body]);
  const parts: Buffer[] = [latin1(`${head}Transfer-Encoding: chunked\r\n\r\n`)];
  let pos = 0;
  for (let i = 0; pos < r.body.length; i++) {
    const n = Math.min(r.chunks[i % r.chunks.length]!, r.body.length - pos);
    parts.push(latin1(`${n.toString(16)}\r\n`), Buffer.from(r.body.subarray(pos, pos + n)), latin1('\r\n'));
    pos += n;
  }
  parts.push(latin1('0\r\n\r\n'));
  return Buffer.concat(parts);
}

describe('lean HTTP request parser: properties', () => {
  it('any bytes, cut anywhere: requests or a typed error with a known code, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.nat(600), { maxLength: 8 }), (bytes, cuts) => {
        const r = parseChunks(split(bytes, cuts));
        if (r.error) assert.ok(CODES.has(r.error.code), r.error.code);
      }),
      { numRuns: 2000 },
    );
  });

  it('requests that look like HTTP, with damage: the same', () => {
    const damaged = fc.tuple(request, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })).map(([r, edits]) => {
      const bytes = encode(r);
      for (const [at, b] of edits) bytes[at % bytes.length] = b;
      return bytes;
    });
    fc.assert(
      fc.property(damaged, fc.array(fc.nat(800), { maxLength: 6 }), (bytes, cuts) => {
        const r = parseChunks(split(bytes, cuts));
        if (r.error) assert.ok(CODES.has(r.error.code), r.error.code);
      }),
      { numRuns: 2000 },
    );
  });

  it('pipelined requests, cut anywhere, come out in order with their method, target, body and persistence', () => {
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(3000), { maxLength: 10 }), (requests, cuts) => {
        const bytes = Buffer.concat(requests.map(encode));
        const r = parseChunks(split(bytes, cuts));
        assert.equal(r.error, undefined, JSON.stringify(r.error));
        assert.equal(r.partial, false);
        assert.deepEqual(
          r.requests.map((x) => ({ method: x.head.method, target: x.head.target, body: x.body.toString('hex'), keepAlive: x.head.keepAlive, chunked: x.head.chunked })),
          requests.map((m) => ({ method: m.method, target: m.target, body: Buffer.from(m.body).toString('hex'), keepAlive: !m.close, chunked: m.chunks !== undefined })),
        );
      }),
      { numRuns: 500 },
    );
  });
});
