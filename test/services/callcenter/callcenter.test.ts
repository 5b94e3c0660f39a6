import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { after, before, it } from 'node:test';
import { CallCentre, callCentreRoutes, callCentreStatusOf } from '../../../src/services/callcenter/index.js';
import { close, createHttpServer, listen } from '../../../src/services/http/index.js';
import { jpkiStatusOf } from '../../../src/services/jpki/http.js';
import { OrderDesk } from '../../../src/services/tsm/index.js';
import { DEFAULT_PERSON, freePort, issueCard, issuePhone, startJpki, type IssuedCard, type IssuedPhone, type JpkiHarness } from '../../helpers/jpki.js';
import { forEachDialect } from '../../helpers/postgres.js';

/**
 * The call centre (flow 8) over HTTP against a running certification service, on SQLite and
 * PostgreSQL: find the caller, suspend both phone certificates, release the user-authentication one,
 * revoke with keyCompromise (the SP-TSM's order desk turns the outbox event into a deletion order),
 * the cascade from a card revoked at the office, audit entries, and bad input.
 */
forEachDialect('call centre', (ctx) => {
  let h: JpkiHarness;
  let server: Server;
  let url: string;
  let card: IssuedCard;
  let phone: IssuedPhone;
  const seId = '4A505345-0A0B0C0D-0E0F';
  const api = async (method: string, path: string, body?: unknown, token?: string) => {
    const res = await fetch(url + path, { method, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) }, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
    return { status: res.status, json: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  before(async () => {
    h = await startJpki({ database: await ctx.freshConfig() });
    server = createHttpServer({ routes: callCentreRoutes(new CallCentre(h.service)), statusOf: (c) => callCentreStatusOf(c) ?? jpkiStatusOf(c) });
    const port = await freePort();
    await listen(server, port);
    url = `http://127.0.0.1:${port}`;
    card = await issueCard(h);
    phone = await issuePhone(h, card, seId);
  });
  after(async () => {
    await close(server);
    await h.stop();
  });

  it('finds the caller by name and birth date (and address), or by person id', async () => {
    const r = await api('POST', '/callcenter/v1/lookups', { name: DEFAULT_PERSON.name, birthDate: DEFAULT_PERSON.birthDate, address: DEFAULT_PERSON.address }, h.tokens.callCentre);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.personId, card.personId);
    assert.equal((await api('POST', '/callcenter/v1/lookups', { personId: card.personId }, h.tokens.callCentre)).json.name, DEFAULT_PERSON.name);
    const list = await api('GET', `/callcenter/v1/persons/${card.personId}/phone-certificates`, undefined, h.tokens.callCentre);
    assert.deepEqual(list.json.certificates.map((c: { serial: string }) => c.serial).sort(), [phone.signSerial, phone.authSerial].sort());
  });

  it('suspends both phone certificates (certificateHold); releases the user-authentication one; the signature one stays held', async () => {
    const s = await api('POST', `/callcenter/v1/persons/${card.personId}/suspend`, undefined, h.tokens.callCentre);
    assert.equal(s.status, 200, JSON.stringify(s.json));
    for (const serial of [phone.signSerial, phone.authSerial]) {
      const st = await h.service.status(serial);
      assert.equal(st.status, 'held');
      assert.equal(st.reason, 6);
    }
    assert.equal((await api('POST', `/callcenter/v1/persons/${card.personId}/suspend`, undefined, h.tokens.callCentre)).json.code, 'ERR_CALLCENTER_NOTHING_TO_DO');
    const r = await api('POST', `/callcenter/v1/persons/${card.personId}/release`, {}, h.tokens.callCentre);
    assert.deepEqual(r.json.released, [phone.authSerial]);
    assert.equal((await h.service.status(phone.authSerial)).status, 'good');
    assert.equal((await h.service.status(phone.signSerial)).status, 'held');
  });

  it('revokes (keyCompromise) when the phone is not found: the outbox event becomes a deletion order for the element; every action is audited', async () => {
    const r = await api('POST', `/callcenter/v1/persons/${card.personId}/revoke`, undefined, h.tokens.callCentre);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    for (const serial of [phone.signSerial, phone.authSerial]) assert.equal((await h.service.status(serial)).reason, 1);
    const desk = new OrderDesk({ db: h.db, clock: () => new Date(), random: (n) => new Uint8Array(randomBytes(n)) });
    assert.equal((await desk.dispatch()).consumed, 2);
    const orders = await h.db.query<{ kind: string; state: string; reason: number }>('SELECT kind, state, reason FROM sp_deletion_orders WHERE se_id = $1', [seId]);
    assert.deepEqual(orders.map((o) => [o.kind, o.state, Number(o.reason)]), [['wipe-applet', 'pending', 1]]);
    const audit = await h.db.query<{ actor: string; action: string }>("SELECT actor, action FROM audit_log WHERE actor = 'call-centre:callcentre-1' ORDER BY seq");
    const actions = audit.map((a) => a.action);
    for (const a of ['callcenter-lookup', 'callcenter-certificates-viewed', 'certificate-held', 'certificate-released', 'certificate-revoked']) assert.ok(actions.includes(a), a);
  });

  it('a card certificate revoked at the office takes the phone certificates with it, and their deletion is ordered', async () => {
    const other = await issueCard(h, { name: '佐藤\u3000花子' });
    const otherSe = '4A505345-01010101-0202';
    await issuePhone(h, other, otherSe);
    await h.service.revoke({ kind: 'office', id: 'office-1' }, other.signSerial, 3);
    const desk = new OrderDesk({ db: h.db, clock: () => new Date(), random: (n) => new Uint8Array(randomBytes(n)) });
    await desk.dispatch();
    const orders = await h.db.query<{ state: string; reason: number }>('SELECT state, reason FROM sp_deletion_orders WHERE se_id = $1', [otherSe]);
    assert.deepEqual(orders.map((o) => [o.state, Number(o.reason)]), [['pending', 3]]);
  });

  it('bad input and the wrong role get specific codes', async () => {
    const cases: [string, string, unknown, string | undefined, number, string][] = [
      ['POST', '/callcenter/v1/lookups', { personId: card.personId }, undefined, 401, 'ERR_JPKI_UNAUTHENTICATED'],
      ['POST', '/callcenter/v1/lookups', { personId: card.personId }, h.tokens.office, 403, 'ERR_JPKI_FORBIDDEN'],
      ['POST', '/callcenter/v1/lookups', { name: 'x', birthDate: '1990/01/02' }, h.tokens.callCentre, 400, 'ERR_REQUEST_FIELD'],
      ['POST', '/callcenter/v1/lookups', { name: 'x', birthDate: '1990-01-02', extra: 1 }, h.tokens.callCentre, 400, 'ERR_REQUEST_FIELD'],
      ['POST', '/callcenter/v1/lookups', { name: 'nobody', birthDate: '1990-01-02' }, h.tokens.callCentre, 404, 'ERR_CALLCENTER_UNKNOWN_PERSON'],
      ['POST', '/callcenter/v1/lookups', '{', h.tokens.callCentre, 400, 'ERR_HTTP_JSON'],
      ['GET', '/callcenter/v1/persons/%00/phone-certificates', undefined, h.tokens.callCentre, 404, 'ERR_CALLCENTER_UNKNOWN_PERSON'],
      ['POST', `/callcenter/v1/persons/${card.personId}/suspend`, { reason: 'x' }, h.tokens.callCentre, 400, 'ERR_REQUEST_FIELD'],
      ['POST', `/callcenter/v1/persons/${card.personId}/revoke`, undefined, h.tokens.callCentre, 409, 'ERR_CALLCENTER_NOTHING_TO_DO'],
    ];
    for (const [method, path, body, token, status, code] of cases) {
      const res = await api(method, path, body, token);
      assert.equal(res.status, status, `${method} ${path}: ${JSON.stringify(res.json)}`);
      assert.equal(res.json.code, code, `${method} ${path}`);
    }
  });
});
