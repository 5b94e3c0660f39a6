import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';
import type { PushDeviceClient } from '../../../src/services/push/index.js';
import { forEachDialect } from '../../helpers/postgres.js';
import { isCode, waitFor } from './support/expect.js';
import { startPush, type PushHarness } from './support/harness.js';
import { messageRow } from './support/store.js';

/**
 * The push service's message life cycle, through its HTTP API and clients, on SQLite and PostgreSQL:
 * delivery with acknowledgement, time to live while the device is offline, collapse keys, and every
 * way a token dies (app removed, re-registration, device reset, re-enrolment).
 */

const APP = 'jp.go.jpki.mobile';
const OTHER_APP = 'jp.example.bank';

forEachDialect('push: message life cycle', (ctx) => {
  let h: PushHarness;
  let phone: PushDeviceClient;
  let token: string;

  beforeEach(async () => {
    h = await startPush({ database: await ctx.freshConfig() });
    phone = await h.device();
    token = (await phone.register(APP)).token;
  });
  afterEach(async () => {
    await h.stop();
  });

  it('register, send, poll, ack: the sender reads delivered, with the time', async () => {
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    const sent = await h.sender.send({ token, data: { order: 'delete', se: 'SE-1', n: [1, 2, { 深: 'い' }] }, ttl: 3600 });
    assert.equal(sent.status, 'pending');
    assert.match(sent.id, /^msg_[A-Za-z0-9_-]{22}$/);
    assert.equal(sent.createdAt, h.clock.now().toISOString());
    assert.equal(Date.parse(sent.expiresAt) - Date.parse(sent.createdAt), 3600_000);
    assert.equal((await h.sender.status(sent.id)).attempts, 0);

    h.clock.advance(5_000);
    const got = await phone.poll(0);
    assert.equal(got.length, 1);
    assert.deepEqual(got[0], {
      id: sent.id,
      appId: APP,
      data: { order: 'delete', se: 'SE-1', n: [1, 2, { 深: 'い' }] },
      priority: 'normal',
      collapseKey: null,
      sentAt: sent.createdAt,
      expiresAt: sent.expiresAt,
      attempt: 1,
    });
    const handedOver = await h.sender.status(sent.id);
    assert.equal(handedOver.status, 'pending');
    assert.equal(handedOver.attempts, 1);
    assert.equal(handedOver.lastAttemptAt, h.clock.now().toISOString());

    h.clock.advance(1_000);
    assert.deepEqual(await phone.ack([sent.id]), { delivered: [sent.id], ignored: [] });
    const status = await h.sender.status(sent.id);
    assert.equal(status.status, 'delivered');
    assert.equal(status.deliveredAt, h.clock.now().toISOString());
    assert.equal(status.expiredAt, null);
    assert.equal(status.failedAt, null);
    // The payload is not kept once delivered.
    assert.equal((await messageRow(h.db, sent.id)).data, null);
    assert.deepEqual(await phone.poll(0), []);
  });

  it('default time to live is 4 weeks (FCM), and a ttl is honoured to the millisecond', async () => {
    const sent = await h.sender.send({ token, data: {} });
    assert.equal(Date.parse(sent.expiresAt) - Date.parse(sent.createdAt), 28 * 24 * 3600 * 1000);
    assert.equal((await h.sender.status(sent.id)).ttl, 2419200);
  });

  it('offline past the time to live: expired, and never delivered', async () => {
    const sent = await h.sender.send({ token, data: { a: 1 }, ttl: 60 });
    h.clock.advance(60_000);
    // Expiry on read: the status says expired at the expiry time itself, and the store agrees.
    const status = await h.sender.status(sent.id);
    assert.equal(status.status, 'expired');
    assert.equal(status.expiredAt, sent.expiresAt);
    assert.equal(status.deliveredAt, null);
    assert.deepEqual(await messageRow(h.db, sent.id), { status: 'expired', attempts: 0, data: null, final_at: sent.expiresAt });
    assert.deepEqual(await phone.poll(0), []);
    // An ack of it changes nothing: it was never handed over.
    assert.deepEqual(await phone.ack([sent.id]), { delivered: [], ignored: [sent.id] });
    assert.equal((await h.sender.status(sent.id)).status, 'expired');
  });

  it('the sweep expires what nobody reads, in batches, and the poll never hands over an expired message', async () => {
    const short = await Promise.all([1, 2, 3].map((n) => h.sender.send({ token, data: { n }, ttl: 10 })));
    const long = await h.sender.send({ token, data: { n: 4 }, ttl: 1000 });
    h.clock.advance(10_001);
    // Before any sweep the poll already skips them.
    const got = await phone.poll(0);
    assert.deepEqual(got.map((m) => m.id), [long.id]);
    const swept = await h.service.sweep();
    assert.equal(swept.expired, 3);
    for (const s of short) assert.equal((await messageRow(h.db, s.id)).status, 'expired');
    assert.equal((await h.service.sweep()).expired, 0);
  });

  it('offline, then online within the time to live: delivered', async () => {
    const sent = await h.sender.send({ token, data: { wipe: true }, ttl: 3600 });
    h.clock.advance(3_599_000);
    const got = await phone.poll(0);
    assert.deepEqual(got.map((m) => m.id), [sent.id]);
    await phone.ack([sent.id]);
    assert.equal((await h.sender.status(sent.id)).status, 'delivered');
  });

  it('a collapse key: the newer message replaces an undelivered older one of the same token', async () => {
    const other = (await phone.register(OTHER_APP)).token;
    const a = await h.sender.send({ token, data: { v: 1 }, collapseKey: 'cert-status' });
    const b = await h.sender.send({ token, data: { v: 2 }, collapseKey: 'cert-status' });
    const c = await h.sender.send({ token, data: { v: 3 }, collapseKey: 'another-key' });
    const d = await h.sender.send({ token, data: { v: 4 } });
    const e = await h.sender.send({ token: other, data: { v: 5 }, collapseKey: 'cert-status' });
    assert.deepEqual(a.collapsed, []);
    assert.deepEqual(b.collapsed, [a.id]);
    assert.deepEqual(e.collapsed, []);
    const sa = await h.sender.status(a.id);
    assert.equal(sa.status, 'collapsed');
    assert.equal(sa.replacedBy, b.id);
    assert.equal(sa.collapsedAt, h.clock.now().toISOString());

    const got = await phone.poll(0);
    assert.deepEqual(got.map((m) => m.id), [b.id, c.id, d.id, e.id]);
    assert.equal(got[0]!.collapseKey, 'cert-status');
    // b was handed over but not acknowledged: still undelivered, so a newer one replaces it too.
    const f = await h.sender.send({ token, data: { v: 6 }, collapseKey: 'cert-status' });
    assert.deepEqual(f.collapsed, [b.id]);
    assert.deepEqual(await phone.ack([b.id, c.id, d.id, e.id]), { delivered: [c.id, d.id, e.id], ignored: [b.id] });
    assert.deepEqual((await phone.poll(0)).map((m) => m.id), [f.id]);
    await phone.ack([f.id]);
    // Once delivered, a message is not replaced.
    const g = await h.sender.send({ token, data: { v: 7 }, collapseKey: 'cert-status' });
    assert.deepEqual(g.collapsed, []);
    assert.equal((await h.sender.status(f.id)).status, 'delivered');
  });

  it('app removed: its pending messages fail, and a send is refused with ERR_PUSH_UNREGISTERED', async () => {
    const m1 = await h.sender.send({ token, data: { n: 1 } });
    const m2 = await h.otherSender.send({ token, data: { n: 2 } });
    h.clock.advance(1000);
    assert.deepEqual(await phone.unregister(APP), { appId: APP, failedMessages: 2 });
    for (const [s, m] of [[h.sender, m1], [h.otherSender, m2]] as const) {
      const st = await s.status(m.id);
      assert.equal(st.status, 'failed');
      assert.equal(st.failureReason, 'app-removed');
      assert.equal(st.failedAt, h.clock.now().toISOString());
    }
    await assert.rejects(h.sender.send({ token, data: {} }), isCode('ERR_PUSH_UNREGISTERED', 410));
    assert.deepEqual(await phone.poll(0), []);
    await assert.rejects(phone.unregister(APP), isCode('ERR_PUSH_NOT_REGISTERED', 404));
    assert.deepEqual(await phone.apps(), []);
  });

  it('re-registration after a reinstall: a new token, the old one dead (its messages failed)', async () => {
    const m1 = await h.sender.send({ token, data: { n: 1 } });
    const again = await phone.register(APP);
    assert.equal(again.replaced, true);
    assert.notEqual(again.token, token);
    await assert.rejects(h.sender.send({ token, data: {} }), isCode('ERR_PUSH_UNREGISTERED', 410));
    const st = await h.sender.status(m1.id);
    assert.equal(st.status, 'failed');
    assert.equal(st.failureReason, 're-registered');
    const m2 = await h.sender.send({ token: again.token, data: { n: 2 } });
    assert.deepEqual((await phone.poll(0)).map((m) => m.id), [m2.id]);
    assert.deepEqual((await phone.apps()).map((a) => a.appId), [APP]);
  });

  it('device reset: every token of the device dies, its credential ends; other devices are untouched', async () => {
    const bankToken = (await phone.register(OTHER_APP)).token;
    const other = await h.device();
    const otherToken = (await other.register(APP)).token;
    const m1 = await h.sender.send({ token, data: { n: 1 } });
    const m2 = await h.sender.send({ token: bankToken, data: { n: 2 } });
    const m3 = await h.sender.send({ token: otherToken, data: { n: 3 } });
    assert.deepEqual(await phone.reset(), { deviceId: phone.deviceId, deadTokens: 2, failedMessages: 2 });
    for (const m of [m1, m2]) {
      const st = await h.sender.status(m.id);
      assert.equal(st.status, 'failed');
      assert.equal(st.failureReason, 'device-reset');
    }
    for (const t of [token, bankToken]) await assert.rejects(h.sender.send({ token: t, data: {} }), isCode('ERR_PUSH_UNREGISTERED', 410));
    await assert.rejects(phone.poll(0), isCode('ERR_PUSH_DEVICE_RESET', 410));
    await assert.rejects(phone.register(APP), isCode('ERR_PUSH_DEVICE_RESET', 410));
    await assert.rejects(phone.reset(), isCode('ERR_PUSH_DEVICE_RESET', 410));
    assert.deepEqual((await other.poll(0)).map((m) => m.id), [m3.id]);
    // After the reset the phone enrols anew and its app gets a new token.
    const fresh = await h.device();
    assert.notEqual(fresh.deviceId, phone.deviceId);
    const t = (await fresh.register(APP)).token;
    await h.sender.send({ token: t, data: {} });
    assert.equal((await fresh.poll(0)).length, 1);
  });

  it('re-enrolment: the old identity and all its tokens end in the same step as the new one starts', async () => {
    const m1 = await h.sender.send({ token, data: { n: 1 } });
    const oldId = phone.deviceId;
    const oldSecret = phone.credential.deviceSecret;
    assert.deepEqual(await phone.reenrol(), { deviceId: oldId, deadTokens: 1, failedMessages: 1 });
    assert.notEqual(phone.deviceId, oldId);
    assert.equal((await h.sender.status(m1.id)).failureReason, 'device-reset');
    await assert.rejects(h.sender.send({ token, data: {} }), isCode('ERR_PUSH_UNREGISTERED'));
    const old = await h.api('GET', `/push/v1/devices/${oldId}/poll?wait=0`, undefined, oldSecret);
    assert.equal(old.json.code, 'ERR_PUSH_DEVICE_RESET');
    assert.deepEqual(await phone.apps(), []);
    const t = (await phone.register(APP)).token;
    await h.sender.send({ token: t, data: {} });
    assert.equal((await phone.poll(0)).length, 1);
  });

  it('at-least-once: a message not acknowledged comes again on the next poll, with the same id', async () => {
    const sent = await h.sender.send({ token, data: { n: 1 } });
    const first = await phone.poll(0);
    const second = await phone.poll(0);
    assert.deepEqual(first.map((m) => [m.id, m.attempt]), [[sent.id, 1]]);
    assert.deepEqual(second.map((m) => [m.id, m.attempt]), [[sent.id, 2]]);
    assert.equal((await h.sender.status(sent.id)).attempts, 2);
    assert.deepEqual(await phone.ack([sent.id]), { delivered: [sent.id], ignored: [] });
    // An ack is idempotent (the first answer may have been lost).
    assert.deepEqual(await phone.ack([sent.id, sent.id]), { delivered: [sent.id], ignored: [] });
    assert.deepEqual(await phone.poll(0), []);
  });

  it('an ack after the time to live of a message handed over in time: delivered (the device has it)', async () => {
    const sent = await h.sender.send({ token, data: {}, ttl: 30 });
    assert.equal((await phone.poll(0)).length, 1);
    h.clock.advance(31_000);
    await h.service.sweep();
    assert.equal((await h.sender.status(sent.id)).status, 'expired');
    await phone.ack([sent.id]);
    const st = await h.sender.status(sent.id);
    assert.equal(st.status, 'delivered');
    assert.equal(st.deliveredAt, h.clock.now().toISOString());
  });

  it("a device cannot acknowledge another device's message", async () => {
    const thief = await h.device();
    const sent = await h.sender.send({ token, data: {} });
    await phone.poll(0);
    assert.deepEqual(await thief.ack([sent.id]), { delivered: [], ignored: [sent.id] });
    assert.equal((await h.sender.status(sent.id)).status, 'pending');
  });

  it('priority: high messages are handed over first, then in sending order', async () => {
    const n1 = await h.sender.send({ token, data: { n: 1 } });
    const h1 = await h.sender.send({ token, data: { n: 2 }, priority: 'high' });
    const n2 = await h.sender.send({ token, data: { n: 3 }, priority: 'normal' });
    const h2 = await h.sender.send({ token, data: { n: 4 }, priority: 'high' });
    assert.deepEqual((await phone.poll(0)).map((m) => m.id), [h1.id, h2.id, n1.id, n2.id]);
    assert.equal((await h.sender.status(h1.id)).priority, 'high');
  });

  it('a time to live of 0 is now or never: expired at once for a device that is not connected', async () => {
    const sent = await h.sender.send({ token, data: {}, ttl: 0 });
    assert.equal(sent.status, 'expired');
    assert.equal(sent.expiresAt, sent.createdAt);
    assert.equal((await h.sender.status(sent.id)).status, 'expired');
    assert.deepEqual(await phone.poll(0), []);
    // While the device is polling, it is connected: the message reaches it.
    const waiting = phone.poll(5);
    await waitFor(() => h.service.waiting === 1);
    const live = await h.sender.send({ token, data: { now: true }, ttl: 0 });
    assert.equal(live.status, 'pending');
    assert.deepEqual((await waiting).map((m) => m.id), [live.id]);
  });

  it("a sender sees only its own messages: another sender's is unknown", async () => {
    const sent = await h.sender.send({ token, data: {} });
    await assert.rejects(h.otherSender.status(sent.id), isCode('ERR_PUSH_UNKNOWN_MESSAGE', 404));
    assert.equal((await h.sender.status(sent.id)).id, sent.id);
  });
});
