import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { toHex } from '../../../src/bytes/index.js';
import { MemoryCardStore } from '../../../src/card/index.js';
import { startSystem, type RunningSystem } from '../../../src/cli/runtime/jpki-system.js';
import { main } from '../../../src/cli/program.js';
import { IdCard, issueCard as officeIssueCard, type CardCertificateRequest, type CardCertificates } from '../../../src/devices/id-card/index.js';
import { createElement, SecureElement, type SeState } from '../../../src/devices/secure-element/index.js';
import { cardPortChannels, phoneElementOptions, readCplc, registerAppInstance, RelayClient, replaceTemporarySecrets } from '../../../src/services/tsm/index.js';
import { JpkiApClient } from '../../../src/transports/jpki-ap/index.js';
import { DEFAULT_PERSON, freePort } from '../../helpers/jpki.js';
import { cardSigner, JPKI_PACKAGE, startTsm, TEST_KDF } from './helpers.js';

/**
 * The TSMs as `jpki-mobile start` runs them: secrets made at init (owner-only), the SP-TSM calling the
 * certification service of the same server over HTTP with its own operator token, a production element
 * registered by its maker through the API, flows 2 and 3 through the relay client; then `jpki-mobile
 * tsm sessions` and `tsm trace` read what was recorded.
 */

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

function pemToDer(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64'));
}

