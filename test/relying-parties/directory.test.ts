import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hasCode } from '../../src/errors/index.js';
import { HttpJpkiDirectory, type DirectoryFetch } from '../../src/relying-parties/index.js';
import { createOperator } from '../../src/services/jpki/operators.js';
import { freePort, issueCard, startJpki, type IssuedCard, type JpkiHarness } from '../helpers/jpki.js';
import { forEachDialect } from '../helpers/postgres.js';

/*
 * The certification service as the portal's and the kiosk's directory: the relying-party operator
 * role (migration 005), GET /api/v1/persons/:personId, and the client that reads it, which trusts no
 * answer it has not checked.
 */

forEachDialect('the relying-party role and the person records', (ctx) => {
  let h: JpkiHarness;
  let token: string;
  let card: IssuedCard;
  before(async () => {
    h = await startJpki({ database: await ctx.freshConfig() });
    token = await createOperator(h.db, 'portal', 'relying-party', new Date());
    card = await issueCard(h, { name: '林\u3000直子', sex: 2 });
  });
  after(() => h?.stop());

  it('stores the role, and only the known roles', async () => {
    const roles = await h.db.query<{ role: string }>("SELECT role FROM operators WHERE id = 'portal'");
    assert.equal(roles[0]!.role, 'relying-party');
    await assert.rejects(h.db.execute("INSERT INTO operators (id, role, token_hash, created_at) VALUES ('m', 'mayor', 'h', '2026-01-01T00:00:00.000Z')"), (e) => hasCode(e, 'ERR_STORE_CHECK'));
    // The rebuilt table keeps its constraints: the token hash is unique.
    const hash = (await h.db.query<{ token_hash: string }>("SELECT token_hash FROM operators WHERE id = 'portal'"))[0]!.token_hash;
    await assert.rejects(h.db.execute("INSERT INTO operators (id, role, token_hash, created_at) VALUES ('p2', 'admin', $1, '2026-01-01T00:00:00.000Z')", [hash]), (e) => hasCode(e, 'ERR_STORE_UNIQUE'));
  });

  it('lets a relying party read a certificate and its person, and nothing more', async () => {
    const cert = await h.api('GET', `/api/v1/certificates/${card.authSerial}`, undefined, token);
    assert.equal(cert.status, 200);
    assert.equal(cert.json.personId, card.personId);
    const person = await h.api('GET', `/api/v1/persons/${card.personId}`, undefined, token);
    assert.equal(person.status, 200, JSON.stringify(person.json));
    assert.equal(person.json.name, '林\u3000直子');
    assert.equal(person.json.sex, 2);
    assert.deepEqual(person.json.certificates.map((c: { serial: string }) => c.serial).sort(), [card.authSerial, card.signSerial].sort());
    for (const [method, path, body] of [
      ['POST', `/api/v1/certificates/${card.authSerial}/hold`, undefined],
      ['POST', `/api/v1/certificates/${card.authSerial}/revoke`, { reason: 'keyCompromise' }],
      ['POST', '/api/v1/card-certificates', {}],
    ] as const) {
      const r = await h.api(method, path, body, token);
      assert.equal(r.status, 403, path);
      assert.equal(r.json.code, 'ERR_JPKI_FORBIDDEN', path);
    }
    assert.equal((await h.api('GET', `/api/v1/persons/${card.personId}`, undefined, h.tokens.spTsm)).json.code, 'ERR_JPKI_FORBIDDEN');
    assert.equal((await h.api('GET', `/api/v1/persons/${card.personId}`)).json.code, 'ERR_JPKI_UNAUTHENTICATED');
    const unknown = await h.api('GET', '/api/v1/persons/nobody', undefined, token);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.code, 'ERR_JPKI_UNKNOWN_PERSON');
    const bad = await h.api('GET', `/api/v1/persons/${'x'.repeat(65)}`, undefined, token);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.code, 'ERR_REQUEST_FIELD');
  });

  it('is read by HttpJpkiDirectory, which names each failure', async () => {
    const directory = new HttpJpkiDirectory({ baseUrl: h.url, token });
    const c = await directory.certificate(card.signSerial);
    assert.deepEqual([c.hierarchy, c.device, c.status, c.personId], ['sign', 'card', 'good', card.personId]);
    const p = await directory.person(card.personId);
    assert.equal(p.address, '東京都千代田区永田町1-7-1');
    await assert.rejects(directory.certificate('0BADC0DE'), (e) => hasCode(e, 'ERR_DIRECTORY_UNKNOWN'));
    await assert.rejects(directory.person('nobody'), (e) => hasCode(e, 'ERR_DIRECTORY_UNKNOWN'));
    await assert.rejects(directory.certificate('not hex'), (e) => hasCode(e, 'ERR_DIRECTORY_UNKNOWN'));
    await assert.rejects(new HttpJpkiDirectory({ baseUrl: h.url, token: h.tokens.spTsm }).person(card.personId), (e) => hasCode(e, 'ERR_DIRECTORY_REFUSED'));
    await assert.rejects(new HttpJpkiDirectory({ baseUrl: h.url, token: 'x'.repeat(40) }).certificate(card.signSerial), (e) => hasCode(e, 'ERR_DIRECTORY_REFUSED'));
  });
});

