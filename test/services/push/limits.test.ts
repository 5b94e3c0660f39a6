import assert from 'node:assert/strict';
import { afterEach, it } from 'node:test';
import { forEachDialect } from '../../helpers/postgres.js';
import { verifyAudit } from '../../../src/store/index.js';
import { isCode, waitFor } from './support/expect.js';
import { startPush, type PushHarness } from './support/harness.js';
import { messageRow } from './support/store.js';

/**
 * The bounds of the push service on SQLite and PostgreSQL: pending messages per token, stale devices
 * (FCM's 270 days, shortened here), retention of finished messages, the data size at its exact limit.
 */

const APP = 'jp.go.jpki.mobile';

forEachDialect('push: limits and housekeeping', (ctx) => {
  let h: PushHarness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('at most maxPendingPerToken messages wait for a token: the next is ERR_PUSH_QUOTA until one is delivered', async () => {
    h = await startPush({ database: await ctx.freshConfig(), limits: { maxPendingPerToken: 3 } });
    const phone = await h.device();
    const { token } = await phone.register(APP);
    for (let i = 0; i < 3; i++) await h.sender.send({ token, data: { i } });
    await assert.rejects(h.sender.send({ token, data: { i: 3 } }), isCode('ERR_PUSH_QUOTA', 429));
    assert.equal(Number((await h.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM push_messages'))[0]!.n), 3, 'the refused send wrote nothing');
    const got = await phone.poll(0);
    // Handed over but not acknowledged: still pending, still counted.
    await assert.rejects(h.sender.send({ token, data: { i: 4 } }), isCode('ERR_PUSH_QUOTA', 429));
    await phone.ack([got[0]!.id]);
    await h.sender.send({ token, data: { i: 5 } });
    await assert.rejects(h.sender.send({ token, data: { i: 6 } }), isCode('ERR_PUSH_QUOTA', 429));
    // Expired messages do not count either.
    h.clock.advance(29 * 24 * 3600 * 1000);
    for (let i = 0; i < 3; i++) await h.sender.send({ token, data: { i }, ttl: 60 });
    // Another token of the same device has its own count.
    const other = await phone.register('jp.example.bank');
    await h.sender.send({ token: other.token, data: {} });
  });

  it('collapsing keeps the count: a replacement is accepted at the limit', async () => {
    h = await startPush({ database: await ctx.freshConfig(), limits: { maxPendingPerToken: 2 } });
    const phone = await h.device();
    const { token } = await phone.register(APP);
    await h.sender.send({ token, data: { v: 1 }, collapseKey: 'k' });
    await h.sender.send({ token, data: { v: 2 } });
    const r = await h.sender.send({ token, data: { v: 3 }, collapseKey: 'k' });
    assert.equal(r.collapsed.length, 1);
  });

  it('a device not seen for inactiveAfterSeconds loses its tokens (reason inactive); one seen recently keeps them', async () => {
    h = await startPush({ database: await ctx.freshConfig(), limits: { inactiveAfterSeconds: 100 } });
    const idle = await h.device();
    const busy = await h.device();
    const idleToken = (await idle.register(APP)).token;
    const busyToken = (await busy.register(APP)).token;
    const m = await h.sender.send({ token: idleToken, data: {} });
    h.clock.advance(60_000);
    await busy.poll(0);
    h.clock.advance(41_000);
    const swept = await h.service.sweep();
    assert.equal(swept.inactiveDevices, 1);
    assert.equal(swept.failedMessages, 1);
    const st = await h.sender.status(m.id);
    assert.equal(st.status, 'failed');
    assert.equal(st.failureReason, 'inactive');
    await assert.rejects(h.sender.send({ token: idleToken, data: {} }), isCode('ERR_PUSH_UNREGISTERED', 410));
    await h.sender.send({ token: busyToken, data: {} });
    // The idle device itself may come back and register again.
    const again = await idle.register(APP);
    await h.sender.send({ token: again.token, data: {} });
    assert.equal((await idle.poll(0)).length, 1);
    assert.equal((await h.service.sweep()).inactiveDevices, 0);
  });

  it('finished messages are deleted after retentionSeconds; pending ones are kept', async () => {
    h = await startPush({ database: await ctx.freshConfig(), limits: { retentionSeconds: 10 } });
    const phone = await h.device();
    const { token } = await phone.register(APP);
    const done = await h.sender.send({ token, data: {} });
    await phone.poll(0);
    await phone.ack([done.id]);
    const waiting = await h.sender.send({ token, data: {}, ttl: 3600 });
    h.clock.advance(10_001);
    assert.equal((await h.service.sweep()).deleted, 1);
    await assert.rejects(h.sender.status(done.id), isCode('ERR_PUSH_UNKNOWN_MESSAGE', 404));
    assert.equal((await messageRow(h.db, waiting.id)).status, 'pending');
  });

  it('data of exactly maxDataBytes is accepted; one byte more is ERR_PUSH_DATA_TOO_LARGE', async () => {
    h = await startPush({ database: await ctx.freshConfig() });
    const phone = await h.device();
    const { token } = await phone.register(APP);
    const fill = (bytes: number) => ({ s: 'x'.repeat(bytes - '{"s":""}'.length) });
    assert.equal(Buffer.byteLength(JSON.stringify(fill(4096))), 4096);
    const ok = await h.sender.send({ token, data: fill(4096) });
    await assert.rejects(h.sender.send({ token, data: fill(4097) }), isCode('ERR_PUSH_DATA_TOO_LARGE', 413));
    // Bytes, not characters: 1366 three-byte characters are 4098 bytes of JSON text with the braces.
    await assert.rejects(h.sender.send({ token, data: { s: 'あ'.repeat(1364) } }), isCode('ERR_PUSH_DATA_TOO_LARGE', 413));
    const got = await phone.poll(0);
    assert.deepEqual(got.map((m) => m.id), [ok.id]);
    assert.deepEqual(got[0]!.data, fill(4096));
  });
  it('the sweep runs on its schedule: an unread message expires in the store without anyone asking', async () => {
    h = await startPush({ database: await ctx.freshConfig(), sweepIntervalMs: 50 });
    const phone = await h.device();
    const { token } = await phone.register(APP);
    const sent = await h.sender.send({ token, data: {}, ttl: 5 });
    h.clock.advance(5_000);
    let status = '';
    await waitFor(() => {
      void messageRow(h!.db, sent.id).then((r) => (status = r.status));
      return status === 'expired';
    }, 3000);
    assert.equal((await messageRow(h.db, sent.id)).final_at, sent.expiresAt);
  });

  it('the audit log records senders, enrolments, registrations, unregistrations, resets and inactivity, not messages', async () => {
    h = await startPush({ database: await ctx.freshConfig(), limits: { inactiveAfterSeconds: 10 } });
    const phone = await h.device();
    const { token } = await phone.register(APP);
    await phone.register(APP);
    await phone.unregister(APP);
    const idle = await h.device();
    await idle.register(APP);
    h.clock.advance(1);
    await h.sender.send({ token: (await phone.register(APP)).token, data: {} });
    await assert.rejects(h.sender.send({ token, data: {} }), isCode('ERR_PUSH_UNREGISTERED'));
    h.clock.advance(11_000);
    await h.service.sweep();
    await phone.reset();
    const actions = (await h.db.query<{ action: string; subject: string }>('SELECT action, subject FROM audit_log ORDER BY seq')).map((r) => `${r.action} ${r.subject}`);
    assert.deepEqual(actions, [
      'push-sender-created sp-tsm',
      'push-sender-created sei-tsm',
      `push-device-enrolled ${phone.deviceId}`,
      `push-token-registered ${phone.deviceId}`,
      `push-token-registered ${phone.deviceId}`,
      `push-token-unregistered ${phone.deviceId}`,
      `push-device-enrolled ${idle.deviceId}`,
      `push-token-registered ${idle.deviceId}`,
      `push-token-registered ${phone.deviceId}`,
      // The longest idle first.
      `push-tokens-inactive ${idle.deviceId}`,
      `push-tokens-inactive ${phone.deviceId}`,
      `push-device-reset ${phone.deviceId}`,
    ]);
    const audit = await verifyAudit(h.db);
    assert.equal(audit.ok, true);
    // No secret reaches the log: neither the token nor the device secret.
    const payloads = (await h.db.query<{ payload: string }>('SELECT payload FROM audit_log')).map((r) => r.payload).join('\n');
    assert.ok(!payloads.includes(token));
    assert.ok(!payloads.includes(phone.credential.deviceSecret));
  });
});
