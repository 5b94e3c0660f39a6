import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileCardStore } from '../../src/card/index.js';
import { issueCard, type CardCertificateRequest, type CardCertificates, type IdCardState } from '../../src/devices/id-card/index.js';
import { main } from '../../src/cli/program.js';
import { startSystem, type RunningSystem } from '../../src/cli/runtime/jpki-system.js';
import { verifyCompact } from '../../src/relying-parties/index.js';
import { PASSWORD, PIN, TEST_KDF } from '../devices/id-card/helpers.js';
import { DEFAULT_PERSON, freePort } from '../helpers/jpki.js';
import { fromRoot } from '../helpers/paths.js';
import { startPcscSession, VPCD_READER, VPCD_READER_1, type NsProcess, type PcscSession } from '../helpers/pcsc.js';
import { openPhoneDir } from '../../src/app/index.js';

/*
 * The kiosk through real PC/SC: pcscd with vsmartcard's vpcd in private namespaces, the Individual
 * Number Card inserted by `jpki-mobile card attach` (slot 0), a phone held to the second reader by
 * `jpki-mobile phone nfc` (slot 1: its NFC card emulation, the element's contactless side), and the system of a home started by startSystem
 * (the certification service, and the portal, bank and kiosk it mounts). The kiosk's HTTP API in this
 * process and `jpki-mobile kiosk` in another both reach that pcscd through its socket
 * (PCSCLITE_CSOCK_NAME=/proc/<pcscd>/root/run/pcscd/pcscd.comm), and the service on this machine's
 * loopback.
 */

const BIN = fromRoot('dist', 'src', 'cli', 'main.js');
const unavailable = process.getuid?.() === 0 ? false : 'needs root for unshare --mount --net';

