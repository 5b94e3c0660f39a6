import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CLOSE, KEEP_ALIVE, problemReply, ResponseEncoder, sniff, SNIFF_CLAIMED, SNIFF_MORE, SNIFF_OTHER } from '../../../../src/services/http/lean/index.js';
import { latin1 } from './helpers.js';

const PREFIXES = [latin1('/ocsp')];
const sniffText = (s: string) => sniff(latin1(s), 0, PREFIXES, 16);

describe('lean HTTP server: which requests it claims', () => {
  it('claims the prefix followed by "/", "?" or the end of the target, and nothing else', () => {
    const table: [string, number][] = [
      ['POST /ocsp HTTP/1.1', SNIFF_CLAIMED],
      ['POST /ocsp/auth HTTP/1.1', SNIFF_CLAIMED],
      ['GET /ocsp/auth/MEIw HTTP/1.1', SNIFF_CLAIMED],
      ['GET /ocsp?x HTTP/1.1', SNIFF_CLAIMED],
      ['PUT /ocsp ', SNIFF_CLAIMED],
      ['\r\nPOST /ocsp ', SNIFF_CLAIMED],
      ['GET /ocspx HTTP/1.1', SNIFF_OTHER],
      ['GET /OCSP HTTP/1.1', SNIFF_OTHER],
      ['GET /%6Fcsp HTTP/1.1', SNIFF_OTHER],
      ['GET / HTTP/1.1', SNIFF_OTHER],
      ['GET /ca/auth/1.crt HTTP/1.1', SNIFF_OTHER],
      ['GET http://host/ocsp HTTP/1.1', SNIFF_OTHER],
      ['\x16\x03\x01\x02\x00', SNIFF_OTHER],
      ['GET\t/ocsp', SNIFF_OTHER],
      [' /ocsp', SNIFF_OTHER],
      ['\r\n\r\n\r\n\r\n\r\nPOST /ocsp ', SNIFF_OTHER],
      ['\rX', SNIFF_OTHER],
      [`${'A'.repeat(17)} /ocsp `, SNIFF_OTHER],
      ['', SNIFF_MORE],
      ['P', SNIFF_MORE],
      ['POST', SNIFF_MORE],
      ['POST ', SNIFF_MORE],
      ['POST /oc', SNIFF_MORE],
      ['POST /ocsp', SNIFF_MORE],
      ['\r', SNIFF_MORE],
      ['\r\n', SNIFF_MORE],
    ];
    for (const [text, expected] of table) assert.equal(sniffText(text), expected, JSON.stringify(text));
  });

  it('reads from the given offset, and decides within the method, a space and the prefix plus one byte', () => {
    assert.equal(sniff(latin1('xxPOST /ocsp/a'), 2, PREFIXES, 16), SNIFF_CLAIMED);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (a, b) => {
        const first = sniff(a, 0, PREFIXES, 16);
        // A decision never changes with more bytes; "more" only while the bytes are that short.
        if (first !== SNIFF_MORE) assert.equal(sniff(Buffer.concat([a, b]), 0, PREFIXES, 16), first);
        else assert.ok(a.length <= 4 * 2 + 16 + 1 + 5);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('lean HTTP server: response encoding', () => {
  const body = Uint8Array.from([0x30, 0x03, 0x0a, 0x01, 0x01]);
  const reply = { status: 200, contentType: 'application/ocsp-response', body };

  it('writes status line, Content-Type, Content-Length, Date, the connection fields and the body', () => {
    const encoder = new ResponseEncoder(5_000);
    const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    assert.equal(
      encoder.encode(reply, KEEP_ALIVE, at).toString('latin1'),
      'HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\nContent-Length: 5\r\nDate: Fri, 02 Jan 2026 03:04:05 GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n0\x03\n\x01\x01',
    );
    assert.equal(
      encoder.encode(reply, CLOSE, at + 1_000).toString('latin1'),
      'HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\nContent-Length: 5\r\nDate: Fri, 02 Jan 2026 03:04:06 GMT\r\nConnection: close\r\n\r\n0\x03\n\x01\x01',
    );
  });

  it('gives every answer bytes of its own (never a slice another answer reuses)', () => {
    const encoder = new ResponseEncoder(5_000);
    const outs = Array.from({ length: 200 }, (_, i) => encoder.encode({ ...reply, body: new Uint8Array(700).fill(i) }, KEEP_ALIVE, 0));
    for (const [i, out] of outs.entries()) {
      assert.equal(out[out.length - 1], i & 0xff);
      assert.equal(out[out.length - 700], i & 0xff);
    }
  });

  it('encodes lengths of any size and large bodies outside the slab', () => {
    const encoder = new ResponseEncoder(5_000);
    for (const n of [0, 9, 10, 99, 100, 1_000, 9_999, 10_000, 100_000]) {
      const out = encoder.encode({ ...reply, body: new Uint8Array(n) }, CLOSE, 0).toString('latin1');
      assert.match(out, new RegExp(`\\r\\nContent-Length: ${n}\\r\\n`));
      assert.equal(out.length - out.indexOf('\r\n\r\n') - 4, n);
    }
  });

  it('writes problem documents (RFC 9457) with Allow on a 405 (RFC 9110 15.5.6)', () => {
    const encoder = new ResponseEncoder(5_000);
    const out = encoder.encode(problemReply(405, 'ERR_HTTP_METHOD', 'PUT is not allowed here', 'POST'), CLOSE, 0).toString('latin1');
    assert.match(out, /^HTTP\/1\.1 405 Method Not Allowed\r\nContent-Type: application\/problem\+json\r\n/);
    assert.match(out, /\r\nAllow: POST\r\n/);
    const doc = JSON.parse(out.slice(out.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
    assert.deepEqual(doc, { type: 'urn:jpki-mobile:problem:ERR_HTTP_METHOD', title: 'Method Not Allowed', status: 405, detail: 'PUT is not allowed here', code: 'ERR_HTTP_METHOD' });
  });
});
