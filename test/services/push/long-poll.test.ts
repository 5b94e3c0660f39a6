import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { afterEach, it } from 'node:test';
import { PushDeviceClient } from '../../../src/services/push/index.js';
import { forEachDialect } from '../../helpers/postgres.js';
import { isCode, waitFor } from './support/expect.js';
import { startPush, type PushHarness } from './support/harness.js';
import { pushSnapshot } from './support/store.js';

/**
 * The long-poll on SQLite and PostgreSQL: woken at once by a send in the same process, within the
 * feed interval by a send of another process, bounded per device and in total, and freed when the
 * client goes away, the device is reset, or the service closes.
 */

const APP = 'jp.go.jpki.mobile';

forEachDialect('push: long-poll', (ctx) => {
  const running: PushHarness[] = [];
  const start = async (...args: Parameters<typeof startPush>) => {
    const h = await startPush(...args);
    running.push(h);
    return h;
  };
  afterEach(async () => {
    for (const h of running.splice(0).reverse()) await h.stop();
  });

  it('a send in the same process wakes a waiting poll at once (the feed alone would take 2 s)', async (t) => {
    const h = await start({ database: await ctx.freshConfig(), feedIntervalMs: 2000 });
    const phone = await h.device();
    const { token } = await phone.register(APP);
    const figures: number[] = [];
    for (let i = 0; i < 5; i++) {
      const poll = phone.poll(10);
      await waitFor(() => h.service.waiting === 1);
      const t0 = performance.now();
      const sent = await h.sender.send({ token, data: { i } });
      const got = await poll;
      figures.push(performance.now() - t0);
      assert.deepEqual(got.map((m) => m.id), [sent.id]);
      await phone.ack([sent.id]);
    }
    // From the start of the send (its own HTTP round trip and commit included) to the poll's answer:
    // typically a few ms; the bound on the median leaves room for a loaded machine, and no wake-up may
    // come anywhere near the feed's 2 s (which would mean it was the feed, not the send, that woke it).
    const sorted = [...figures].sort((a, b) => a - b);
    const text = figures.map((f) => f.toFixed(1)).join(', ');
    t.diagnostic(`send-to-wake ms: ${text}`);
    assert.ok(sorted[2]! < 100, `median over 100 ms: ${text}`);
    assert.ok(sorted[4]! < 1000, `a wake-up took the feed's time: ${text}`);
  });

  it('a send committed by another process wakes the poll through the message feed, within its interval', async (t) => {
    const config = await ctx.freshConfig();
    const serving = await start({ database: config, feedIntervalMs: 100 });
    // Another process of the same system: its own connection to the same database, its own feed.
    const other = await start({ database: config, feedIntervalMs: 100, senders: serving.senders, clock: serving.clock });
    const phone = new PushDeviceClient({ baseUrl: serving.url, credential: (await serving.device()).credential });
    const { token } = await phone.register(APP);
    const poll = phone.poll(10);
    await waitFor(() => serving.service.waiting === 1);
    const t0 = performance.now();
    const sent = await other.sender.send({ token, data: { from: 'another process' } });
    const got = await poll;
    const elapsed = performance.now() - t0;
    assert.deepEqual(got.map((m) => m.id), [sent.id]);
    t.diagnostic(`cross-process send-to-wake: ${elapsed.toFixed(1)} ms`);
    assert.ok(elapsed < 1000, `woken after ${elapsed.toFixed(1)} ms (feed interval 100 ms; without the feed the poll would wait its 10 s)`);
  });

  it('an empty poll waits its whole wait and answers empty; wait=0 answers at once', async () => {
    const h = await start({ database: await ctx.freshConfig() });
    const phone = await h.device();
    await phone.register(APP);
    let t0 = performance.now();
    assert.deepEqual(await phone.poll(1), []);
    const waited = performance.now() - t0;
    assert.ok(waited >= 990 && waited < 3000, `waited ${waited.toFixed(0)} ms`);
    t0 = performance.now();
    assert.deepEqual(await phone.poll(0), []);
    assert.ok(performance.now() - t0 < 1000);
    assert.equal(h.service.waiting, 0);
  });

  it('at most maxWaitersPerDevice polls per device: a newer one releases the oldest, which answers empty', async () => {
    const h = await start({ database: await ctx.freshConfig(), limits: { maxWaitersPerDevice: 2 } });
    const phone = await h.device();
    const { token } = await phone.register(APP);
    const p1 = phone.poll(10);
    await waitFor(() => h.service.waiting === 1);
    const p2 = phone.poll(10);
    await waitFor(() => h.service.waiting === 2);
    const t0 = performance.now();
    const p3 = phone.poll(10);
    assert.deepEqual(await p1, []);
    assert.ok(performance.now() - t0 < 3000, 'released long before its 10 s');
    await waitFor(() => h.service.waiting === 2);
    const sent = await h.sender.send({ token, data: {} });
    // Both remaining polls are woken and both hand it over (at-least-once; the id deduplicates).
    assert.deepEqual((await p2).map((m) => m.id), [sent.id]);
    assert.deepEqual((await p3).map((m) => m.id), [sent.id]);
    assert.equal((await h.sender.status(sent.id)).attempts, 2);
  });

  it('at most maxWaiters polls in a process: a further one is 503 ERR_PUSH_OVERLOADED with Retry-After, and writes nothing', async () => {
    const h = await start({ database: await ctx.freshConfig(), limits: { maxWaiters: 3 } });
    const phones = await Promise.all([1, 2, 3, 4].map(() => h.device()));
    const tokens = await Promise.all(phones.map(async (p) => (await p.register(APP)).token));
    const polls = phones.slice(0, 3).map((p) => p.poll(10));
    await waitFor(() => h.service.waiting === 3);
    // A poll counts as waiting before its presence is written: let the three writes land first.
    const connected = async () => Number((await h.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM push_devices WHERE connected_until IS NOT NULL'))[0]!.n);
    for (const end = Date.now() + 3000; (await connected()) < 3; await new Promise((r) => setTimeout(r, 5))) {
      assert.ok(Date.now() < end, 'the three polls wrote their presence');
    }
    const before = await pushSnapshot(h.db);
    const fourth = phones[3]!;
    const res = await h.api('GET', `/push/v1/devices/${fourth.deviceId}/poll?wait=10`, undefined, fourth.credential.deviceSecret);
    assert.equal(res.status, 503);
    assert.equal(res.json.code, 'ERR_PUSH_OVERLOADED');
    assert.equal(res.headers.get('retry-after'), '5');
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.equal(await pushSnapshot(h.db), before);
    await assert.rejects(fourth.poll(1), (e: unknown) => isCode('ERR_PUSH_OVERLOADED', 503)(e) && (e as { retryAfterMs?: number }).retryAfterMs === 5000);
    // Once a slot is free, the fourth device polls.
    await h.sender.send({ token: tokens[0]!, data: {} });
    assert.equal((await polls[0]!).length, 1);
    await h.sender.send({ token: tokens[3]!, data: {} });
    assert.equal((await fourth.poll(1)).length, 1);
    for (let i = 1; i < 3; i++) await h.sender.send({ token: tokens[i]!, data: {} });
    await Promise.all(polls);
  });

  it('many devices waiting at once: each send wakes its own device, and only it', async () => {
    const h = await start({ database: await ctx.freshConfig() });
    const phones = await Promise.all(Array.from({ length: 40 }, () => h.device()));
    const tokens = await Promise.all(phones.map(async (p) => (await p.register(APP)).token));
    const polls = phones.map((p) => p.poll(10));
    await waitFor(() => h.service.waiting === 40);
    const sent = await Promise.all(tokens.map((token, i) => h.sender.send({ token, data: { i } })));
    const got = await Promise.all(polls);
    got.forEach((messages, i) => assert.deepEqual(messages.map((m) => [m.id, m.data.i]), [[sent[i]!.id, i]]));
    assert.equal(h.service.waiting, 0);
  });

  it('a client that goes away frees its slot at once', async () => {
    const h = await start({ database: await ctx.freshConfig() });
    const phone = await h.device();
    await phone.register(APP);
    const abort = new AbortController();
    const poll = phone.poll(20, abort.signal);
    await waitFor(() => h.service.waiting === 1);
    abort.abort();
    await assert.rejects(poll, isCode('ERR_PUSH_CLIENT_ABORTED'));
    await waitFor(() => h.service.waiting === 0, 1000);
  });

  it('a reset ends the device’s waiting polls; the next poll is ERR_PUSH_DEVICE_RESET', async () => {
    const h = await start({ database: await ctx.freshConfig() });
    const phone = await h.device();
    await phone.register(APP);
    const t0 = performance.now();
    const poll = phone.poll(20);
    await waitFor(() => h.service.waiting === 1);
    const twin = new PushDeviceClient({ baseUrl: h.url, credential: phone.credential });
    await twin.reset();
    assert.deepEqual(await poll, []);
    assert.ok(performance.now() - t0 < 5000, 'ended long before its 20 s');
    await assert.rejects(phone.poll(0), isCode('ERR_PUSH_DEVICE_RESET', 410));
  });

  it('closing the service answers waiting polls at once and refuses new ones (503 ERR_PUSH_CLOSED)', async () => {
    const h = await start({ database: await ctx.freshConfig() });
    const phone = await h.device();
    await phone.register(APP);
    const t0 = performance.now();
    const poll = phone.poll(20);
    await waitFor(() => h.service.waiting === 1);
    await h.service.close();
    assert.deepEqual(await poll, []);
    assert.ok(performance.now() - t0 < 5000, 'ended long before its 20 s');
    await assert.rejects(phone.poll(1), isCode('ERR_PUSH_CLOSED', 503));
  });
});