interface Exit {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe('the kiosk through pcscd and the virtual reader, in the system startSystem runs', { skip: unavailable }, () => {
  let home: string;
  let system: RunningSystem;
  let session: PcscSession;
  let socket: string;
  let card: IdCardState;
  let office: (req: CardCertificateRequest) => Promise<CardCertificates>;

  const api = async (method: string, path: string, json?: unknown) => {
    const res = await fetch(system.url + path, { method, ...(json !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) } : {}) });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  const kioskCli = (args: string[], input: string | undefined, env: NodeJS.ProcessEnv = {}): Promise<Exit> =>
    new Promise((resolve) => {
      const child = execFile(process.execPath, [BIN, 'kiosk', ...args], { env: { PATH: process.env.PATH, PCSCLITE_CSOCK_NAME: socket, ...env }, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(input ?? '');
    });

  before(async () => {
    session = await startPcscSession();
    // Before anything in this process opens PC/SC: libpcsclite reads it once.
    socket = `/proc/${session.pid}/root/run/pcscd/pcscd.comm`;
    process.env.PCSCLITE_CSOCK_NAME = socket;
    home = mkdtempSync(join(tmpdir(), 'jpki-kiosk-'));
    const port = await freePort();
    const out: string[] = [];
    assert.equal(await main(['init', '--home', home, '--port', String(port)], { out: (t) => out.push(t), err: (t) => out.push(t) }), 0, out.join(''));
    system = await startSystem(home, { port });
    // The municipal office issues the card through the running service's API (an admin may act as the office).
    const admin = readFileSync(join(home, 'secrets', 'admin.token'), 'utf8').trim();
    office = async (req: CardCertificateRequest): Promise<CardCertificates> => {
      const res = await fetch(`${system.url}/api/v1/card-certificates`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
        body: JSON.stringify({ person: req.person, cardExpiry: req.cardExpiry, signPublicKey: Buffer.from(req.signPublicKey).toString('base64'), authPublicKey: Buffer.from(req.authPublicKey).toString('base64') }),
      });
      const body = (await res.json()) as { personId: string; cardId: string; sign: { pem: string }; auth: { pem: string } };
      assert.equal(res.status, 201, JSON.stringify(body));
      const der = (pem: string) => new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64'));
      const ca = async (h: string) => new Uint8Array(await (await fetch(`${system.url}/ca/${h}/1.crt`)).arrayBuffer());
      return { personId: body.personId, cardId: body.cardId, signCertificate: der(body.sign.pem), authCertificate: der(body.auth.pem), signCaCertificate: await ca('sign'), authCaCertificate: await ca('auth') };
    };
    card = await issueCard({ person: { ...DEFAULT_PERSON, name: '松本\u3000大輔' }, cardExpiry: '2035-12-31', pin: PIN, password: PASSWORD }, office, { kdf: TEST_KDF });
    const path = join(session.dir, 'card.json');
    await new FileCardStore<IdCardState>(path).create(card);
    await session.attach(path);
  });

  after(async () => {
    await system?.stop();
    await session?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('runs the transaction over HTTP: the card in Virtual PCD 00 00, a wrong PIN with tries left, the PIN, a certificate of residence', async () => {
    const readers = await api('GET', '/kiosk/v1/readers');
    assert.equal(readers.status, 200, JSON.stringify(readers.json));
    assert.deepEqual(readers.json.pcsc, { available: true });
    assert.deepEqual(
      readers.json.readers.find((r: { name: string }) => r.name === VPCD_READER),
      { name: VPCD_READER, cardPresent: true, kind: 'pcsc' },
    );
    const s = await api('POST', '/kiosk/v1/sessions', { reader: VPCD_READER });
    assert.equal(s.status, 201, JSON.stringify(s.json));
    assert.equal(s.json.holder, 'card');
    assert.equal(s.json.tokenLabel, 'JPKIAPICCTOKEN2');
    assert.equal(s.json.triesLeft, 3);
    const id = s.json.sessionId as string;
    const wrong = await api('POST', `/kiosk/v1/sessions/${id}/pin`, { pin: '0000' });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.json.code, 'ERR_KIOSK_PIN_INCORRECT');
    assert.equal(wrong.json.triesLeft, 2);
    const done = await api('POST', `/kiosk/v1/sessions/${id}/pin`, { pin: PIN });
    assert.equal(done.status, 200, JSON.stringify(done.json));
    const result = await api('GET', `/kiosk/v1/sessions/${id}/result`);
    assert.equal(result.json.document.resident.name, '松本\u3000大輔');
    assert.equal(result.json.document.verification.holder, 'card');
    const keys = (await api('GET', '/kiosk/v1/keys')).json.keys as { kid: string; kty: 'OKP'; crv: 'Ed25519'; x: string }[];
    const key = keys.find((k) => k.kid === result.json.kid)!;
    assert.ok(verifyCompact(result.json.jws, { kty: key.kty, crv: key.crv, x: key.x }));
  });

  it('jpki-mobile kiosk --reader: the PIN from standard input, asked again after a wrong one; from the environment, once', async () => {
    const ok = await kioskCli(['--reader', VPCD_READER, '--home', home], '9999\n1234\n');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Individual Number Card on 'Virtual PCD 00 00' \(JPKIAPICCTOKEN2\); PIN: 3 tries left/);
    assert.match(ok.stderr, /wrong PIN: 2 tries left \[ERR_KIOSK_PIN_INCORRECT\]/);
    assert.match(ok.stdout, /name: {7}松本\u3000大輔/);
    assert.match(ok.stdout, /\n[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/);

    const wrong = await kioskCli(['--reader', VPCD_READER, '--home', home], undefined, { JPKI_KIOSK_PIN: '0000' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /\[ERR_KIOSK_PIN_INCORRECT\]/);
    const right = await kioskCli(['--reader', VPCD_READER, '--home', home], undefined, { JPKI_KIOSK_PIN: PIN });
    assert.equal(right.code, 0, right.stderr);
    const missing = await kioskCli(['--reader', 'Virtual PCD 00 07', '--home', home], undefined, { JPKI_KIOSK_PIN: PIN });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /\[ERR_KIOSK_READER_NOT_FOUND\]/);
    const flag = await kioskCli(['--reader', VPCD_READER, '--home', home, '--pin', PIN], undefined);
    assert.equal(flag.code, 2, 'no --pin flag');
  });

  it('serves the portal and the bank it mounts next to the service', async () => {
    assert.equal((await api('GET', '/portal/v1/forms')).status, 200);
    const challenge = await api('POST', '/portal/v1/login/challenges');
    assert.equal(challenge.status, 201);
    assert.equal(challenge.json.rpId, `${system.url}/portal`);
    assert.equal((await api('POST', '/bank/v1/account-openings')).status, 201);
    assert.equal((await api('GET', '/portal/v1/me')).json.code, 'ERR_PORTAL_UNAUTHENTICATED');
  });

  describe('a phone held to the second reader (jpki-mobile phone nfc)', () => {
    let phoneDir: string;
    let authSerial: string;
    let held: NsProcess;
    const cli = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
      const out: string[] = [];
      const err: string[] = [];
      const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
      Object.assign(process.env, env);
      try {
        const code = await main(args, { out: (t) => void out.push(t), err: (t) => void err.push(t) });
        return { code, out: out.join(''), err: err.join('') };
      } finally {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
    };

    before(async () => {
      // The phone's owner has a card of her own (not in a reader: held to the phone during issuance).
      const ownCard = await issueCard({ person: { ...DEFAULT_PERSON, name: '藤田\u3000美咲', sex: 2 }, cardExpiry: '2035-12-31', pin: PIN, password: PASSWORD }, office, { kdf: TEST_KDF });
      const cardFile = join(home, 'phone-owner-card.json');
      await new FileCardStore<IdCardState>(cardFile).create(ownCard);
      phoneDir = join(home, 'phone');
      const made = await cli(['phone', 'new', '--home', home, '--out', phoneDir, '--url', system.url]);
      assert.equal(made.code, 0, made.err);
      const installed = await cli(['app', 'install', '--phone', phoneDir]);
      assert.equal(installed.code, 0, installed.err);
      const issued = await cli(['app', 'issue', '--phone', phoneDir, '--card', cardFile], { JPKI_CARD_PASSWORD: PASSWORD, JPKI_NEW_PIN: '2468', JPKI_NEW_PASSWORD: 'PHONEPW1' });
      assert.equal(issued.code, 0, issued.err);
      authSerial = /user-authentication certificate ([0-9A-F]+)/.exec(issued.out)![1]!;
    });

    it('is refused with ERR_NFC_NO_CARD while NFC is off on the phone, and nothing is put into the reader', async () => {
      const set = async (on: boolean) => {
        const opened = await openPhoneDir(phoneDir);
        await opened.phone.setNfcEnabled(on);
        await opened.close();
      };
      await set(false);
      try {
        const off = await cli(['phone', 'nfc', '--phone', phoneDir, '--vpcd', '127.0.0.1:1']);
        assert.equal(off.code, 1);
        assert.match(off.err, /NFC is off on the phone .* \[ERR_NFC_NO_CARD\]/);
        assert.equal(off.out, '');
      } finally {
        await set(true);
      }
      const bad = await cli(['phone', 'nfc', '--phone', phoneDir, '--vpcd', 'nowhere']);
      assert.equal(bad.code, 2, bad.err);
    });

    it('runs the transaction over HTTP with the phone in Virtual PCD 00 01: phone-auth, a wrong PIN with tries left, the PIN, a certificate of residence', async () => {
      held = await session.attachPhone(phoneDir, 1);
      assert.match(held.stdout(), /NFC card emulation\n/);
      const readers = await api('GET', '/kiosk/v1/readers');
      assert.deepEqual(
        readers.json.readers.filter((r: { name: string }) => r.name === VPCD_READER || r.name === VPCD_READER_1),
        [
          { name: VPCD_READER, cardPresent: true, kind: 'pcsc' },
          { name: VPCD_READER_1, cardPresent: true, kind: 'pcsc' },
        ],
      );
      const s = await api('POST', '/kiosk/v1/sessions', { reader: VPCD_READER_1 });
      assert.equal(s.status, 201, JSON.stringify(s.json));
      assert.equal(s.json.holder, 'phone');
      assert.equal(s.json.tokenLabel, 'JPKIAPGPSETOKEN');
      assert.equal(s.json.triesLeft, 3);
      const id = s.json.sessionId as string;
      const wrong = await api('POST', `/kiosk/v1/sessions/${id}/pin`, { pin: '1357' });
      assert.equal(wrong.status, 403);
      assert.equal(wrong.json.code, 'ERR_KIOSK_PIN_INCORRECT');
      assert.equal(wrong.json.triesLeft, 2);
      const done = await api('POST', `/kiosk/v1/sessions/${id}/pin`, { pin: '2468' });
      assert.equal(done.status, 200, JSON.stringify(done.json));
      const result = await api('GET', `/kiosk/v1/sessions/${id}/result`);
      assert.equal(result.json.document.resident.name, '藤田\u3000美咲');
      assert.equal(result.json.document.verification.holder, 'phone');
      assert.equal(result.json.document.verification.certificateSerial, authSerial);
      const keys = (await api('GET', '/kiosk/v1/keys')).json.keys as { kid: string; kty: 'OKP'; crv: 'Ed25519'; x: string }[];
      const key = keys.find((k) => k.kid === result.json.kid)!;
      assert.ok(verifyCompact(result.json.jws, { kty: key.kty, crv: key.crv, x: key.x }));
      // The right PIN reset the applet's counter, and the element file kept it: the next session sees 3 tries.
      const next = await api('POST', '/kiosk/v1/sessions', { reader: VPCD_READER_1 });
      assert.equal(next.json.triesLeft, 3);
      assert.equal((await api('DELETE', `/kiosk/v1/sessions/${next.json.sessionId}`)).status, 204);
    });

    it('jpki-mobile kiosk reads the phone too; taking the phone away (SIGTERM) empties the reader', async () => {
      const r = await kioskCli(['--reader', VPCD_READER_1, '--home', home], undefined, { JPKI_KIOSK_PIN: '2468' });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /'Virtual PCD 00 01' \(JPKIAPGPSETOKEN\)/);
      assert.match(r.stdout, /name: {7}藤田\u3000美咲/);
      const stopped = await held.stop('SIGTERM');
      assert.equal(stopped.status, 0, stopped.stderr);
      assert.match(stopped.stdout, /SIGTERM: phone taken away, stopped\n$/);
      await session.waitForCard(false, 10_000, 1);
      const empty = await api('POST', '/kiosk/v1/sessions', { reader: VPCD_READER_1 });
      assert.equal(empty.status, 409);
      assert.equal(empty.json.code, 'ERR_KIOSK_NO_CARD');
    });
  });
});
