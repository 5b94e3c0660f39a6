import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { hasCode } from '../../src/errors/index.js';
import { classify, encodeFrame, FrameDecoder, parseVpcdAddress, VpcdBridge, type VpcdEvent } from '../../src/transports/vpcd/index.js';
import { freePort } from '../helpers/net.js';
import { startFakeVpcd, type FakeConnection } from './support/fake-vpcd.js';
import { TEST_AID, TEST_ATR, testCard } from './support/test-card.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const show = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();
const SELECT_TEST = hex('00A4040C06' + show(TEST_AID));
const VERIFY_1234 = hex('0020008004 31323334');
const GET_FLAG = hex('00CA000001');

const tick = () => new Promise((r) => setTimeout(r, 5));

/** Plays vpcd's part of a command: one framed APDU, one framed answer. */
async function exchange(c: FakeConnection, apdu: Uint8Array): Promise<string> {
  c.send(apdu);
  return show(await c.receive());
}

describe('vpcd framing', () => {
  it('prefixes the big-endian length and reassembles frames split byte by byte', () => {
    assert.equal(show(encodeFrame(hex('9000'))), '00029000');
    const long = new Uint8Array(300).fill(0xab);
    assert.equal(show(encodeFrame(long).subarray(0, 2)), '012C');
    const d = new FrameDecoder();
    const stream = encodeFrame(long);
    const out: Uint8Array[] = [];
    for (const b of stream) out.push(...d.push(Uint8Array.of(b)));
    assert.equal(out.length, 1);
    assert.deepEqual(out[0], long);
    assert.equal(d.buffered, 0);
  });

  it('returns several frames from one chunk and keeps the partial rest', () => {
    const d = new FrameDecoder();
    const chunk = hex('0001 01 0001 04 0005 00A4040C00 00');
    assert.deepEqual(d.push(chunk).map(show), ['01', '04', '00A4040C00']);
    assert.equal(d.buffered, 1);
    assert.deepEqual(d.push(hex('02 9000')).map(show), ['9000']);
  });

  it('refuses a 0-length frame, and payloads that do not fit the 2-byte length', () => {
    const d = new FrameDecoder();
    assert.throws(() => d.push(hex('0001 01 0000')), (e) => hasCode(e, 'ERR_VPCD_FRAME_EMPTY'));
    assert.throws(() => d.push(hex('0001 01')), (e) => hasCode(e, 'ERR_VPCD_FRAME_EMPTY'));
    assert.throws(() => encodeFrame(new Uint8Array(0)), (e) => hasCode(e, 'ERR_VPCD_FRAME_SIZE'));
    assert.throws(() => encodeFrame(new Uint8Array(65536)), (e) => hasCode(e, 'ERR_VPCD_FRAME_SIZE'));
  });

  it('reassembles any sequence of frames, however the stream is cut (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 600 }), { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 20 }),
        (payloads, cuts) => {
          const stream = Buffer.concat(payloads.map((p) => encodeFrame(p)));
          const d = new FrameDecoder();
          const out: Uint8Array[] = [];
          let at = 0;
          let i = 0;
          while (at < stream.length) {
            const n = cuts[i++ % cuts.length]!;
            out.push(...d.push(new Uint8Array(stream.subarray(at, at + n))));
            at += n;
          }
          assert.deepEqual(out.map(show), payloads.map(show));
          assert.equal(d.buffered, 0);
        },
      ),
    );
  });

  it('classifies control codes and APDUs, and parses HOST:PORT', () => {
    assert.deepEqual(['00', '01', '02', '04'].map((c) => classify(hex(c)).kind), ['power-off', 'power-on', 'reset', 'get-atr']);
    assert.equal(classify(hex('00A4')).kind, 'apdu');
    assert.throws(() => classify(hex('03')), (e) => hasCode(e, 'ERR_VPCD_CONTROL_UNKNOWN'));
    assert.deepEqual(parseVpcdAddress('127.0.0.1:35963'), { host: '127.0.0.1', port: 35963 });
    assert.deepEqual(parseVpcdAddress('[::1]:35964'), { host: '::1', port: 35964 });
    for (const bad of ['127.0.0.1', ':35963', '127.0.0.1:0', 'h:65536', 'h:x', '::1:35963']) {
      assert.throws(() => parseVpcdAddress(bad), (e) => hasCode(e, 'ERR_VPCD_ADDRESS'), bad);
    }
  });
});

