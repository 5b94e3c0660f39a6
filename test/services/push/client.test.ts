import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, it } from 'node:test';
import { PushClientError, PushDeviceClient, PushSender, type PushMessage } from '../../../src/services/push/index.js';
import { forEachDialect } from '../../helpers/postgres.js';
import { isCode, waitFor } from './support/expect.js';
import { startPush, type PushHarness } from './support/harness.js';

/**
 * The clients the TSMs and the phone use: the device's receive loop (handler, acknowledgement,
 * deduplication, backoff, fatal errors, stop) and the typed errors of both clients.
 */

const APP = 'jp.go.jpki.mobile';

/** A fetch that fails the requests `fail` picks with a network error, and passes the rest. */
function flakyFetch(fail: (url: string, n: number) => boolean): typeof fetch {
  let n = 0;
  return (input, init) => {
    const url = String(input);
    if (fail(url, n++)) return Promise.reject(new TypeError('fetch failed (injected)'));
    return fetch(input, init);
  };
}

forEachDialect('push: clients', (ctx) => {
  let h: PushHarness;
  let phone: PushDeviceClient;
  let token: string;

  beforeEach(async () => {
    h = await startPush({ database: await ctx.freshConfig() });
    phone = await h.device();
    token = (await phone.register(APP)).token;
  });
  afterEach(async () => {
    await phone.stop();
    await h.stop();
  });

  it('the receive loop hands each message to the handler once and acknowledges it', async () => {
    const got: PushMessage[] = [];
    const loop = phone.start((m) => void got.push(m), { wait: 5 });
    assert.equal(phone.running, true);
    const sent = [];
    for (let i = 0; i < 3; i++) sent.push(await h.sender.send({ token, data: { i } }));
    await waitFor(() => got.length === 3);
    for (const s of sent) await waitFor2(async () => (await h.sender.status(s.id)).status === 'delivered');
    assert.deepEqual(got.map((m) => m.data.i), [0, 1, 2]);
    await assert.rejects(async () => phone.start(() => undefined), isCode('ERR_PUSH_CLIENT_STATE'));
    await phone.stop();
    await loop;
    assert.equal(phone.running, false);
  });

  it('a handler that throws: the message is not acknowledged, comes again, and is acknowledged once handled', async () => {
    const calls: string[] = [];
    const errors: unknown[] = [];
    let failOnce = true;
    void phone.start(
      (m) => {
        calls.push(m.id);
        if (failOnce) {
          failOnce = false;
          throw new Error('the app was busy');
        }
      },
      { wait: 5, backoff: { baseMs: 10, maxMs: 50 }, onError: (e) => errors.push(e) },
    );
    const sent = await h.sender.send({ token, data: {} });
    await waitFor2(async () => (await h.sender.status(sent.id)).status === 'delivered');
    assert.deepEqual(calls, [sent.id, sent.id]);
    assert.equal(errors.length, 1);
    assert.equal((await h.sender.status(sent.id)).attempts, 2);
  });

  it('a lost acknowledgement: the copy that comes again is acknowledged without calling the handler again', async () => {
    let acks = 0;
    const client = new PushDeviceClient({ baseUrl: h.url, credential: phone.credential, fetch: flakyFetch((url) => url.endsWith('/ack') && acks++ === 0) });
    const calls: string[] = [];
    const errors: unknown[] = [];
    void client.start((m) => void calls.push(m.id), { wait: 5, backoff: { baseMs: 10, maxMs: 50 }, onError: (e) => errors.push(e) });
    try {
      const sent = await h.sender.send({ token, data: {} });
      await waitFor2(async () => (await h.sender.status(sent.id)).status === 'delivered');
      assert.deepEqual(calls, [sent.id]);
      assert.equal((await h.sender.status(sent.id)).attempts, 2);
      assert.ok(errors.some((e) => e instanceof PushClientError && e.code === 'ERR_PUSH_CLIENT_NETWORK'));
    } finally {
      await client.stop();
    }
  });

  it('the service unreachable: the loop backs off (exponential, jittered) and recovers', async () => {
    const client = new PushDeviceClient({ baseUrl: h.url, credential: phone.credential, fetch: flakyFetch((url, n) => url.includes('/poll') && n < 4) });
    const errors: unknown[] = [];
    const t0 = performance.now();
    const got: string[] = [];
    // random() = 0.999: each delay is near its ceiling, 20, 40, 80, 160 ms.
    void client.start((m) => void got.push(m.id), { wait: 5, backoff: { baseMs: 20, maxMs: 1000 }, random: () => 0.999, onError: (e) => errors.push(e) });
    try {
      const sent = await h.sender.send({ token, data: {} });
      await waitFor(() => got.length === 1, 5000);
      const elapsed = performance.now() - t0;
      assert.deepEqual(got, [sent.id]);
      assert.equal(errors.length, 4);
      assert.ok(errors.every((e) => e instanceof PushClientError && e.code === 'ERR_PUSH_CLIENT_NETWORK' && e.retryable));
      assert.ok(elapsed >= 290, `recovered after ${elapsed.toFixed(0)} ms (backoff 20+40+80+160)`);
    } finally {
      await client.stop();
    }
  });

  it('the device reset elsewhere: the loop ends with ERR_PUSH_DEVICE_RESET', async () => {
    const loop = phone.start(() => undefined, { wait: 10 });
    await waitFor(() => h.service.waiting === 1);
    await new PushDeviceClient({ baseUrl: h.url, credential: phone.credential }).reset();
    await assert.rejects(loop, isCode('ERR_PUSH_DEVICE_RESET', 410));
    assert.equal(phone.running, false);
  });

  it('stop() aborts the open poll at once', async () => {
    const loop = phone.start(() => undefined, { wait: 20 });
    await waitFor(() => h.service.waiting === 1);
    const t0 = performance.now();
    await phone.stop();
    await loop;
    assert.ok(performance.now() - t0 < 3000, 'aborted long before its 20 s');
    await waitFor(() => h.service.waiting === 0, 1000);
  });

  it('after a re-enrolment the loop runs under the new identity', async () => {
    const old = phone.deviceId;
    await phone.reenrol();
    assert.notEqual(phone.deviceId, old);
    const t = (await phone.register(APP)).token;
    const got: string[] = [];
    void phone.start((m) => void got.push(m.id), { wait: 5 });
    const sent = await h.sender.send({ token: t, data: {} });
    await waitFor(() => got.length === 1);
    assert.deepEqual(got, [sent.id]);
  });
});

