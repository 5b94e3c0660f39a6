import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { omapiChannels, shopCheck, type JpkiApp } from '../../src/app/index.js';
import { toHex } from '../../src/bytes/index.js';
import { MemoryChallengeStore, RelyingParty } from '../../src/sdk/index.js';
import { deliverResetNotice, readCplc, RelayRefusal, resetNoticeChallenge } from '../../src/services/tsm/index.js';
import type { Database } from '../../src/store/index.js';
import { anchors, installApp, newPhone, startHome, type SystemHarness, type TestPhone } from '../app/helpers.js';
import { elementContents, ISSUED, jpkiOnElement, NO_JPKI, PREPARED } from './support/element-status.js';
import { caStatus, cardFor, homeDatabase, ocspStatus } from './support/reset-system.js';

/**
 * Flow 10, factory reset, end to end: the whole system in process (a temporary home, real HTTP on
 * 127.0.0.1), a phone with its production secure element, the app prepared and issued with a card.
 * A reset while online: the OS's SE agent proves the notice with the ISD, the SEI-TSM has the CA revoke
 * the phone certificates (cessationOfOperation: OCSP says so) and opens the clean-up session, which the
 * agent runs before the wipe ends: GET STATUS through the ISD finds no JPKI domain, applet or load file.
 * The push component told the push service (the device is `reset` there). A reset while offline keeps
 * the notice pending until the phone is online again. Forged, altered and repeated notices.
 */

const PIN = '2580';
const PASSWORD = 'RESETPW10';

async function issued(h: SystemHarness, p: TestPhone): Promise<{ app: JpkiApp; sign: string; auth: string }> {
  const app = await installApp(h, p);
  await app.prepare();
  const card = await cardFor(h);
  const r = await app.issue({ card, cardPassword: async () => 'CARDPW1', newSecrets: async () => ({ pin: PIN, pinConfirm: PIN, password: PASSWORD, passwordConfirm: PASSWORD }) });
  return { app, sign: r.signSerial, auth: r.authSerial };
}