describe('vpcd bridge against a fake vpcd on 127.0.0.1', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  async function setup(options: { port?: number; retry?: { initialMs?: number; maxMs?: number } } = {}) {
    const vpcd = await startFakeVpcd(options.port ?? 0);
    const { card, applet, events: cardEvents } = testCard();
    const events: VpcdEvent[] = [];
    const bridge = new VpcdBridge({ host: '127.0.0.1', port: vpcd.port, card, retry: options.retry ?? { initialMs: 20, maxMs: 80 }, onEvent: (e) => events.push(e) });
    cleanups.push(async () => {
      await bridge.stop();
      await vpcd.close();
    });
    return { vpcd, bridge, events, card, applet, cardEvents };
  }

  it('answers get-ATR, powers on, serves APDUs in order, and gives no reply to power codes', async () => {
    const { vpcd, bridge, events, applet } = await setup();
    bridge.start();
    const c = await vpcd.accept();
    await bridge.whenConnected();
    c.send(hex('04'));
    assert.equal(show(await c.receive()), show(TEST_ATR));
    c.send(hex('01'));
    assert.equal(await exchange(c, SELECT_TEST), '9000');
    assert.equal(await exchange(c, VERIFY_1234), '9000');
    assert.equal(applet.verified, true);
    assert.equal(await exchange(c, GET_FLAG), '019000');
    assert.equal(await exchange(c, hex('00B0000000')).then((r) => r.length), 2 * 258);
    assert.equal(await exchange(c, hex('0099000000')), '6D00');
    const apdus = events.filter((e) => e.type === 'apdu');
    assert.ok(apdus.some((e) => e.command === '0020008004<4 bytes redacted>'), 'VERIFY data is redacted in events');
    assert.ok(apdus.every((e) => !e.command.includes('31323334')));
  });

  it('handles frames split byte by byte and several frames in one TCP write', async () => {
    const { vpcd, bridge } = await setup();
    bridge.start();
    const c = await vpcd.accept();
    const joined = Buffer.concat([encodeFrame(hex('01')), encodeFrame(hex('04')), encodeFrame(SELECT_TEST), encodeFrame(GET_FLAG)]);
    c.raw(joined);
    assert.deepEqual([show(await c.receive()), show(await c.receive()), show(await c.receive())], [show(TEST_ATR), '9000', '009000']);
    for (const b of encodeFrame(VERIFY_1234)) {
      c.raw(Uint8Array.of(b));
      await tick();
    }
    assert.equal(show(await c.receive()), '9000');
    const split = encodeFrame(GET_FLAG);
    c.raw(split.subarray(0, 1));
    await tick();
    c.raw(split.subarray(1, 4));
    await tick();
    c.raw(split.subarray(4));
    assert.equal(show(await c.receive()), '019000');
  });

  it('passes power off, power on and reset to the card; each ends the session', async () => {
    const { vpcd, bridge, events, card } = await setup();
    bridge.start();
    const c = await vpcd.accept();
    c.send(hex('01'));
    await exchange(c, SELECT_TEST);
    await exchange(c, VERIFY_1234);
    c.send(hex('02')); // reset: no reply
    assert.equal(await exchange(c, SELECT_TEST), '9000');
    assert.equal(await exchange(c, GET_FLAG), '009000');
    await exchange(c, VERIFY_1234);
    c.send(hex('00')); // power off: no reply
    c.send(hex('04'));
    assert.equal(show(await c.receive()), show(TEST_ATR), 'the ATR is answered while unpowered (presence polling)');
    assert.equal(card.powered, false);
    c.send(hex('01'));
    assert.equal(await exchange(c, SELECT_TEST), '9000');
    assert.equal(await exchange(c, GET_FLAG), '009000');
    c.send(hex('01')); // power on while powered: a cold reset
    assert.equal(await exchange(c, GET_FLAG), '6D00', 'nothing selected after the cold reset');
    const power = events.flatMap((e) => (e.type === 'power' ? [e.state] : []));
    assert.deepEqual(power, ['on', 'reset', 'off', 'on', 'on']);
  });

  it('drops the connection on a 0-length frame or an unknown control code, powers the card off, and reconnects', async () => {
    const { vpcd, bridge, events, card } = await setup();
    bridge.start();
    const c1 = await vpcd.accept();
    c1.send(hex('01'));
    assert.equal(await exchange(c1, SELECT_TEST), '9000');
    c1.raw(hex('0000'));
    await c1.closed;
    const c2 = await vpcd.accept();
    assert.equal(card.powered, false);
    c2.send(hex('01'));
    assert.equal(await exchange(c2, GET_FLAG), '6D00', 'a new session');
    c2.send(hex('07'));
    await c2.closed;
    const c3 = await vpcd.accept();
    c3.send(hex('04'));
    assert.equal(show(await c3.receive()), show(TEST_ATR));
    const codes = events.flatMap((e) => (e.type === 'protocol-error' ? [e.error.code] : []));
    assert.deepEqual(codes, ['ERR_VPCD_FRAME_EMPTY', 'ERR_VPCD_CONTROL_UNKNOWN']);
  });

  it('waits with backoff until vpcd listens, and comes back after vpcd drops the connection', async () => {
    const port = await freePort();
    const t = testCard();
    const events: VpcdEvent[] = [];
    const bridge = new VpcdBridge({ host: '127.0.0.1', port, card: t.card, retry: { initialMs: 10, maxMs: 40 }, onEvent: (e) => events.push(e) });
    bridge.start();
    await new Promise((r) => setTimeout(r, 150));
    const delays = events.flatMap((e) => (e.type === 'retry' ? [e.delayMs] : []));
    assert.ok(delays.length >= 3, `retried ${delays.length} times`);
    assert.deepEqual(delays.slice(0, 3), [10, 20, 40]);
    assert.ok(delays.every((d) => d <= 40));
    const vpcd = await startFakeVpcd(port);
    cleanups.push(async () => {
      await bridge.stop();
      await vpcd.close();
    });
    const c1 = await vpcd.accept();
    await bridge.whenConnected();
    c1.send(hex('01'));
    assert.equal(await exchange(c1, SELECT_TEST), '9000');
    c1.socket.destroy(); // vpcd goes away: the card is "removed"
    const c2 = await vpcd.accept();
    assert.equal(t.card.powered, false);
    assert.ok(t.events.includes('off'));
    c2.send(hex('01'));
    assert.equal(await exchange(c2, SELECT_TEST), '9000');
  });

  it('answers 6F00 when the card fails, and stops cleanly: no reconnect, card powered off', async () => {
    const { vpcd, bridge, events, card } = await setup();
    bridge.start();
    const c = await vpcd.accept();
    assert.equal(await exchange(c, SELECT_TEST), '6F00', 'an APDU to an unpowered card');
    assert.ok(events.some((e) => e.type === 'card-error'));
    c.send(hex('01'));
    await exchange(c, SELECT_TEST);
    assert.equal(card.powered, true);
    await bridge.stop();
    await c.closed;
    assert.equal(card.powered, false);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(vpcd.accepted, 1);
    assert.equal(events.at(-1)?.type, 'stopped');
    await bridge.stop(); // idempotent
  });
});
