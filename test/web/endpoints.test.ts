import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli/program.js';
import { startSystem, type RunningSystem } from '../../src/cli/runtime/jpki-system.js';
import { freePort } from '../helpers/jpki.js';

/** The web interface's endpoints over HTTP: refusals with their codes, and nothing changed by them. */
describe('/web/v1 and the admin listings', { timeout: 120_000 }, () => {
  let home: string;
  let system: RunningSystem;
  let office: string;
  let admin: string;
  let cardId: string;
  const digestInfo = Buffer.alloc(51, 1).toString('base64');

  async function call(method: string, path: string, body?: unknown, token?: string) {
    const res = await fetch(system.url + path, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : text };
  }

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'jpki-web-api-'));
    const port = await freePort();
    const quiet = { out: () => undefined, err: () => undefined };
    assert.equal(await main(['init', '--home', home, '--port', String(port)], quiet), 0);
    assert.equal(await main(['operator', 'add', '--home', home, '--id', 'office-1', '--role', 'office'], quiet), 0);
    office = readFileSync(join(home, 'secrets', 'operators', 'office-1.token'), 'utf8').trim();
    admin = readFileSync(join(home, 'secrets', 'admin.token'), 'utf8').trim();
    system = await startSystem(home, { port });
    const person = { name: '佐藤\u3000一郎', address: '大阪府大阪市北区1-1', birthDate: '1985-05-05', sex: 1 };
    const issued = await call('POST', '/web/v1/cards', { person, pin: '4321', password: 'ABCDEF1' }, office);
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    cardId = (issued.body as { id: string }).id;
  });
  after(async () => {
    await system?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('serves the pages with a same-origin content security policy, and no file outside the static folder', async () => {
    const index = await call('GET', '/');
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal((await call('GET', '/office')).status, 200);
    assert.equal((await call('GET', '/assets/common.js')).headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal((await call('GET', '/assets/..%2Fhttp.js')).status, 404);
    assert.equal((await call('GET', '/healthz')).status, 200, 'the API routes come first');
  });

  it('card issuance needs an office or admin token and a well-formed PIN', async () => {
    const person = { name: '佐藤\u3000二郎', address: '大阪府', birthDate: '1985-05-05', sex: 1 };
    assert.equal(((await call('POST', '/web/v1/cards', { person, pin: '4321', password: 'ABCDEF1' })).body as { code: string }).code, 'ERR_JPKI_UNAUTHENTICATED');
    const pin = await call('POST', '/web/v1/cards', { person, pin: '12', password: 'ABCDEF1' }, office);
    assert.deepEqual([pin.status, (pin.body as { code: string }).code], [400, 'ERR_ID_CARD_PIN_FORMAT']);
    const date = await call('POST', '/web/v1/cards', { person: { ...person, birthDate: '1985-02-30' }, pin: '1234', password: 'ABCDEF1' }, office);
    assert.deepEqual([date.status, (date.body as { code: string }).code], [400, 'ERR_REQUEST_FIELD']);
    const stray = await call('POST', '/web/v1/cards', { person, pin: '1234', password: 'ABCDEF1', extra: 1 }, office);
    assert.equal((stray.body as { code: string }).code, 'ERR_REQUEST_FIELD');
    assert.equal(((await call('GET', '/web/v1/cards')).body as { cards: unknown[] }).cards.length, 1, 'no card made by a refused request');
  });

  it('a wrong PIN costs a try and says how many are left; a malformed one costs none; an unknown card is 404', async () => {
    const wrong = await call('POST', `/web/v1/cards/${cardId}/signatures`, { key: 'auth', secret: '0000', digestInfo });
    assert.deepEqual([wrong.status, (wrong.body as { code: string }).code, (wrong.body as { triesLeft: number }).triesLeft], [403, 'ERR_JPKI_AP_PIN_INCORRECT', 2]);
    const format = await call('POST', `/web/v1/cards/${cardId}/signatures`, { key: 'auth', secret: '12', digestInfo });
    assert.deepEqual([format.status, (format.body as { code: string }).code], [400, 'ERR_JPKI_AP_PIN_FORMAT']);
    assert.equal(((await call('GET', `/web/v1/cards/${cardId}`)).body as { pin: { triesLeft: number } }).pin.triesLeft, 2);
    const ok = await call('POST', `/web/v1/cards/${cardId}/signatures`, { key: 'auth', secret: '4321', digestInfo });
    assert.equal(ok.status, 200);
    assert.equal(Buffer.from((ok.body as { signature: string }).signature, 'base64').length, 256);
    assert.equal(((await call('GET', `/web/v1/cards/${cardId}`)).body as { pin: { triesLeft: number } }).pin.triesLeft, 3, 'reset by the right PIN');
    assert.equal(((await call('POST', '/web/v1/cards/00000000-0000-0000-0000-000000000000/signatures', { key: 'auth', secret: '4321', digestInfo })).body as { code: string }).code, 'ERR_WEB_CARD_UNKNOWN');
    assert.equal(((await call('GET', '/web/v1/cards/..%2F..%2Fsecrets')).body as { code: string }).code, 'ERR_WEB_CARD_UNKNOWN');
    assert.equal(((await call('POST', `/web/v1/cards/${cardId}/signatures`, { key: 'other', secret: '4321', digestInfo })).body as { code: string }).code, 'ERR_REQUEST_FIELD');
  });

  it('the certificate and audit listings are for the administrator only, and page by seq', async () => {
    assert.equal(((await call('GET', '/api/v1/audit', undefined, office)).body as { code: string }).code, 'ERR_JPKI_FORBIDDEN');
    assert.equal(((await call('GET', '/api/v1/certificates', undefined, office)).body as { code: string }).code, 'ERR_JPKI_FORBIDDEN');
    assert.equal(((await call('GET', '/api/v1/audit?limit=0', undefined, admin)).body as { code: string }).code, 'ERR_REQUEST_FIELD');
    assert.equal(((await call('GET', '/api/v1/audit?after=-1', undefined, admin)).body as { code: string }).code, 'ERR_REQUEST_FIELD');
    const first = (await call('GET', '/api/v1/audit?limit=2', undefined, admin)).body as { entries: { seq: number }[]; next: number };
    assert.equal(first.entries.length, 2);
    const rest = (await call('GET', `/api/v1/audit?after=${first.next}&limit=500`, undefined, admin)).body as { entries: { seq: number; action: string }[] };
    assert.equal(rest.entries[0]!.seq, first.next + 1);
    assert.ok(rest.entries.some((e) => e.action === 'certificate-issued'));
    const certs = (await call('GET', '/api/v1/certificates', undefined, admin)).body as { certificates: { device: string; status: string }[] };
    assert.deepEqual(certs.certificates.map((c) => `${c.device}:${c.status}`), ['card:good', 'card:good']);
  });
});
