import assert from 'node:assert/strict';
import { createVerify } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli/program.js';
import { startSystem, type RunningSystem } from '../../src/cli/runtime/jpki-system.js';
import { sha256DigestInfo } from '../../src/transports/jpki-ap/index.js';
import { freePort } from '../helpers/jpki.js';

/**
 * The phone shelf over HTTP (`/web/v1/phones`): a phone made as its maker makes it, the app from the
 * store, preparation, issuance with a card of the card shelf, fingerprint unlock, signatures with
 * either key, certificate management with the CA's states, revocation from the phone; and the
 * refusals, each with its code and nothing changed.
 */
describe('/web/v1/phones', { timeout: 300_000 }, () => {
  let home: string;
  let system: RunningSystem;
  let office: string;
  let cardId: string;
  let phoneId: string;
  type Body = Record<string, unknown> & { code?: string };

  async function call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: Body }> {
    const res = await fetch(system.url + path, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text.startsWith('{') ? JSON.parse(text) : { text }) as Body };
  }

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'jpki-web-phones-'));
    const port = await freePort();
    const quiet = { out: () => undefined, err: () => undefined };
    assert.equal(await main(['init', '--home', home, '--port', String(port)], quiet), 0);
    assert.equal(await main(['operator', 'add', '--home', home, '--id', 'office-1', '--role', 'office'], quiet), 0);
    office = readFileSync(join(home, 'secrets', 'operators', 'office-1.token'), 'utf8').trim();
    system = await startSystem(home, { port });
    const person = { name: '鈴木\u3000三郎', address: '京都府京都市中京区1-1', birthDate: '1980-03-03', sex: 1 };
    const issued = await call('POST', '/web/v1/cards', { person, pin: '1111', password: 'CARDPW1' }, office);
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    cardId = String(issued.body.id);
  });
  after(async () => {
    await system?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('makes a phone in <home>/phones/<id>/ in the format of `phone new`, and refuses a bad model with nothing made', async () => {
    for (const bad of [{}, { model: '' }, { model: 'x'.repeat(41) }, { model: 'a\u0007b' }, { model: 'ok', extra: 1 }, { model: '   ' }]) {
      const r = await call('POST', '/web/v1/phones', bad);
      assert.deepEqual([r.status, r.body.code], [400, 'ERR_REQUEST_FIELD'], JSON.stringify(bad));
    }
    assert.equal(existsSync(join(home, 'phones')), false, 'nothing made by a refused request');
    const made = await call('POST', '/web/v1/phones', { model: 'Pixel JP' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    phoneId = String(made.body.id);
    assert.equal(made.body.model, 'Pixel JP');
    assert.equal(made.body.app, null);
    assert.equal(made.body.online, true);
    assert.deepEqual(readdirSync(join(home, 'phones', phoneId)).sort(), ['app-package.crt', 'device.key', 'element.json', 'phone.json', 'server.txt', 'web.json']);
    const list = await call('GET', '/web/v1/phones');
    assert.deepEqual((list.body.phones as { id: string }[]).map((p) => p.id), [phoneId]);
    assert.equal((await call('GET', '/web/v1/phones/00000000-0000-0000-0000-000000000000')).body.code, 'ERR_WEB_PHONE_UNKNOWN');
    assert.equal((await call('GET', '/web/v1/phones/..%2F..%2Fsecrets')).body.code, 'ERR_WEB_PHONE_UNKNOWN');
  });

  it('the store finds the JPKI app by name in either language; install and first launch (flow 2) prepare the phone', async () => {
    const found = await call('GET', `/web/v1/app-store?q=${encodeURIComponent('マイナ')}`);
    assert.deepEqual((found.body.apps as { packageName: string }[]).map((a) => a.packageName), ['jp.go.jpki.mobile']);
    assert.deepEqual((await call('GET', '/web/v1/app-store?q=weather')).body.apps, []);
    assert.equal((await call('GET', '/web/v1/app-store?x=1')).body.code, 'ERR_REQUEST_FIELD');
    assert.equal((await call('POST', `/web/v1/phones/${phoneId}/preparation`, {})).body.code, 'ERR_WEB_PHONE_NO_APP');
    const unknown = await call('POST', `/web/v1/phones/${phoneId}/apps`, { packageName: 'com.example.other' });
    assert.deepEqual([unknown.status, unknown.body.code], [404, 'ERR_WEB_APP_UNKNOWN']);
    const installed = await call('POST', `/web/v1/phones/${phoneId}/apps`, { packageName: 'jp.go.jpki.mobile' });
    assert.equal(installed.status, 201, JSON.stringify(installed.body));
    assert.match(String((installed.body.app as { certificateSha256: string }).certificateSha256), /^[0-9A-Fa-f]{64}$/);
    const prepared = await call('POST', `/web/v1/phones/${phoneId}/preparation`);
    assert.equal(prepared.status, 200, JSON.stringify(prepared.body));
    const app = (prepared.body.phone as { app: { flows: Record<string, string>; seId: string; pushRegistered: boolean } }).app;
    assert.equal(app.flows.preparation, 'ready');
    assert.equal(app.pushRegistered, true);
    assert.match(app.seId, /.+/);
    const again = await call('POST', `/web/v1/phones/${phoneId}/preparation`);
    assert.deepEqual([again.status, again.body.code], [409, 'ERR_APP_ILLEGAL_TRANSITION']);
  });

  it('issuance with the card: malformed new secrets cost no card try; a wrong card password says the tries left; then the certificates', async () => {
    const good = { cardId, cardPassword: 'CARDPW1', pin: '2468', pinConfirm: '2468', password: 'PHONEPW1', passwordConfirm: 'PHONEPW1' };
    const mismatch = await call('POST', `/web/v1/phones/${phoneId}/issuance`, { ...good, pinConfirm: '2469' });
    assert.deepEqual([mismatch.status, mismatch.body.code], [400, 'ERR_APP_SECRET_FORMAT']);
    assert.equal((await call('POST', `/web/v1/phones/${phoneId}/issuance`, { ...good, cardId: 'nope' })).body.code, 'ERR_REQUEST_FIELD');
    assert.equal((await call('POST', `/web/v1/phones/${phoneId}/issuance`, { ...good, cardId: '00000000-0000-0000-0000-000000000000' })).body.code, 'ERR_WEB_CARD_UNKNOWN');
    assert.equal(((await call('GET', `/web/v1/cards/${cardId}`)).body.password as { triesLeft: number }).triesLeft, 5, 'no try spent');
    const wrong = await call('POST', `/web/v1/phones/${phoneId}/issuance`, { ...good, cardPassword: 'WRONG99' });
    assert.deepEqual([wrong.status, wrong.body.code, wrong.body.triesLeft], [403, 'ERR_APP_CARD_PASSWORD_WRONG', 4]);
    const issued = await call('POST', `/web/v1/phones/${phoneId}/issuance`, good);
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    assert.match(String(issued.body.authSerial), /^[0-9A-F]+$/);
    const certs = await call('GET', `/web/v1/phones/${phoneId}/certificates`);
    const rows = certs.body.certificates as { serial: string; use: string; status: string; current: boolean }[];
    assert.deepEqual(rows.map((c) => `${c.use}:${c.status}:${String(c.current)}`), ['auth:good:true', 'sign:good:true']);
    assert.equal(rows[0]!.serial, issued.body.authSerial);
    assert.equal((certs.body.orders as { deletionNotConfirmed: boolean }).deletionNotConfirmed, false);
  });

  it('fingerprint unlock: enrol a finger, seal the PIN; a login by that finger signs the challenge; another finger is refused', async () => {
    assert.equal((await call('POST', `/web/v1/phones/${phoneId}/fingerprints`, { finger: 'thumb' })).body.code, 'ERR_REQUEST_FIELD');
    const enrolled = await call('POST', `/web/v1/phones/${phoneId}/fingerprints`, { finger: 'right-thumb' });
    assert.equal(enrolled.status, 201);
    assert.deepEqual((enrolled.body.fingerprints as { finger: string }[]).map((f) => f.finger), ['right-thumb']);
    assert.equal((await call('POST', `/web/v1/phones/${phoneId}/fingerprints`, { finger: 'right-thumb' })).body.code, 'ERR_BIOMETRIC_ALREADY_ENROLLED');
    const badPin = await call('POST', `/web/v1/phones/${phoneId}/fingerprint-unlock`, { pin: '0000', finger: 'right-thumb' });
    assert.deepEqual([badPin.status, badPin.body.code, badPin.body.triesLeft], [403, 'ERR_APP_SECRET_WRONG', 2]);
    const on = await call('POST', `/web/v1/phones/${phoneId}/fingerprint-unlock`, { pin: '2468', finger: 'right-thumb' });
    assert.equal((on.body.app as { fingerprintUnlock: boolean }).fingerprintUnlock, true);

    const challenge = Buffer.from('{"type":"jpki-mobile/login-challenge/v1","nonce":"abc"}');
    const login = await call('POST', `/web/v1/phones/${phoneId}/signatures`, { key: 'auth', challenge: challenge.toString('base64url'), finger: 'right-thumb' });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    assert.equal(login.body.via, 'fingerprint');
    const cert = `-----BEGIN CERTIFICATE-----\n${String(login.body.certificate)}\n-----END CERTIFICATE-----\n`;
    assert.equal(createVerify('sha256').update(challenge).verify(cert, Buffer.from(String(login.body.signature), 'base64')), true);
    const other = await call('POST', `/web/v1/phones/${phoneId}/signatures`, { key: 'auth', challenge: challenge.toString('base64url'), finger: 'left-index' });
    assert.deepEqual([other.status, other.body.code], [403, 'ERR_APP_BIOMETRIC_FAILED']);
    assert.equal((await call('POST', `/web/v1/phones/${phoneId}/signatures`, { key: 'auth', challenge: 'AA', pin: '2468', finger: 'right-thumb' })).body.code, 'ERR_REQUEST_FIELD');
  });

  it('the signature key signs a DigestInfo after the password; a wrong password says the tries left', async () => {
    const digestInfo = Buffer.from(sha256DigestInfo(Buffer.from('terms'))).toString('base64');
    const wrong = await call('POST', `/web/v1/phones/${phoneId}/signatures`, { key: 'sign', digestInfo, password: 'NOTIT1' });
    assert.deepEqual([wrong.status, wrong.body.code, wrong.body.triesLeft], [403, 'ERR_APP_SECRET_WRONG', 4]);
    const signed = await call('POST', `/web/v1/phones/${phoneId}/signatures`, { key: 'sign', digestInfo, password: 'PHONEPW1' });
    assert.equal(signed.status, 200, JSON.stringify(signed.body));
    assert.equal(signed.body.via, 'password');
    assert.equal(Buffer.from(String(signed.body.signature), 'base64').length, 256);
    assert.equal((await call('POST', `/web/v1/phones/${phoneId}/signatures`, { key: 'sign', digestInfo, password: 'PHONEPW1', pin: '2468' })).body.code, 'ERR_REQUEST_FIELD');
  });

  it('offline, the app says so; online again, it works; revocation from the phone (flow 7) revokes both at the CA (cessationOfOperation)', async () => {
    const off = await call('POST', `/web/v1/phones/${phoneId}/network`, { online: false });
    assert.equal(off.body.online, false);
    assert.equal((await call('POST', `/web/v1/phones/${phoneId}/network`, { online: 'no' })).body.code, 'ERR_REQUEST_FIELD');
    const offline = await call('POST', `/web/v1/phones/${phoneId}/revocation`, { pin: '2468' });
    assert.deepEqual([offline.status, offline.body.code], [503, 'ERR_APP_OFFLINE']);
    assert.equal((await call('POST', `/web/v1/phones/${phoneId}/network`, { online: true })).body.online, true);
    const revoked = await call('POST', `/web/v1/phones/${phoneId}/revocation`, { pin: '2468' });
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    assert.equal((revoked.body.revoked as string[]).length, 2);
    const certs = (await call('GET', `/web/v1/phones/${phoneId}/certificates`)).body.certificates as { status: string; reason: string; current: boolean }[];
    assert.deepEqual(certs.map((c) => `${c.status}:${c.reason}:${String(c.current)}`), ['revoked:cessationOfOperation:false', 'revoked:cessationOfOperation:false']);
    const after = (await call('GET', `/web/v1/phones/${phoneId}`)).body.app as { certificates: unknown; flows: Record<string, string> };
    assert.equal(after.certificates, null);
    assert.equal(after.flows.revocation, 'revoked');
    const notes = await call('POST', `/web/v1/phones/${phoneId}/notifications/poll`, {});
    assert.equal(notes.status, 200);
    assert.ok(Array.isArray(notes.body.notifications));
  });
});