describe('HttpJpkiDirectory against a faulty service', () => {
  const answer =
    (status: number, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): DirectoryFetch =>
    async () =>
      new Response(body, { status, headers });
  const good = { serial: '0A', hierarchy: 'auth', device: 'card', personId: 'p', status: 'good', reason: null, revokedAt: null, notBefore: 'a', notAfter: 'b', linkedSerial: null };
  let closedPort: number;
  before(async () => {
    closedPort = await freePort();
  });

  it('refuses answers that are not the documented JSON', async () => {
    const cases: [string, DirectoryFetch][] = [
      ['not JSON', answer(200, '<html>')],
      ['an array', answer(200, '[]')],
      ['a wrong hierarchy', answer(200, JSON.stringify({ ...good, hierarchy: 'root' }))],
      ['a wrong status', answer(200, JSON.stringify({ ...good, status: 'fine' }))],
      ['a reason out of range', answer(200, JSON.stringify({ ...good, status: 'revoked', reason: 7 }))],
      ['a serial that is not hex', answer(200, JSON.stringify({ ...good, serial: 'zz' }))],
      ['a personId that is a number', answer(200, JSON.stringify({ ...good, personId: 5 }))],
      ['HTTP 418', answer(418, '{}')],
      ['too large', answer(200, JSON.stringify({ ...good, pad: 'x'.repeat(300_000) }))],
    ];
    for (const [name, fetch] of cases) {
      await assert.rejects(new HttpJpkiDirectory({ baseUrl: 'http://directory.test', token: 't', fetch }).certificate('0A'), (e) => hasCode(e, 'ERR_DIRECTORY_RESPONSE'), name);
    }
    const person = { personId: 'p', name: 'n', address: 'a', birthDate: 'b', sex: 4, nameSubstituteMap: null, addressSubstituteMap: null, updatedAt: 'u', certificates: [] };
    await assert.rejects(new HttpJpkiDirectory({ baseUrl: 'http://directory.test', token: 't', fetch: answer(200, JSON.stringify(person)) }).person('p'), (e) => hasCode(e, 'ERR_DIRECTORY_RESPONSE'));
    const ok = await new HttpJpkiDirectory({ baseUrl: 'http://directory.test', token: 't', fetch: answer(200, JSON.stringify(good)) }).certificate('0A');
    assert.equal(ok.personId, 'p');
  });

  it('says unavailable when the service is down, answers 5xx, or does not answer in time', async () => {
    await assert.rejects(new HttpJpkiDirectory({ baseUrl: `http://127.0.0.1:${closedPort}`, token: 't' }).certificate('0A'), (e) => hasCode(e, 'ERR_DIRECTORY_UNAVAILABLE'));
    await assert.rejects(new HttpJpkiDirectory({ baseUrl: 'http://directory.test', token: 't', fetch: answer(503, '') }).certificate('0A'), (e) => hasCode(e, 'ERR_DIRECTORY_UNAVAILABLE'));
    const never: DirectoryFetch = (_url, init) => new Promise((_resolve, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason)));
    const started = Date.now();
    // AbortSignal.timeout does not keep the process alive (a real request's socket does).
    const alive = setInterval(() => undefined, 1000);
    try {
      await assert.rejects(new HttpJpkiDirectory({ baseUrl: 'http://directory.test', token: 't', fetch: never, timeoutMs: 200 }).certificate('0A'), (e) => hasCode(e, 'ERR_DIRECTORY_UNAVAILABLE'));
    } finally {
      clearInterval(alive);
    }
    assert.ok(Date.now() - started < 5000);
  });
});