describe('flow 10: factory reset, end to end', () => {
  let h: SystemHarness;
  let db: Database;
  let portal: RelyingParty;

  before(async () => {
    h = await startHome();
    db = await homeDatabase(h);
    portal = new RelyingParty({ trustAnchors: await anchors(h), rpId: 'portal.example.jp', login: { challengeStore: new MemoryChallengeStore() } });
  });
  after(async () => {
    await db?.close();
    await h?.system.stop();
    if (h) rmSync(h.home, { recursive: true, force: true });
  });

  it('online: the notice is delivered, the certificates revoked (OCSP: cessationOfOperation), the JPKI domain deleted before the wipe ends', async () => {
    const p = await newPhone(h, 'Reset Phone');
    const x = await issued(h, p);
    assert.deepEqual(await jpkiOnElement(h, p), ISSUED);
    assert.equal((await ocspStatus(h, 'auth', x.auth)).kind, 'good');
    assert.equal((await shopCheck(p.phone.nfc, { relyingParty: portal, pin: PIN })).verdict, 'certificates present (valid)');
    // Lifted from the shop's reader (while in the field, the applet stays selected on the contactless
    // interface and the element refuses to delete it: the clean-up would wait for the next delivery).
    await p.phone.nfc.powerOff();

    const report = await p.phone.factoryReset();
    assert.deepEqual([...report.completed].sort(), ['jpki-se-agent', 'push-agent']);
    assert.deepEqual(report.pending, []);
    assert.equal(p.phone.pendingResetNotices.length, 0);

    // The CA: both phone certificates revoked, cessationOfOperation (5), in its records and in OCSP.
    for (const [hierarchy, serial] of [['sign', x.sign], ['auth', x.auth]] as const) {
      const ca = await caStatus(h, serial);
      assert.equal(ca.status, 'revoked');
      assert.equal(ca.reason, 5);
      const ocsp = await ocspStatus(h, hierarchy, serial);
      assert.equal(ocsp.kind, 'revoked');
      assert.equal(ocsp.kind === 'revoked' && ocsp.reason, 5);
    }
    // The element: no JPKI security domain, applet or load file left (GET STATUS through the ISD).
    const contents = await elementContents(h, p);
    assert.deepEqual([...contents.applications, ...contents.loadFiles].filter((e) => e.aid.startsWith('D392F00026')), []);
    assert.deepEqual([contents.isd.state, contents.applications.map((e) => e.aid)], ['SECURED', ['A00000015141434C00']], 'the ISD lists its own ARA-M, nothing else');
    assert.equal((await shopCheck(p.phone.nfc, { relyingParty: portal })).verdict, 'clean');
    // The SEI: the element is registered again; the notice recorded; the delete-apsd order done by the agent's session.
    assert.equal((await h.api('GET', `/tsm/v1/elements/${p.seId}`, undefined, h.admin)).json.state, 'registered');
    const orders = (await h.api('GET', `/tsm/v1/orders?seId=${p.seId}`, undefined, h.admin)).json.orders as { kind: string; state: string; serials: string[] }[];
    assert.deepEqual(orders.map((o) => [o.kind, o.state]), [['delete-apsd', 'done']]);
    assert.deepEqual([...orders[0]!.serials].sort(), [x.sign, x.auth].sort());
    const sessions = (await h.api('GET', `/tsm/v1/sessions?seId=${p.seId}`, undefined, h.admin)).json.sessions as { sessionId: string; purpose: string; state: string; appInstanceId: string | null }[];
    const cleanup = sessions.find((s) => s.purpose === 'reset-cleanup')!;
    assert.equal(cleanup.state, 'completed');
    assert.equal(cleanup.appInstanceId, null, 'run by the OS SE agent, not an app');
    const trace = (await h.api('GET', `/tsm/v1/sessions/${cleanup.sessionId}/trace`, undefined, h.admin)).json.entries as { label: string; outcome: string }[];
    assert.ok(trace.some((e) => e.label === 'DELETE APSD with related objects (its keys)' && e.outcome === 'ok'));
    const notices = await db.query<{ outcome: string; deliveries: number; revoked: string }>('SELECT outcome, deliveries, revoked FROM sei_reset_notices WHERE se_id = $1', [p.seId]);
    assert.equal(notices.length, 1);
    assert.equal(notices[0]!.outcome, 'reset');
    // The push service: the device was reset there (its tokens dead).
    const tokenHash = createHash('sha256').update(x.app.data.pushToken!, 'utf8').digest('hex');
    const push = await db.query<{ device: string; registration: string; reason: string }>(
      'SELECT d.state AS device, r.state AS registration, r.dead_reason AS reason FROM push_registrations r JOIN push_devices d ON d.id = r.device_id WHERE r.token_hash = $1',
      [tokenHash],
    );
    assert.deepEqual(push, [{ device: 'reset', registration: 'dead', reason: 'device-reset' }]);
    // The app's instance at the SP-TSM is disabled.
    const instances = await db.query<{ disabled_at: string | null }>('SELECT disabled_at FROM sp_app_instances WHERE id = $1', [x.app.data.appInstanceId]);
    assert.ok(instances[0]?.disabled_at);

    // A new installation prepares the cleaned element again.
    const again = await installApp(h, p);
    assert.equal((await again.prepare()).session.state, 'completed');
    assert.deepEqual(await jpkiOnElement(h, p), PREPARED);
  });

  it('offline: the notice stays pending and nothing is revoked until the phone is online; then the same outcome', async () => {
    const p = await newPhone(h, 'Offline Reset Phone');
    const x = await issued(h, p);
    await p.phone.setOnline(false);
    const report = await p.phone.factoryReset();
    assert.deepEqual(report.completed, []);
    assert.deepEqual([...report.pending].sort(), ['jpki-se-agent', 'push-agent']);
    assert.equal((await caStatus(h, x.auth)).status, 'good');
    assert.deepEqual(await jpkiOnElement(h, p), ISSUED, 'nothing deleted while offline');
    await p.phone.setOnline(true);
    assert.equal(p.phone.pendingResetNotices.length, 0);
    assert.equal((await ocspStatus(h, 'sign', x.sign)).kind, 'revoked');
    assert.equal((await caStatus(h, x.auth)).reason, 5);
    assert.deepEqual(await jpkiOnElement(h, p), NO_JPKI);
  });

  it('a notice is proven by the element: altered or for an unknown element it is refused; the same notice again gets the same answer', async () => {
    const p = await newPhone(h, 'Notice Phone');
    const x = await issued(h, p);
    const agent = () => omapiChannels(p.phone.openSystemSeService('test-agent'));
    const notice = { id: 'A1'.repeat(16), deviceId: p.phone.deviceId, resetAt: new Date().toISOString() };

    // A valid proof for one notice does not cover another deviceId or time.
    const channels = agent();
    const cplc = await readCplc(channels);
    const { channel } = await channels.open(Uint8Array.from(Buffer.from('A000000151000000', 'hex')));
    const challenge = resetNoticeChallenge({ noticeId: notice.id, deviceId: notice.deviceId, resetAt: notice.resetAt, cplc });
    const proof = await channel.transmit(Uint8Array.from([0x80, 0x50, 0x00, 0x00, 0x08, ...challenge, 0x00]));
    await channel.close();
    await channels.close();
    const post = (body: Record<string, unknown>) => fetch(`${h.url}/tsm/v1/reset-notices`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }));
    const good = { noticeId: notice.id, deviceId: notice.deviceId, resetAt: notice.resetAt, cplc: toHex(cplc), proof: toHex(proof) };
    const altered = await post({ ...good, deviceId: 'someone-else' });
    assert.equal(altered.status, 401);
    assert.equal(altered.json.code, 'ERR_TSM_NOTICE_UNAUTHENTICATED');
    const unknown = await post({ ...good, cplc: toHex(cplc).slice(0, 40) + '00112233' + toHex(cplc).slice(48) });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.code, 'ERR_TSM_UNKNOWN_ELEMENT');
    const malformed = await post({ ...good, proof: 'zz' });
    assert.equal(malformed.status, 400);
    const extra = await post({ ...good, force: true });
    assert.equal(extra.status, 400);
    assert.equal(extra.json.code, 'ERR_REQUEST_FIELD');
    assert.equal((await caStatus(h, x.auth)).status, 'good', 'nothing was done for a refused notice');
    assert.equal((await h.api('GET', `/tsm/v1/elements/${p.seId}`, undefined, h.admin)).json.state, 'prepared');

    // Delivered by the agent's client: revoked and cleaned; a repeat is answered the same, with no new clean-up.
    const first = await deliverResetNotice({ baseUrl: h.url, notice, channels: agent(), retry: { attempts: 2, initialDelayMs: 5 } });
    assert.equal(first.answer.state, 'reset');
    assert.deepEqual([...first.answer.revoked].sort(), [x.sign, x.auth].sort());
    assert.equal(first.cleanup?.session.state, 'completed');
    // The agent's credential opens that one session and nothing else.
    const agentAuth = { authorization: `Bearer ${first.answer.cleanup!.credential}` };
    assert.equal((await fetch(`${h.url}/tsm/v1/sessions/${first.answer.cleanup!.sessionId}`, { headers: agentAuth })).status, 200);
    const sessions = (await h.api('GET', `/tsm/v1/sessions?seId=${p.seId}`, undefined, h.admin)).json.sessions as { sessionId: string; purpose: string }[];
    const other = sessions.find((x) => x.purpose === 'issue')!.sessionId;
    const notTheirs = await fetch(`${h.url}/tsm/v1/sessions/${other}`, { headers: agentAuth });
    assert.equal(notTheirs.status, 404);
    const open = await fetch(`${h.url}/tsm/v1/sessions`, { method: 'POST', headers: { ...agentAuth, 'content-type': 'application/json' }, body: JSON.stringify({ appInstanceId: 'app_000000000000000000000000', seId: p.seId, purpose: 'prepare' }) });
    assert.equal(open.status, 401);
    const repeat = await deliverResetNotice({ baseUrl: h.url, notice, channels: agent() });
    assert.equal(repeat.answer.deliveries, 2);
    assert.deepEqual(repeat.answer.revoked, first.answer.revoked);
    assert.equal(repeat.answer.orderId, first.answer.orderId);
    assert.equal(repeat.answer.cleanup, null);
    // The same id with other contents (proven by the element, still) conflicts.
    const conflict = await deliverResetNotice({ baseUrl: h.url, notice: { ...notice, resetAt: new Date(Date.now() - 1000).toISOString() }, channels: agent() }).catch((e: unknown) => e);
    assert.ok(conflict instanceof RelayRefusal && conflict.status === 409 && conflict.problem === 'ERR_TSM_NOTICE_CONFLICT', String(conflict));

    // A notice older than the element's last preparation (by more than 10 minutes of clock allowance) is stale: recorded, nothing revoked or deleted.
    await p.phone.uninstallApp(x.app.packageName);
    const app = await installApp(h, p);
    await app.prepare();
    const late = await deliverResetNotice({ baseUrl: h.url, notice: { id: 'B2'.repeat(16), deviceId: p.phone.deviceId, resetAt: new Date(Date.now() - 15 * 60_000).toISOString() }, channels: agent() });
    assert.equal(late.answer.state, 'stale');
    assert.equal(late.answer.cleanup, null);
    assert.equal((await h.api('GET', `/tsm/v1/elements/${p.seId}`, undefined, h.admin)).json.state, 'prepared');
    assert.deepEqual(await jpkiOnElement(h, p), PREPARED, 'the stale notice deleted nothing');
  });
});
