import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli/program.js';
import { startSystem, type RunningSystem } from '../../src/cli/runtime/jpki-system.js';
import { freePort } from '../helpers/jpki.js';

/**
 * The kiosk's counter readers over HTTP (`/web/v1/counter-readers` and the kiosk's `/kiosk/v1`), with
 * no pcscd (libpcsclite is pointed at a socket that does not exist): the readers listing still answers,
 * with the counter readers and PC/SC's unavailability said in the JSON; holding a shelved card or phone
 * to a reader and its refusals; the card taken from its shelf's queue for the transaction; a card taken
 * away in the middle of one.
 */
describe('the kiosk counter readers, without pcscd', { timeout: 180_000 }, () => {
  let home: string;
  let system: RunningSystem;
  let cardId: string;
  let otherCardId: string;
  let phoneId: string;
  const ZERO = '00000000-0000-0000-0000-000000000000';
  type Body = Record<string, unknown> & { code?: string };

  async function call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: Body }> {
    const res = await fetch(system.url + path, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text.startsWith('{') ? JSON.parse(text) : { text }) as Body };
  }
  const counters = async () => ((await call('GET', '/web/v1/counter-readers')).body.readers as { name: string; item: { kind: string; id: string } | null; inUse: boolean }[]);

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'jpki-web-counter-'));
    // Before anything in this process opens PC/SC (libpcsclite reads it once): no pcscd there.
    process.env.PCSCLITE_CSOCK_NAME = join(home, 'no-pcscd.comm');
    const port = await freePort();
    const quiet = { out: () => undefined, err: () => undefined };
    assert.equal(await main(['init', '--home', home, '--port', String(port)], quiet), 0);
    const admin = readFileSync(join(home, 'secrets', 'admin.token'), 'utf8').trim();
    system = await startSystem(home, { port });
    const issue = async (name: string) => {
      const r = await call('POST', '/web/v1/cards', { person: { name, address: '福岡県福岡市中央区1-1', birthDate: '1975-07-07', sex: 1 }, pin: '1357', password: 'CARDPW2' }, admin);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return String(r.body.id);
    };
    cardId = await issue('小林\u3000健');
    otherCardId = await issue('加藤\u3000学');
    const phone = await call('POST', '/web/v1/phones', { model: 'Counter Phone' });
    assert.equal(phone.status, 201, JSON.stringify(phone.body));
    phoneId = String(phone.body.id);
  });
  after(async () => {
    await system?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('lists the counter readers with PC/SC unavailable said in the JSON, not as a refusal', async () => {
    const r = await call('GET', '/kiosk/v1/readers');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.readers, [
      { name: 'counter-1', cardPresent: false, kind: 'counter' },
      { name: 'counter-2', cardPresent: false, kind: 'counter' },
    ]);
    const pcsc = r.body.pcsc as { available: boolean; code: string; message: string };
    assert.equal(pcsc.available, false);
    assert.equal(pcsc.code, 'ERR_KIOSK_PCSC_UNAVAILABLE');
    assert.match(pcsc.message, /pcscd/);
    assert.deepEqual(await counters(), [
      { name: 'counter-1', item: null, inUse: false },
      { name: 'counter-2', item: null, inUse: false },
    ]);
  });

  it('refuses bad holds with their codes, and nothing lies on any reader after them', async () => {
    const cases: [string, string, unknown, number, string][] = [
      ['GET', '/web/v1/counter-readers/counter-9', undefined, 404, 'ERR_WEB_COUNTER_READER_UNKNOWN'],
      ['GET', '/web/v1/counter-readers/..%2Fcards', undefined, 404, 'ERR_WEB_COUNTER_READER_UNKNOWN'],
      ['PUT', '/web/v1/counter-readers/counter-9/item', { card: cardId }, 404, 'ERR_WEB_COUNTER_READER_UNKNOWN'],
      ['PUT', '/web/v1/counter-readers/Virtual%20PCD%2000%2000/item', { card: cardId }, 404, 'ERR_WEB_COUNTER_READER_UNKNOWN'],
      ['DELETE', '/web/v1/counter-readers/counter-0/item', undefined, 404, 'ERR_WEB_COUNTER_READER_UNKNOWN'],
      ['PUT', '/web/v1/counter-readers/counter-1/item', {}, 400, 'ERR_REQUEST_FIELD'],
      ['PUT', '/web/v1/counter-readers/counter-1/item', { card: cardId, phone: phoneId }, 400, 'ERR_REQUEST_FIELD'],
      ['PUT', '/web/v1/counter-readers/counter-1/item', { card: cardId, extra: 1 }, 400, 'ERR_REQUEST_FIELD'],
      ['PUT', '/web/v1/counter-readers/counter-1/item', { card: 'nope' }, 400, 'ERR_REQUEST_FIELD'],
      ['PUT', '/web/v1/counter-readers/counter-1/item', { card: 7 }, 400, 'ERR_REQUEST_FIELD'],
      ['PUT', '/web/v1/counter-readers/counter-1/item', { phone: cardId.toUpperCase() }, 400, 'ERR_REQUEST_FIELD'],
      ['PUT', '/web/v1/counter-readers/counter-1/item', [cardId], 400, 'ERR_REQUEST_FIELD'],
      ['PUT', '/web/v1/counter-readers/counter-1/item', { card: ZERO }, 404, 'ERR_WEB_CARD_UNKNOWN'],
      ['PUT', '/web/v1/counter-readers/counter-1/item', { phone: ZERO }, 404, 'ERR_WEB_PHONE_UNKNOWN'],
      ['PUT', '/web/v1/counter-readers/counter-1/item', { phone: cardId }, 404, 'ERR_WEB_PHONE_UNKNOWN'],
      // The kiosk: an empty counter reader has no card; a name no reader has goes to PC/SC, which is not there.
      ['POST', '/kiosk/v1/sessions', { reader: 'counter-1' }, 409, 'ERR_KIOSK_NO_CARD'],
      ['POST', '/kiosk/v1/sessions', { reader: 'counter-9' }, 503, 'ERR_KIOSK_PCSC_UNAVAILABLE'],
      ['POST', '/kiosk/v1/sessions', { reader: '' }, 400, 'ERR_REQUEST_FIELD'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const r = await call(method, path, body);
      assert.deepEqual([r.status, r.body.code], [status, code], `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
    }
    const malformed = await call('PUT', '/web/v1/counter-readers/counter-1/item', '{"card":');
    assert.equal(malformed.status, 400);
    assert.deepEqual((await counters()).map((c) => c.item), [null, null]);
  });

  it('holds a card to one reader only, and a reader holds one thing; taking away is idempotent', async () => {
    const put = await call('PUT', '/web/v1/counter-readers/counter-1/item', { card: cardId });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(put.body, { name: 'counter-1', item: { kind: 'card', id: cardId, name: '小林\u3000健' }, inUse: false });
    assert.equal((await call('PUT', '/web/v1/counter-readers/counter-1/item', { card: cardId })).status, 200, 'the same card again changes nothing');
    const elsewhere = await call('PUT', '/web/v1/counter-readers/counter-2/item', { card: cardId });
    assert.deepEqual([elsewhere.status, elsewhere.body.code], [409, 'ERR_WEB_COUNTER_ITEM_ELSEWHERE']);
    const occupied = await call('PUT', '/web/v1/counter-readers/counter-1/item', { card: otherCardId });
    assert.deepEqual([occupied.status, occupied.body.code], [409, 'ERR_WEB_COUNTER_READER_OCCUPIED']);
    const readers = (await call('GET', '/kiosk/v1/readers')).body.readers as { name: string; cardPresent: boolean }[];
    assert.deepEqual(readers.map((r) => [r.name, r.cardPresent]), [['counter-1', true], ['counter-2', false]]);
    const taken = await call('DELETE', '/web/v1/counter-readers/counter-2/item');
    assert.deepEqual(taken.body, { name: 'counter-2', item: null, inUse: false });
  });

  it('takes the card from its shelf for the transaction: a signature on it waits until the kiosk lets it go', async () => {
    const s = await call('POST', '/kiosk/v1/sessions', { reader: 'counter-1' });
    assert.equal(s.status, 201, JSON.stringify(s.body));
    assert.deepEqual([s.body.holder, s.body.tokenLabel, s.body.triesLeft, s.body.reader], ['card', 'JPKIAPICCTOKEN2', 3, 'counter-1']);
    assert.equal((await call('GET', '/web/v1/counter-readers/counter-1')).body.inUse, true);
    const busy = await call('POST', '/kiosk/v1/sessions', { reader: 'counter-1' });
    assert.deepEqual([busy.status, busy.body.code], [409, 'ERR_KIOSK_READER_BUSY']);
    let settled = false;
    const signing = call('POST', `/web/v1/cards/${cardId}/signatures`, { key: 'auth', secret: '1357', digestInfo: Buffer.alloc(51, 2).toString('base64') }).then((r) => {
      settled = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(settled, false, 'the card is in the kiosk: the signature waits in its queue');
    const wrong = await call('POST', `/kiosk/v1/sessions/${String(s.body.sessionId)}/pin`, { pin: '0000' });
    assert.deepEqual([wrong.status, wrong.body.code, wrong.body.triesLeft], [403, 'ERR_KIOSK_PIN_INCORRECT', 2]);
    const done = await call('POST', `/kiosk/v1/sessions/${String(s.body.sessionId)}/pin`, { pin: '1357' });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(((done.body.result as { document: { resident: { name: string } } }).document.resident.name), '小林\u3000健');
    const signed = await signing;
    assert.equal(signed.status, 200, JSON.stringify(signed.body));
    assert.equal((await call('GET', '/web/v1/counter-readers/counter-1')).body.inUse, false);
    assert.equal(((await call('GET', `/web/v1/cards/${cardId}`)).body.pin as { triesLeft: number }).triesLeft, 3);
  });

  it('a card taken away in the middle: the kiosk loses it (no PIN try spent); a phone without JPKI is not a JPKI token', async () => {
    const s = await call('POST', '/kiosk/v1/sessions', { reader: 'counter-1' });
    assert.equal(s.status, 201, JSON.stringify(s.body));
    assert.equal((await call('DELETE', '/web/v1/counter-readers/counter-1/item')).status, 200);
    const lost = await call('POST', `/kiosk/v1/sessions/${String(s.body.sessionId)}/pin`, { pin: '1357' });
    assert.deepEqual([lost.status, lost.body.code], [409, 'ERR_KIOSK_CARD_LOST']);
    assert.equal((await call('GET', `/kiosk/v1/sessions/${String(s.body.sessionId)}`)).body.state, 'failed');
    assert.equal(((await call('GET', `/web/v1/cards/${cardId}`)).body.pin as { triesLeft: number }).triesLeft, 3);

    const phone = await call('PUT', '/web/v1/counter-readers/counter-2/item', { phone: phoneId });
    assert.deepEqual(phone.body, { name: 'counter-2', item: { kind: 'phone', id: phoneId, model: 'Counter Phone' }, inUse: false });
    const notJpki = await call('POST', '/kiosk/v1/sessions', { reader: 'counter-2' });
    assert.deepEqual([notJpki.status, notJpki.body.code], [422, 'ERR_KIOSK_NOT_JPKI']);
    assert.equal((await call('GET', '/web/v1/counter-readers/counter-2')).body.inUse, false, 'the phone went back to its shelf');
    assert.equal((await call('GET', `/web/v1/phones/${phoneId}`)).status, 200);
  });
});
