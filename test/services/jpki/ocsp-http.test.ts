import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { parseOcspResponse } from '../../../src/pki/revocation/index.js';
import { OID, TAG, tlv } from '../../../src/pki/revocation/der-writer.js';
import { issueCard, startJpki, type IssuedCard, type JpkiHarness } from '../../helpers/jpki.js';
import { ocspAnswer, ocspRequest } from './fixtures/ocsp-client.js';

/**
 * OCSP over HTTP on the service's port: the lean server answers a connection whose first request is
 * for /ocsp; node:http answers OCSP on a connection that asked for something else first. Both must
 * follow the same rules (status, media type, problem code, OCSP answer), and the lean path keeps the
 * responder's semantics: answers without a nonce are the pre-signed bytes, a nonce gets a fresh
 * signed answer that echoes it.
 */

interface Reply {
  readonly status: number;
  readonly head: string;
  readonly body: Buffer;
}

/** One HTTP exchange on `socket` (Content-Length framing; no body after a HEAD), resolved with the answer. */
function exchange(socket: Socket, request: Buffer): Promise<Reply> {
  const isHead = request.subarray(0, 5).toString('latin1') === 'HEAD ';
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.toString('latin1', 0, end);
      const length = isHead ? 0 : Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      socket.off('data', onData);
      resolve({ status: Number(head.slice(9, 12)), head, body: buf.subarray(end + 4, end + 4 + length) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(request);
  });
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

function request(method: string, path: string, body?: Uint8Array, headers: Record<string, string> = {}): Buffer {
  const fields = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  const length = body === undefined ? '' : `Content-Length: ${body.length}\r\n`;
  return Buffer.concat([Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${fields}${length}\r\n`, 'latin1'), body ?? new Uint8Array(0)]);
}

/** What an answer says, comparable across the two paths: status, media type, and the problem code or the OCSP result. */
function summary(r: Reply): string {
  const type = /\r\ncontent-type: *([^\r]*)/i.exec(r.head)?.[1] ?? '';
  if (r.body.length === 0) return `${r.status} ${type} (no body)`;
  if (type === 'application/ocsp-response') {
    const a = ocspAnswer(new Uint8Array(r.body));
    return `${r.status} ${type} ${a.status} ${a.cert?.kind ?? ''}`;
  }
  return `${r.status} ${type} ${(JSON.parse(r.body.toString()) as { code: string }).code}`;
}

describe('JPKI service: OCSP over HTTP, lean path and node:http path', () => {
  let h: JpkiHarness;
  let card: IssuedCard;
  let issuer: Uint8Array;
  const sockets: Socket[] = [];

  before(async () => {
    h = await startJpki();
    card = await issueCard(h);
    issuer = h.service.ctx.authority.active('auth').certificate;
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await h.stop();
  });

  /** A connection the lean server keeps (its first request is OCSP), or one handed to node:http first. */
  async function connection(path: 'lean' | 'node'): Promise<Socket> {
    const s = await open(h.port);
    sockets.push(s);
    if (path === 'node') assert.equal((await exchange(s, request('GET', '/healthz'))).status, 200);
    return s;
  }

  it('follows the same rules on both paths', async () => {
    const good = ocspRequest(issuer, card.authSerial);
    const b64 = encodeURIComponent(Buffer.from(good).toString('base64'));
    const ocspType = { 'Content-Type': 'application/ocsp-request' };
    const cases: [string, Buffer, string][] = [
      ['POST /ocsp/auth', request('POST', '/ocsp/auth', good, ocspType), '200 application/ocsp-response successful good'],
      ['POST /ocsp', request('POST', '/ocsp', good, ocspType), '200 application/ocsp-response successful good'],
      ['POST /ocsp/sign (another hierarchy)', request('POST', '/ocsp/sign', good, ocspType), '200 application/ocsp-response unauthorized '],
      ['media type with parameters, other case', request('POST', '/ocsp/auth', good, { 'Content-Type': 'Application/OCSP-Request; q=1' }), '200 application/ocsp-response successful good'],
      ['no Content-Type', request('POST', '/ocsp/auth', good), '200 application/ocsp-response successful good'],
      ['chunked body', Buffer.concat([Buffer.from('POST /ocsp/auth HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\nTransfer-Encoding: chunked\r\n\r\n'), Buffer.from(`${good.length.toString(16)}\r\n`), good, Buffer.from('\r\n0\r\n\r\n')]), '200 application/ocsp-response successful good'],
      ['GET, URL-encoded base64', request('GET', `/ocsp/auth/${b64}`), '200 application/ocsp-response successful good'],
      ['GET, not base64', request('GET', '/ocsp/auth/!!!!'), '200 application/ocsp-response malformedRequest '],
      ['POST, not an OCSPRequest', request('POST', '/ocsp/auth', Buffer.from('hello'), ocspType), '200 application/ocsp-response malformedRequest '],
      ['POST, another media type', request('POST', '/ocsp/auth', good, { 'Content-Type': 'application/x-www-form-urlencoded' }), '415 application/problem+json ERR_HTTP_MEDIA_TYPE'],
      ['an unknown hierarchy (POST)', request('POST', '/ocsp/root', good, ocspType), '404 application/problem+json ERR_HTTP_NOT_FOUND'],
      ['an unknown hierarchy (GET)', request('GET', `/ocsp/root/${b64}`), '404 application/problem+json ERR_HTTP_NOT_FOUND'],
      ['a bad %-escape in the hierarchy', request('POST', '/ocsp/%ZZ', good, ocspType), '400 application/problem+json ERR_HTTP_PATH'],
      ['GET without a request', request('GET', '/ocsp/auth'), '405 application/problem+json ERR_HTTP_METHOD'],
      ['PUT', request('PUT', '/ocsp', good, ocspType), '405 application/problem+json ERR_HTTP_METHOD'],
      ['POST with a request in the path', request('POST', `/ocsp/auth/${b64}`, good, ocspType), '405 application/problem+json ERR_HTTP_METHOD'],
      ['HEAD (a head without content, RFC 9110 9.3.2)', request('HEAD', '/ocsp/auth'), '405 application/problem+json (no body)'],
      ['a body over 16 KiB', request('POST', '/ocsp/auth', new Uint8Array(16 * 1024 + 1), ocspType), '413 application/problem+json ERR_HTTP_BODY_TOO_LARGE'],
    ];
    for (const [name, bytes, expected] of cases) {
      const lean = await exchange(await connection('lean'), bytes);
      const node = await exchange(await connection('node'), bytes);
      assert.equal(summary(lean), expected, `lean: ${name}`);
      assert.equal(summary(node), expected, `node:http: ${name}`);
      if (lean.status === 200) assert.deepEqual(lean.body, node.body, `${name}: the same bytes (pre-signed, or the fixed error answer)`);
      if (lean.status === 405) assert.match(lean.head, /\r\nAllow: (GET|POST)\r\n/, `${name}: Allow`);
    }
  });

  it('serves the pre-signed bytes to requests without a nonce and signs a fresh answer that echoes a nonce', async () => {
    const s = await connection('lean');
    const plain = ocspRequest(issuer, card.authSerial);
    const first = await exchange(s, request('POST', '/ocsp/auth', plain, { 'Content-Type': 'application/ocsp-request' }));
    await sleep(1_100); // a freshly signed answer would carry another producedAt
    const second = await exchange(s, request('POST', '/ocsp/auth', plain, { 'Content-Type': 'application/ocsp-request' }));
    assert.deepEqual(second.body, first.body, 'the same pre-signed bytes');
    const withNonce = (n: number) => {
      const nonce = new Uint8Array(16).fill(n);
      const certId = plain.subarray(8); // the CertID inside SEQ{SEQ{SEQ{SEQ{CertID}}}} of a short request
      const der = tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, certId)), tlv(TAG.CONTEXT_2, tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, tlv(TAG.OID, OID.ocspNonce), tlv(TAG.OCTET_STRING, tlv(TAG.OCTET_STRING, nonce)))))));
      return { der, nonce };
    };
    const a = withNonce(1);
    const b = withNonce(2);
    const ra = await exchange(s, request('POST', '/ocsp/auth', a.der, { 'Content-Type': 'application/ocsp-request' }));
    const rb = await exchange(s, request('POST', '/ocsp/auth', b.der, { 'Content-Type': 'application/ocsp-request' }));
    for (const [r, n] of [
      [ra, a.nonce],
      [rb, b.nonce],
    ] as const) {
      const parsed = parseOcspResponse(new Uint8Array(r.body));
      assert.equal(parsed.responses[0]!.status.kind, 'good');
      assert.deepEqual(parsed.nonce?.subarray(2), n, 'the nonce is echoed');
    }
    assert.notDeepEqual(ra.body, rb.body);
  });

  it('answers a status change from memory at once: revoked after the revocation, on a kept-alive lean connection', async () => {
    const other = await issueCard(h);
    const s = await connection('lean');
    const ask = async () => ocspAnswer(new Uint8Array((await exchange(s, request('POST', '/ocsp/auth', ocspRequest(issuer, other.authSerial), { 'Content-Type': 'application/ocsp-request' }))).body));
    assert.equal((await ask()).cert?.kind, 'good');
    await h.service.revoke({ kind: 'admin', id: 'test' }, other.authSerial, 1);
    const deadline = Date.now() + 5_000;
    let kind = '';
    while (Date.now() < deadline && (kind = (await ask()).cert?.kind ?? '') !== 'revoked') await sleep(50);
    assert.equal(kind, 'revoked');
  });
});
