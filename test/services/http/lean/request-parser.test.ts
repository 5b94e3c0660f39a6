import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PARSER_LIMITS } from '../../../../src/services/http/lean/index.js';
import { latin1, parseChunks, split } from './helpers.js';

const OCSP = Buffer.from('304b3049304730453043300906052b0e03021a0500041490aa8a097d8b466fad2937837884f12e0489bf29041403421a89b76fe8385baccf6413f01b5bb13521c8020a57ea1824803be881ac15', 'hex');

function post(body: Uint8Array, extra = ''): Buffer {
  return Buffer.concat([latin1(`POST /ocsp/auth HTTP/1.1\r\nHost: 127.0.0.1:8420\r\nContent-Type: application/ocsp-request\r\nContent-Length: ${body.length}\r\n${extra}\r\n`), body]);
}

describe('lean HTTP request parser: well-formed requests (RFC 9112)', () => {
  it('reads an OCSP POST: method, target, version, framing, media type, persistence, body', () => {
    const r = parseChunks([post(OCSP)]);
    assert.equal(r.requests.length, 1);
    assert.equal(r.partial, false);
    const { head, body } = r.requests[0]!;
    assert.deepEqual(head, { method: 'POST', target: '/ocsp/auth', minor: 1, contentLength: OCSP.length, chunked: false, contentType: 'application/ocsp-request', keepAlive: true, expectContinue: false });
    assert.deepEqual(body, OCSP);
  });

  it('gives the same result whatever the cuts between reads, down to one byte at a time', () => {
    const bytes = post(OCSP);
    const whole = parseChunks([bytes]);
    for (let cut = 1; cut < bytes.length; cut++) assert.deepEqual(parseChunks(split(bytes, [cut])), whole, `cut at ${cut}`);
    assert.deepEqual(parseChunks([...bytes].map((b) => Uint8Array.of(b))), whole);
  });

  it('reads pipelined requests in order, bodies and all, and stops at a partial one', () => {
    const get = latin1('GET /ocsp/sign/MEIw HTTP/1.1\r\nHost: x\r\n\r\n');
    const r = parseChunks([Buffer.concat([post(OCSP), get, post(Buffer.from('abc')), latin1('POST /ocsp HTTP/1.1\r\nHo')])]);
    assert.deepEqual(r.requests.map((x) => [x.head.method, x.head.target, x.body.toString('hex')]), [
      ['POST', '/ocsp/auth', OCSP.toString('hex')],
      ['GET', '/ocsp/sign/MEIw', ''],
      ['POST', '/ocsp/auth', '616263'],
    ]);
    assert.equal(r.partial, true);
  });

  it('decodes a chunked body, with extensions and trailers (RFC 9112 7.1)', () => {
    const bytes = latin1(`POST /ocsp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4;name=value\r\n${OCSP.toString('latin1', 0, 4)}\r\n${(OCSP.length - 4).toString(16).toUpperCase()}\r\n${OCSP.toString('latin1', 4)}\r\n0\r\nX-Trailer: 1\r\n\r\n`);
    const r = parseChunks([bytes]);
    assert.equal(r.requests.length, 1);
    assert.equal(r.requests[0]!.head.chunked, true);
    assert.deepEqual(r.requests[0]!.body, OCSP);
    for (let cut = 1; cut < bytes.length; cut += 3) assert.deepEqual(parseChunks(split(bytes, [cut, cut + 1])), r);
  });

  it('applies the persistence rules: HTTP/1.1 keeps alive unless close, HTTP/1.0 closes unless keep-alive (RFC 9112 9.3)', () => {
    const cases: [string, boolean][] = [
      ['GET /ocsp/a/b HTTP/1.1\r\nHost: x\r\n\r\n', true],
      ['GET /ocsp/a/b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', false],
      ['GET /ocsp/a/b HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, CLOSE\r\n\r\n', false],
      ['GET /ocsp/a/b HTTP/1.0\r\n\r\n', false],
      ['GET /ocsp/a/b HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n', true],
      ['GET /ocsp/a/b HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n', false],
      ['GET /ocsp/a/b HTTP/1.1\r\nHost: x\r\nConnection: ,,keep-alive ,\r\n\r\n', true],
      ['GET /ocsp/a/b HTTP/1.9\r\nHost: x\r\n\r\n', true],
    ];
    for (const [text, keepAlive] of cases) {
      const r = parseChunks([latin1(text)]);
      assert.equal(r.requests[0]?.head.keepAlive, keepAlive, JSON.stringify(text));
    }
  });

  it('skips empty lines before a request line (RFC 9112 2.2), accepts repeated equal Content-Length values (RFC 9110 8.6)', () => {
    const r = parseChunks([latin1('\r\n\r\nPOST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc')]);
    assert.equal(r.requests.length, 1);
    assert.equal(r.requests[0]!.body.toString(), 'abc');
  });

  it('notes Expect: 100-continue on HTTP/1.1 only (RFC 9110 10.1.1: ignored in HTTP/1.0)', () => {
    assert.equal(parseChunks([latin1('POST /ocsp HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 0\r\n\r\n')]).requests[0]!.head.expectContinue, true);
    assert.equal(parseChunks([latin1('POST /ocsp HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n')]).requests[0]!.head.expectContinue, false);
  });

  it('keeps the request-target exactly as sent (percent-escapes, "//", query)', () => {
    const target = '/ocsp/auth/MEIw%2BQDA//AB+cd==?x=1';
    assert.equal(parseChunks([latin1(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`)]).requests[0]!.head.target, target);
  });
});

describe('lean HTTP request parser: hostile and malformed input gets a specific status and code', () => {
  const long = (n: number) => 'a'.repeat(n);
  const table: [string, string | Buffer, number, string][] = [
    ['no method', ' /ocsp HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'ERR_HTTP_REQUEST_LINE'],
    ['two spaces after the method', 'GET  /ocsp HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'ERR_HTTP_REQUEST_LINE'],
    ['a control character in the target', 'GET /ocsp\x01 HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'ERR_HTTP_REQUEST_LINE'],
    ['raw non-ASCII in the target', Buffer.concat([latin1('GET /ocsp/'), Buffer.from('é'), latin1(' HTTP/1.1\r\nHost: x\r\n\r\n')]), 400, 'ERR_HTTP_REQUEST_LINE'],
    ['no version', 'GET /ocsp\r\nHost: x\r\n\r\n', 400, 'ERR_HTTP_REQUEST_LINE'],
    ['a lower-case version', 'GET /ocsp http/1.1\r\nHost: x\r\n\r\n', 400, 'ERR_HTTP_REQUEST_LINE'],
    ['a version with two digits', 'GET /ocsp HTTP/1.10\r\nHost: x\r\n\r\n', 400, 'ERR_HTTP_REQUEST_LINE'],
    ['HTTP/2.0', 'GET /ocsp HTTP/2.0\r\nHost: x\r\n\r\n', 505, 'ERR_HTTP_VERSION'],
    ['HTTP/0.9', 'GET /ocsp HTTP/0.9\r\n\r\n', 505, 'ERR_HTTP_VERSION'],
    ['a method longer than 16', `${long(17).toUpperCase()} /ocsp HTTP/1.1\r\nHost: x\r\n\r\n`, 400, 'ERR_HTTP_REQUEST_LINE'],
    ['a bare LF ending the request line', 'GET /ocsp HTTP/1.1\nHost: x\r\n\r\n', 400, 'ERR_HTTP_REQUEST_LINE'],
    ['a bare LF ending a field', 'GET /ocsp HTTP/1.1\r\nHost: x\n\r\n', 400, 'ERR_HTTP_HEADER'],
    ['a bare CR in a field value', 'GET /ocsp HTTP/1.1\r\nHost: x\rY\r\n\r\n', 400, 'ERR_HTTP_HEADER'],
    ['whitespace before the colon (RFC 9112 5.1)', 'GET /ocsp HTTP/1.1\r\nHost : x\r\n\r\n', 400, 'ERR_HTTP_HEADER'],
    ['obs-fold (RFC 9112 5.2)', 'GET /ocsp HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n', 400, 'ERR_HTTP_HEADER'],
    ['a field without a colon', 'GET /ocsp HTTP/1.1\r\nHost: x\r\nnocolon\r\n\r\n', 400, 'ERR_HTTP_HEADER'],
    ['NUL in a field value', 'GET /ocsp HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n', 400, 'ERR_HTTP_HEADER'],
    ['DEL in a field value', 'GET /ocsp HTTP/1.1\r\nHost: x\r\nX-A: a\x7fb\r\n\r\n', 400, 'ERR_HTTP_HEADER'],
    ['two Content-Types', 'POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Type: a/b\r\nContent-Type: c/d\r\n\r\n', 400, 'ERR_HTTP_HEADER'],
    ['HTTP/1.1 without Host', 'GET /ocsp HTTP/1.1\r\n\r\n', 400, 'ERR_HTTP_HOST'],
    ['two Hosts', 'GET /ocsp HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400, 'ERR_HTTP_HOST'],
    ['a Host with a path', 'GET /ocsp HTTP/1.1\r\nHost: a/b\r\n\r\n', 400, 'ERR_HTTP_HOST'],
    ['a Host with a space', 'GET /ocsp HTTP/1.1\r\nHost: a b\r\n\r\n', 400, 'ERR_HTTP_HOST'],
    ['Content-Length not a number', 'POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: 1e3\r\n\r\n', 400, 'ERR_HTTP_CONTENT_LENGTH'],
    ['a signed Content-Length', 'POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc', 400, 'ERR_HTTP_CONTENT_LENGTH'],
    ['an empty Content-Length', 'POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n', 400, 'ERR_HTTP_CONTENT_LENGTH'],
    ['Content-Length values that disagree', 'POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd', 400, 'ERR_HTTP_CONTENT_LENGTH'],
    ['a Content-Length list that disagrees', 'POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 4\r\n\r\nabcd', 400, 'ERR_HTTP_CONTENT_LENGTH'],
    ['Content-Length and chunked (smuggling, RFC 9112 6.1)', 'POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400, 'ERR_HTTP_FRAMING'],
    ['chunked in HTTP/1.0', 'POST /ocsp HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400, 'ERR_HTTP_FRAMING'],
    ['chunked twice', 'POST /ocsp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n', 400, 'ERR_HTTP_FRAMING'],
    ['gzip then chunked', 'POST /ocsp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n', 501, 'ERR_HTTP_TRANSFER_CODING'],
    ['chunked not last', 'POST /ocsp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n', 501, 'ERR_HTTP_TRANSFER_CODING'],
    ['a chunk size that is not hex', 'POST /ocsp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400, 'ERR_HTTP_CHUNK'],
    ['chunk data longer than its size', 'POST /ocsp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n', 400, 'ERR_HTTP_CHUNK'],
    ['a chunk line ending with a bare LF', 'POST /ocsp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n', 400, 'ERR_HTTP_CHUNK'],
    ['a control character in a chunk extension', 'POST /ocsp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;a\x00\r\nabc\r\n', 400, 'ERR_HTTP_CHUNK'],
    ['a chunk extension of 2 KiB', `POST /ocsp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;${long(2048)}\r\nabc\r\n`, 400, 'ERR_HTTP_CHUNK'],
    ['a chunked body over 16 KiB, announced in one size', 'POST /ocsp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n100000\r\n', 413, 'ERR_HTTP_BODY_TOO_LARGE'],
    ['a chunked body over 16 KiB, in small chunks', `POST /ocsp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${`400\r\n${long(1024)}\r\n`.repeat(17)}`, 413, 'ERR_HTTP_BODY_TOO_LARGE'],
    ['a size of 40 hex digits', `POST /ocsp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${'f'.repeat(40)}\r\n`, 413, 'ERR_HTTP_BODY_TOO_LARGE'],
    ['a trailer section of 8 KiB', `POST /ocsp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: ${long(8192)}\r\n\r\n`, 431, 'ERR_HTTP_HEADERS_TOO_LARGE'],
    ['Content-Length over 16 KiB', 'POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: 16385\r\n\r\n', 413, 'ERR_HTTP_BODY_TOO_LARGE'],
    ['Content-Length of 30 digits', `POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: ${'9'.repeat(30)}\r\n\r\n`, 413, 'ERR_HTTP_BODY_TOO_LARGE'],
    ['a request line of 5 KiB', `GET /ocsp/${long(5000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414, 'ERR_HTTP_URI_TOO_LONG'],
    ['a request line of 5 KiB not ended', `GET /ocsp/${long(5000)}`, 414, 'ERR_HTTP_URI_TOO_LONG'],
    ['a head of 9 KiB', `GET /ocsp HTTP/1.1\r\nHost: x\r\nX-A: ${long(9000)}\r\n\r\n`, 431, 'ERR_HTTP_HEADERS_TOO_LARGE'],
    ['65 header fields', `GET /ocsp HTTP/1.1\r\nHost: x\r\n${'X-A: 1\r\n'.repeat(64)}\r\n`, 431, 'ERR_HTTP_HEADERS_TOO_LARGE'],
    ['an Expect other than 100-continue', 'POST /ocsp HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 0\r\n\r\n', 417, 'ERR_HTTP_EXPECTATION'],
  ];
  for (const [name, input, status, code] of table) {
    it(name, () => {
      const bytes = typeof input === 'string' ? latin1(input) : input;
      const whole = parseChunks([bytes]);
      assert.deepEqual(whole.error, { status, code });
      assert.deepEqual(whole.requests, []);
      // The same answer when the bytes trickle in.
      assert.deepEqual(parseChunks(split(bytes, [1, 7, 20, 64, 500, 4100, 8200])).error, { status, code });
    });
  }

  it('holds no more than the head limit while a head never ends (one byte at a time costs linear time)', () => {
    const started = performance.now();
    const bytes = latin1(`GET /ocsp HTTP/1.1\r\nHost: x\r\nX-A: ${'a'.repeat(DEFAULT_PARSER_LIMITS.maxHeadBytes)}`);
    const r = parseChunks([...bytes].map((b) => Uint8Array.of(b)));
    assert.deepEqual(r.error, { status: 431, code: 'ERR_HTTP_HEADERS_TOO_LARGE' });
    assert.ok(performance.now() - started < 2_000, 'linear, not quadratic');
  });
});