describe('TSMs in the running system', () => {
  let home: string;
  let system: RunningSystem;
  let appCertHash: string;
  const secret = (name: string) => readFileSync(join(home, 'secrets', name), 'utf8').trim();

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'jpki-tsm-system-'));
    const port = await freePort();
    const init = io();
    assert.equal(await main(['init', '--home', home, '--port', String(port)], init.io), 0, init.err.join(''));
    assert.match(init.out.join(''), /TSM secret: .*sei-master\.key/);
    assert.equal(await main(['operator', 'add', '--home', home, '--id', 'office-1', '--role', 'office'], io().io), 0);
    system = await startSystem(home, { port });
    // The app's certificate hash, from the same self-signed certificate the other tests use.
    const h = await startTsm();
    appCertHash = h.appCertificateHash;
    await h.stop();
  });
  after(async () => {
    await system?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('init made the SEI master secret, the SP storage secret and the SP-TSM operator token, owner-only', () => {
    for (const name of ['sei-master.key', 'sp-storage.key', 'sp-tsm.token']) assert.equal(statSync(join(home, 'secrets', name)).mode & 0o777, 0o600, name);
    assert.match(secret('sei-master.key'), /^[0-9a-f]{64}$/);
    assert.notEqual(secret('sei-master.key'), secret('sp-storage.key'));
    assert.match(secret('sp-tsm.token'), /^jpki_sptsm_/);
  });

  it('prepares and issues on a production element through the system\'s own routes', async () => {
    const api = async (method: string, path: string, body: unknown, token: string) => {
      const res = await fetch(system.url + path, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const admin = secret('admin.token');
    assert.equal((await api('POST', '/tsm/v1/app-certificates', { sha256: appCertHash, label: 'JPKI app' }, admin)).status, 200);

    const made = createElement(phoneElementOptions('production', { jpkiPackage: JPKI_PACKAGE }));
    const element = await SecureElement.open(new MemoryCardStore<SeState>(made.state), { packages: phoneElementOptions('production', { jpkiPackage: JPKI_PACKAGE }).packages });
    const channels = cardPortChannels(element.contact);
    const cplc = await readCplc(channels);
    const k = made.isdKeys;
    const registered = await api('POST', '/tsm/v1/elements', { cplc: toHex(cplc), profile: 'production', maker: 'SE maker', isdKeys: { kvn: '30', enc: toHex(k.enc), mac: toHex(k.mac), dek: toHex(k.dek) } }, admin);
    assert.equal(registered.status, 201, JSON.stringify(registered.json));
    const app = await registerAppInstance(system.url, { cplc, appCertificateHash: appCertHash });
    const client = new RelayClient({ baseUrl: system.url, appInstanceId: app.appInstanceId, credential: app.credential, channels });
    const prepared = await client.run({ seId: app.seId, purpose: 'prepare' });
    assert.equal(prepared.session.state, 'completed', JSON.stringify(prepared.session));

    const office = secret('operators/office-1.token');
    const issue = async (req: CardCertificateRequest): Promise<CardCertificates> => {
      const r = await api(
        'POST',
        '/api/v1/card-certificates',
        { person: req.person, cardExpiry: req.cardExpiry, signPublicKey: Buffer.from(req.signPublicKey).toString('base64'), authPublicKey: Buffer.from(req.authPublicKey).toString('base64') },
        office,
      );
      assert.equal(r.status, 201, JSON.stringify(r.json));
      const ca = async (h: string) => new Uint8Array(await (await fetch(`${system.url}/ca/${h}/1.crt`)).arrayBuffer());
      const sign = r.json.sign as { pem: string };
      const auth = r.json.auth as { pem: string };
      return { personId: String(r.json.personId), cardId: String(r.json.cardId), signCertificate: pemToDer(sign.pem), authCertificate: pemToDer(auth.pem), signCaCertificate: await ca('sign'), authCaCertificate: await ca('auth') };
    };
    const state = await officeIssueCard({ person: DEFAULT_PERSON, cardExpiry: '2035-12-31', pin: '1234', password: 'CARDPW1' }, issue, { kdf: TEST_KDF });
    const device = new IdCard(state, new MemoryCardStore(state));
    await device.powerOn();
    const card = { state, device, client: new JpkiApClient({ transmit: (c) => device.transmit(c) }) };
    let temporary = { pin: '', password: '' };
    const issued = await client.run(
      { seId: app.seId, purpose: 'issue' },
      {
        signApplication: cardSigner(card),
        async replaceSecrets(t) {
          temporary = { pin: t.pin!, password: t.password! };
          await replaceTemporarySecrets(channels, temporary, { pin: '8642', password: 'OWNPASSWORD9' });
        },
      },
    );
    assert.equal(issued.session.state, 'completed', JSON.stringify(issued.session));
    const serial = (issued.session.result as { auth: { serial: string } }).auth.serial;
    const status = (await (await fetch(`${system.url}/api/v1/certificates/${serial}`, { headers: { authorization: `Bearer ${admin}` } })).json()) as Record<string, unknown>;
    assert.deepEqual([status.status, status.device, status.seId], ['good', 'phone', app.seId]);

    const sessions = io();
    assert.equal(await main(['tsm', 'sessions', '--home', home], sessions.io), 0, sessions.err.join(''));
    const lines = sessions.out.join('').trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, new RegExp(`^${issued.session.sessionId} .* issue +${app.seId} +completed +batches 3$`));
    assert.match(lines[1]!, new RegExp(`^${prepared.session.sessionId} .* prepare +${app.seId} +completed +batches 3$`));
    const trace = io();
    assert.equal(await main(['tsm', 'trace', '--home', home, '--session', issued.session.sessionId], trace.io), 0, trace.err.join(''));
    const text = trace.out.join('');
    assert.match(text, /GENERATE KEY PAIR/);
    assert.match(text, /bytes redacted/);
    assert.match(temporary.password, /^[A-Z0-9]{16}$/);
    assert.ok(!text.includes(temporary.password));
    assert.ok(!text.includes(Buffer.from(temporary.password).toString('hex').toUpperCase()));
    assert.match(text, /secrets replaced/);
    const missing = io();
    assert.equal(await main(['tsm', 'trace', '--home', home, '--session', 'ses_nothing'], missing.io), 1);
    assert.match(missing.err.join(''), /\[ERR_TSM_UNKNOWN_SESSION\]/);
  });
});
