import assert from 'node:assert/strict';
import { createVerify } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
  let otherCardId: string;
  let shopPhone: { id: string; authSerial: string } | undefined;
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
    // A push message lives one second: an old phone kept offline makes its deletion "not confirmed" (flow 6.4).
    const configPath = join(home, 'config.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(configPath, JSON.stringify({ ...config, tsm: { ...(config.tsm as object), pushTtlSeconds: 1 } }, null, 2));
    system = await startSystem(home, { port });
    const person = { name: '鈴木\u3000三郎', address: '京都府京都市中京区1-1', birthDate: '1980-03-03', sex: 1 };
    const issued = await call('POST', '/web/v1/cards', { person, pin: '1111', password: 'CARDPW1' }, office);
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    cardId = String(issued.body.id);
    const other = await call('POST', '/web/v1/cards', { person: { name: '高橋\u3000花子', address: '大阪府大阪市北区1-1', birthDate: '1985-05-05', sex: 2 }, pin: '2222', password: 'OTHERPW1' }, office);
    assert.equal(other.status, 201, JSON.stringify(other.body));
    otherCardId = String(other.body.id);
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
    // What the app itself says (JpkiApp.status): its two certificates good by OCSP, no warning.
    const status = certs.body.status as { certificates: { which: string; serial: string; state: string; source: string }[]; warnings: string[]; deletionNotConfirmed: boolean };
    assert.deepEqual(status.certificates.map((c) => `${c.which}:${c.state}:${c.source}`), ['auth:good:ocsp', 'sign:good:ocsp']);
    assert.equal(status.certificates[0]!.serial, issued.body.authSerial);
    assert.deepEqual(status.warnings, []);
    assert.equal(certs.body.statusCode, null);
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

  it('PIN and password change on the phone (flow 5, local): bad input costs nothing; a wrong current PIN costs a try and says the tries left', async () => {
    const url = `/web/v1/phones/${phoneId}/secret-change`;
    const good = { which: 'pin', current: '2468', next: '1357', confirm: '1357' };
    for (const bad of [{ ...good, which: 'code' }, { which: 'pin', current: '2468', next: '1357' }, { ...good, extra: true }, { ...good, current: 2468 }, { ...good, next: 'x'.repeat(17) }]) {
      const r = await call('POST', url, bad);
      assert.deepEqual([r.status, r.body.code], [400, 'ERR_REQUEST_FIELD'], JSON.stringify(bad));
    }
    for (const bad of [{ ...good, confirm: '1358' }, { ...good, next: '13a7', confirm: '13a7' }]) {
      const r = await call('POST', url, bad);
      assert.deepEqual([r.status, r.body.code], [400, 'ERR_APP_SECRET_FORMAT'], JSON.stringify(bad));
    }
    assert.equal((await call('POST', '/web/v1/phones/00000000-0000-0000-0000-000000000000/secret-change', good)).body.code, 'ERR_WEB_PHONE_UNKNOWN');
    // The format refusals spent no try: the first wrong PIN leaves 2 of 3.
    const wrong = await call('POST', url, { ...good, current: '0000' });
    assert.deepEqual([wrong.status, wrong.body.code, wrong.body.triesLeft], [403, 'ERR_APP_SECRET_WRONG', 2]);
    const changed = await call('POST', url, good);
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal((changed.body.app as { fingerprintUnlock: boolean }).fingerprintUnlock, false, 'the sealed PIN was the old one: fingerprint unlock is off');
    const challenge = Buffer.from('after the change').toString('base64url');
    const login = await call('POST', `/web/v1/phones/${phoneId}/signatures`, { key: 'auth', challenge, pin: '1357' });
    assert.deepEqual([login.status, login.body.via], [200, 'pin']);
    const pw = await call('POST', url, { which: 'password', current: 'PHONEPW1', next: 'PHONEPW2', confirm: 'PHONEPW2' });
    assert.equal(pw.status, 200, JSON.stringify(pw.body));
    const digestInfo = Buffer.from(sha256DigestInfo(Buffer.from('new password'))).toString('base64');
    assert.equal((await call('POST', `/web/v1/phones/${phoneId}/signatures`, { key: 'sign', digestInfo, password: 'PHONEPW2' })).status, 200);
  });

  it('a forgotten, blocked PIN re-initialised online with the card (flow 5, online); another person\u2019s card is refused', async () => {
    const change = `/web/v1/phones/${phoneId}/secret-change`;
    for (const left of [2, 1, 0]) {
      const r = await call('POST', change, { which: 'pin', current: '0000', next: '1111', confirm: '1111' });
      assert.deepEqual([r.status, r.body.code, r.body.triesLeft], [403, 'ERR_APP_SECRET_WRONG', left]);
    }
    const blocked = await call('POST', `/web/v1/phones/${phoneId}/signatures`, { key: 'auth', challenge: 'AAAA', pin: '1357' });
    assert.deepEqual([blocked.status, blocked.body.code], [403, 'ERR_APP_SECRET_BLOCKED'], 'even the right PIN: blocked');

    const url = `/web/v1/phones/${phoneId}/secret-reset`;
    const good = { cardId, cardPassword: 'CARDPW1', secrets: 'pin', pin: '9753', pinConfirm: '9753' };
    for (const bad of [
      { ...good, secrets: 'all' },
      { ...good, password: 'NEWPW123', passwordConfirm: 'NEWPW123' },
      { cardId, cardPassword: 'CARDPW1', secrets: 'pin', pin: '9753' },
      { ...good, cardId: 'nope' },
      { ...good, secrets: 'both' },
    ]) {
      const r = await call('POST', url, bad);
      assert.deepEqual([r.status, r.body.code], [400, 'ERR_REQUEST_FIELD'], JSON.stringify(bad));
    }
    const mismatch = await call('POST', url, { ...good, pinConfirm: '9754' });
    assert.deepEqual([mismatch.status, mismatch.body.code], [400, 'ERR_APP_SECRET_FORMAT']);
    assert.equal(((await call('GET', `/web/v1/cards/${cardId}`)).body.password as { triesLeft: number }).triesLeft, 5, 'no card try spent');
    const wrongCard = await call('POST', url, { ...good, cardPassword: 'WRONG99' });
    assert.deepEqual([wrongCard.status, wrongCard.body.code, wrongCard.body.triesLeft], [403, 'ERR_APP_CARD_PASSWORD_WRONG', 4]);
    const stranger = await call('POST', url, { ...good, cardId: otherCardId, cardPassword: 'OTHERPW1' });
    assert.deepEqual([stranger.status, stranger.body.code], [403, 'ERR_APP_CARD_NOT_HOLDER'], JSON.stringify(stranger.body));
    assert.equal((await call('POST', `/web/v1/phones/${phoneId}/signatures`, { key: 'auth', challenge: 'AAAA', pin: '9753' })).body.code, 'ERR_APP_SECRET_BLOCKED', 'still blocked');

    const reset = await call('POST', url, good);
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    assert.equal(reset.body.secrets, 'pin');
    assert.match(String(reset.body.sessionId), /^ses_[0-9a-f]+$/);
    const login = await call('POST', `/web/v1/phones/${phoneId}/signatures`, { key: 'auth', challenge: 'AAAA', pin: '9753' });
    assert.deepEqual([login.status, login.body.via], [200, 'pin']);
    const digestInfo = Buffer.from(sha256DigestInfo(Buffer.from('password kept'))).toString('base64');
    assert.equal((await call('POST', `/web/v1/phones/${phoneId}/signatures`, { key: 'sign', digestInfo, password: 'PHONEPW2' })).status, 200, 'the password was not re-initialised');
  });

  it('offline, the app says so; online again, it works; revocation from the phone (flow 7) revokes both at the CA (cessationOfOperation)', async () => {
    const off = await call('POST', `/web/v1/phones/${phoneId}/network`, { online: false });
    assert.equal(off.body.online, false);
    assert.equal((await call('POST', `/web/v1/phones/${phoneId}/network`, { online: 'no' })).body.code, 'ERR_REQUEST_FIELD');
    const offline = await call('POST', `/web/v1/phones/${phoneId}/revocation`, { pin: '9753' });
    assert.deepEqual([offline.status, offline.body.code], [503, 'ERR_APP_OFFLINE']);
    assert.equal((await call('POST', `/web/v1/phones/${phoneId}/network`, { online: true })).body.online, true);
    const revoked = await call('POST', `/web/v1/phones/${phoneId}/revocation`, { pin: '9753' });
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

  /** A phone made, its app installed and prepared, and certificates issued with a card: over HTTP. */
  async function issuedPhone(model: string, card: string, cardPassword: string): Promise<{ id: string; authSerial: string }> {
    const made = await call('POST', '/web/v1/phones', { model });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const id = String(made.body.id);
    assert.equal((await call('POST', `/web/v1/phones/${id}/apps`, { packageName: 'jp.go.jpki.mobile' })).status, 201);
    assert.equal((await call('POST', `/web/v1/phones/${id}/preparation`)).status, 200);
    const issued = await call('POST', `/web/v1/phones/${id}/issuance`, { cardId: card, cardPassword, pin: '4321', pinConfirm: '4321', password: 'SHOPPW12', passwordConfirm: 'SHOPPW12' });
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    return { id, authSerial: String(issued.body.authSerial) };
  }

  it('the shop check (flow 11): clean, certificates present with the status unknown without the PIN, valid with it; bad input refused', async () => {
    const wiped = await call('POST', `/web/v1/phones/${phoneId}/shop-check`, {});
    assert.deepEqual([wiped.status, wiped.body.verdict], [200, 'clean'], 'the phone revoked from itself holds no key');
    const b = await issuedPhone('Shop Phone', otherCardId, 'OTHERPW1');
    shopPhone = b;
    const url = `/web/v1/phones/${b.id}/shop-check`;
    for (const bad of [{ pin: '12' }, { pin: 1234 }, { pin: '1234', other: 1 }, []]) {
      const r = await call('POST', url, bad);
      assert.deepEqual([r.status, r.body.code], [400, 'ERR_REQUEST_FIELD'], JSON.stringify(bad));
    }
    assert.equal((await call('POST', '/web/v1/phones/00000000-0000-0000-0000-000000000000/shop-check', {})).body.code, 'ERR_WEB_PHONE_UNKNOWN');
    const noPin = await call('POST', url);
    assert.equal(noPin.status, 200, JSON.stringify(noPin.body));
    assert.equal(noPin.body.verdict, 'certificates present (status unknown)');
    assert.deepEqual(noPin.body.keys, { sign: true, auth: true });
    assert.match(String(noPin.body.tokenLabel), /.+/);
    const wrong = await call('POST', url, { pin: '0000' });
    assert.deepEqual([wrong.body.verdict, wrong.body.reason], ['certificates present (status unknown)', 'ERR_JPKI_AP_PIN_INCORRECT']);
    const valid = await call('POST', url, { pin: '4321' });
    assert.deepEqual([valid.body.verdict, valid.body.authSerial], ['certificates present (valid)', b.authSerial]);
  });

  it('a new handset while the old one is offline (flow 6.4): the app says its deletion is not confirmed; the shop sees revoked keys on the old one', async () => {
    const b = shopPhone!;
    assert.equal(((await call('POST', `/web/v1/phones/${b.id}/network`, { online: false })).body as { online: boolean }).online, false);
    const c = await issuedPhone('Newer Phone', otherCardId, 'OTHERPW1');
    // The SP-TSM's push message to the old phone lives one second; the order desk then says it expired (bounded wait).
    let certs: Body | undefined;
    for (let i = 0; i < 30; i++) {
      certs = (await call('GET', `/web/v1/phones/${c.id}/certificates`)).body;
      if ((certs.status as { deletionNotConfirmed?: boolean } | null)?.deletionNotConfirmed) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const status = certs!.status as { deletionNotConfirmed: boolean; warnings: string[]; certificates: { state: string }[] };
    assert.equal(status.deletionNotConfirmed, true, JSON.stringify(certs));
    assert.match(status.warnings[0]!, /is not confirmed: the phone could not be reached \(push expired\)\. Reset the old phone \(factory reset\), or take it to a shop/);
    assert.deepEqual(status.certificates.map((x) => x.state), ['good', 'good']);
    const order = (certs!.orders as { orders: { deletion: string; state: string }[] }).orders[0]!;
    assert.deepEqual([order.state, order.deletion], ['pending', 'not-confirmed']);
    const seen = await call('POST', `/web/v1/phones/${b.id}/shop-check`, { pin: '4321' });
    assert.deepEqual([seen.body.verdict, seen.body.reason], ['certificates present (revoked)', 'ERR_RP_CERT_REVOKED']);
  });

  it('a factory reset (flow 10) needs its confirmation; offline the notice stays pending, online it is delivered and the shop finds the phone clean', async () => {
    const b = shopPhone!;
    const url = `/web/v1/phones/${b.id}/factory-reset`;
    for (const [bad, code] of [[undefined, 'ERR_WEB_RESET_NOT_CONFIRMED'], [{}, 'ERR_WEB_RESET_NOT_CONFIRMED'], [{ confirm: 'yes' }, 'ERR_WEB_RESET_NOT_CONFIRMED'], [{ confirm: true, wipe: 1 }, 'ERR_REQUEST_FIELD']] as const) {
      const r = await call('POST', url, bad);
      assert.deepEqual([r.status, r.body.code], [400, code], JSON.stringify(bad));
    }
    assert.notEqual((await call('GET', `/web/v1/phones/${b.id}`)).body.app, null, 'nothing wiped by a refused request');
    const reset = await call('POST', url, { confirm: true });
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    const notice = reset.body.notice as { id: string; resetAt: string; deviceId: string };
    assert.match(notice.id, /^[0-9A-F]{32}$/);
    assert.deepEqual(reset.body.completed, []);
    const pending = reset.body.pending as { handler: string; lastError: string }[];
    assert.deepEqual(pending.map((p) => p.handler).sort(), ['jpki-se-agent', 'push-agent']);
    assert.equal(pending.find((p) => p.handler === 'jpki-se-agent')!.lastError, 'ERR_APP_RESET_NOT_DELIVERED');
    const phone = reset.body.phone as { app: unknown; fingerprints: unknown[]; pendingResetNotices: number; factoryResets: number; lastReset: { noticeId: string; pending: string[] } };
    assert.equal(phone.app, null, 'the app is gone');
    assert.deepEqual([phone.pendingResetNotices, phone.factoryResets, phone.lastReset.noticeId], [2, 1, notice.id]);
    const still = await call('POST', `/web/v1/phones/${b.id}/shop-check`);
    assert.equal(still.body.verdict, 'certificates present (status unknown)', 'offline, the keys wait for the notice');
    const online = await call('POST', `/web/v1/phones/${b.id}/network`, { online: true });
    assert.equal((online.body as { pendingResetNotices: number }).pendingResetNotices, 0, 'delivered once online');
    const clean = await call('POST', `/web/v1/phones/${b.id}/shop-check`, { pin: '4321' });
    assert.deepEqual([clean.status, clean.body.verdict], [200, 'clean']);
    const listed = await call('GET', '/web/v1/phones');
    assert.ok((listed.body.phones as { id: string }[]).some((p) => p.id === b.id), 'the shelf keeps the phone');
  });
});