/** waitFor for an async condition, every 10 ms for up to 3 s. */
async function waitFor2(condition: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 3000;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('condition not reached in 3 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

it('client errors without the service: network, timeout, an answer that is not the API (no database)', async () => {
  // A port nobody listens on.
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const deadPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const down = new PushSender({ baseUrl: `http://127.0.0.1:${deadPort}`, token: 'push_' + 'A'.repeat(43) });
  await assert.rejects(down.send({ token: 'A'.repeat(43), data: {} }), (e: unknown) => isCode('ERR_PUSH_CLIENT_NETWORK')(e) && (e as PushClientError).retryable);

  // A server that never answers, and one that answers like a broken proxy.
  const sockets = new Set<Socket>();
  const silent: Server = createServer(() => undefined);
  silent.on('connection', (s) => sockets.add(s));
  const proxy: Server = createServer((_req, res) => {
    res.writeHead(502, { 'content-type': 'text/html' });
    res.end('<html>Bad Gateway</html>');
  });
  const odd: Server = createServer((_req, res) => {
    res.writeHead(400, { 'content-type': 'application/problem+json' });
    res.end(JSON.stringify({ code: 'ERR_FROM_ELSEWHERE', status: 400 }));
  });
  const ports: number[] = [];
  for (const s of [silent, proxy, odd]) {
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    ports.push((s.address() as AddressInfo).port);
  }
  try {
    const slow = new PushSender({ baseUrl: `http://127.0.0.1:${ports[0]}`, token: 'push_' + 'A'.repeat(43), timeoutMs: 200 });
    await assert.rejects(slow.status('msg_' + 'A'.repeat(22)), (e: unknown) => isCode('ERR_PUSH_CLIENT_TIMEOUT')(e) && (e as PushClientError).retryable);
    const bad = new PushSender({ baseUrl: `http://127.0.0.1:${ports[1]}`, token: 'push_' + 'A'.repeat(43) });
    await assert.rejects(bad.send({ token: 'A'.repeat(43), data: {} }), (e: unknown) => isCode('ERR_PUSH_CLIENT_PROTOCOL', 502)(e) && (e as PushClientError).retryable);
    const strange = new PushSender({ baseUrl: `http://127.0.0.1:${ports[2]}`, token: 'push_' + 'A'.repeat(43) });
    await assert.rejects(strange.send({ token: 'A'.repeat(43), data: {} }), (e: unknown) => isCode('ERR_PUSH_CLIENT_PROTOCOL', 400)(e) && !(e as PushClientError).retryable);
    await assert.rejects(bad.status('not-an-id'), isCode('ERR_REQUEST_FIELD'));
  } finally {
    for (const s of sockets) s.destroy();
    for (const s of [silent, proxy, odd]) await new Promise<void>((r) => s.close(() => r()));
  }
});
