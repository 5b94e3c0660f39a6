import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { PushAgent, type PushAgentState } from '../../src/app/index.js';
import { MemoryCardStore } from '../../src/card/index.js';
import { Phone, type PhoneEvent } from '../../src/devices/phone/index.js';
import type { PushMessage } from '../../src/services/push/index.js';
import { signingCertificate, testPhone } from '../devices/phone/helpers.js';
import { isCode } from '../services/push/support/expect.js';
import { startPush, type PushHarness } from '../services/push/support/harness.js';

/**
 * The phone's push component when an app is removed (FCM's behaviour): the package listener ends the
 * app's registration at the push service at once when online, at the next contact when offline (kept in
 * the agent's saved document), and a message that still comes for an app no longer installed is reported
 * instead of acknowledged. The push service is the real one (HTTP, SQLite); the sender reads `failed`
 * with `app-removed`, and a send to the token is refused as dead (`410 ERR_PUSH_UNREGISTERED`).
 */

const APP = 'jp.go.jpki.mobile';
const OTHER = 'jp.example.bank';

describe('push agent: an app removed from the phone', () => {
  let dir: string;
  let h: PushHarness;
  let cert: Uint8Array;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jpki-push-agent-'));
    cert = await signingCertificate('an app');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    h = await startPush({ database: { kind: 'sqlite', path: join(dir, `push-${Date.now()}-${Math.random()}.sqlite`) } });
  });
  afterEach(() => h.stop());

  async function setUp(onEvent?: (e: PhoneEvent) => void) {
    const t = await testPhone(onEvent ? { onEvent } : {});
    await t.phone.installApp({ packageName: APP, signingCertificates: [cert] });
    await t.phone.installApp({ packageName: OTHER, signingCertificates: [cert] });
    const store = new MemoryCardStore<PushAgentState | null>(null);
    const agent = new PushAgent(t.phone, store);
    const token = await agent.register(h.url, APP);
    const otherToken = await agent.register(h.url, OTHER);
    return { ...t, store, agent, token, otherToken };
  }

  const registeredApps = async (store: MemoryCardStore<PushAgentState | null>) => {
    const saved = (await store.load())!;
    const r = await h.api('GET', `/push/v1/devices/${saved.deviceId}`, undefined, saved.deviceSecret);
    assert.equal(r.status, 200);
    return (r.json.registrations as { appId: string }[]).map((x) => x.appId).sort();
  };

  it('online: the registration ends at once; the pending message fails (app-removed) and the token is refused as dead', async () => {
    const x = await setUp();
    const sent = await h.sender.send({ token: x.token, data: { type: 'tsm-session', purpose: 'delete' }, ttl: 3600 });
    await x.phone.uninstallApp(APP);
    const status = await h.sender.status(sent.id);
    assert.equal(status.status, 'failed');
    assert.equal(status.failureReason, 'app-removed');
    assert.equal(status.failedAt, h.clock.now().toISOString());
    await assert.rejects(h.sender.send({ token: x.token, data: { n: 1 } }), isCode('ERR_PUSH_UNREGISTERED', 410));
    assert.deepEqual(await registeredApps(x.store), [OTHER], 'the other app keeps its token');
    assert.deepEqual(await x.agent.pendingRemovals(), []);
    // The other app's messages still flow.
    const got: PushMessage[] = [];
    x.agent.on(OTHER, async (m) => void got.push(m));
    const other = await h.sender.send({ token: x.otherToken, data: { hello: 1 } });
    const report = await x.agent.deliverOnce(h.url);
    assert.deepEqual([report.received, report.handled, report.removedApps], [1, 1, []]);
    assert.equal(got[0]!.id, other.id);
  });

  it('offline: the removal is kept in the saved document and told at the next contact (also after a restart of the agent)', async () => {
    const events: PhoneEvent[] = [];
    const x = await setUp((e) => events.push(e));
    await x.phone.setOnline(false);
    await x.phone.uninstallApp(APP);
    assert.equal(x.phone.app(APP), undefined, 'the app is gone although the push service could not be told');
    assert.ok(events.some((e) => e.type === 'package-listener' && e.packageName === APP && !e.ok), JSON.stringify(events));
    assert.deepEqual((await x.store.load())!.removedApps, [APP]);
    // Meanwhile the SP-TSM sends: the token is still live, the message waits.
    const sent = await h.sender.send({ token: x.token, data: { type: 'tsm-session', purpose: 'delete' }, ttl: 3600 });
    assert.equal((await h.sender.status(sent.id)).status, 'pending');
    await assert.rejects(x.agent.deliverOnce(h.url), 'no contact while offline');
    assert.equal((await h.sender.status(sent.id)).status, 'pending');
    assert.deepEqual(await x.agent.pendingRemovals(), [APP]);

    // The phone restarts (a new agent over the same document) and comes online.
    const agent = new PushAgent(x.phone, x.store);
    await x.phone.setOnline(true);
    const report = await agent.deliverOnce(h.url);
    assert.equal(report.received, 0, 'the message for the removed app is never handed over');
    const status = await h.sender.status(sent.id);
    assert.equal(status.status, 'failed');
    assert.equal(status.failureReason, 'app-removed');
    assert.equal(status.attempts, 0);
    assert.deepEqual(await agent.pendingRemovals(), []);
    assert.deepEqual(await registeredApps(x.store), [OTHER]);
    await assert.rejects(h.sender.send({ token: x.token, data: { n: 1 } }), isCode('ERR_PUSH_UNREGISTERED', 410));
  });

  it('a message for an app no longer installed (the removal never recorded) is reported, not acknowledged', async () => {
    const x = await setUp();
    await x.phone.powerOff();
    // The app is removed by a phone OS whose push component did not hear of it (a crash between the saves).
    const bare = await Phone.open(x.phoneOptions);
    await bare.powerOn();
    await bare.uninstallApp(APP);
    await bare.powerOff();
    const dead = await h.sender.send({ token: x.token, data: { type: 'tsm-session', purpose: 'delete' }, ttl: 3600 });
    const alive = await h.sender.send({ token: x.otherToken, data: { hello: 2 } });

    const phone = await Phone.open(x.phoneOptions);
    await phone.powerOn();
    const agent = new PushAgent(phone, x.store);
    const got: string[] = [];
    agent.on(OTHER, async (m) => void got.push(m.id));
    const report = await agent.deliverOnce(h.url);
    assert.deepEqual([report.received, report.handled, report.removedApps], [2, 1, [APP]]);
    assert.deepEqual(got, [alive.id]);
    assert.equal((await h.sender.status(alive.id)).status, 'delivered');
    const status = await h.sender.status(dead.id);
    assert.equal(status.status, 'failed');
    assert.equal(status.failureReason, 'app-removed');
    await assert.rejects(h.sender.send({ token: x.token, data: { n: 1 } }), isCode('ERR_PUSH_UNREGISTERED', 410));
    // The administrator's listing says the same.
    const admin = await h.service.listMessages({ status: 'failed' });
    assert.deepEqual(admin.messages.map((m) => [m.id, m.failureReason]), [[dead.id, 'app-removed']]);
  });

  it('a removal still to tell goes before a new registration of the same app (reinstalled): the old token died as removed', async () => {
    const x = await setUp();
    const sent = await h.sender.send({ token: x.token, data: { n: 1 } });
    await x.phone.setOnline(false);
    await x.phone.uninstallApp(APP);
    await x.phone.installApp({ packageName: APP, signingCertificates: [cert] });
    await x.phone.setOnline(true);
    const token = await x.agent.register(h.url, APP);
    assert.notEqual(token, x.token);
    assert.equal((await h.sender.status(sent.id)).failureReason, 'app-removed', 'not re-registered: the app was removed first');
    assert.equal((await h.sender.send({ token, data: { n: 2 } })).status, 'pending');
    assert.deepEqual(await registeredApps(x.store), [OTHER, APP]);
  });

  it('a phone whose push component never enrolled has nothing to tell', async () => {
    const t = await testPhone();
    await t.phone.installApp({ packageName: APP, signingCertificates: [cert] });
    const store = new MemoryCardStore<PushAgentState | null>(null);
    const agent = new PushAgent(t.phone, store);
    await t.phone.uninstallApp(APP);
    assert.equal(await store.load(), null);
    assert.deepEqual(await agent.pendingRemovals(), []);
  });
});
