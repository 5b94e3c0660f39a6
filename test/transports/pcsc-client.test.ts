import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCode } from '../../src/errors/index.js';
import { listReaders, PcscCard, withResponseCompletion, type ApduTransport, type PcscConnection, type PcscSystem } from '../../src/transports/index.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const show = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();

/** A raw transport answering from a script (command hex → response hex) and recording what it got. */
function scripted(script: Array<[string, string]>): ApduTransport & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    async transmit(c) {
      sent.push(show(c));
      const step = script.shift();
      assert.ok(step, `unexpected command ${show(c)}`);
      assert.equal(show(c), step[0]);
      return hex(step[1]);
    },
  };
}

describe('61XX / 6CXX response completion (ISO/IEC 7816-4 5.1.3)', () => {
  it('fetches the rest with GET RESPONSE, as often as the card says 61XX, on the same channel', async () => {
    const body = 'AB'.repeat(256);
    const raw = scripted([
      ['0388000000', '6100'],
      ['03C0000000', body + '6105'],
      ['03C0000005', '0102030405' + '9000'],
    ]);
    const r = await withResponseCompletion(raw).transmit(hex('0388000000'));
    assert.equal(show(r), body + '0102030405' + '9000');
  });

  it('re-issues the command with the exact Le after 6CXX, also for GET RESPONSE', async () => {
    const raw = scripted([
      ['00B0000000', '6C08'],
      ['00B0000008', '0001020304050607' + '9000'],
    ]);
    assert.equal(show(await withResponseCompletion(raw).transmit(hex('00B0000000'))), '0001020304050607' + '9000');
    const raw2 = scripted([
      ['80CA9F7F00', '6110'],
      ['00C0000010', '6C04'],
      ['00C0000004', 'CAFEBABE6283'],
    ]);
    assert.equal(show(await withResponseCompletion(raw2).transmit(hex('80CA9F7F00'))), 'CAFEBABE6283');
  });

  it('passes other status words and unparsable commands through, and bounds a card that never stops', async () => {
    const raw = scripted([
      ['0020008004' + '31323334', '63C2'],
      ['00', '6E00'],
    ]);
    const t = withResponseCompletion(raw);
    assert.equal(show(await t.transmit(hex('0020008004 31323334'))), '63C2');
    assert.equal(show(await t.transmit(hex('00'))), '6E00');
    const endless: ApduTransport = { transmit: async (c) => (c[1] === 0xc0 ? hex('AA'.repeat(256) + '6100') : hex('6100')) };
    await assert.rejects(withResponseCompletion(endless).transmit(hex('00B0000000')), (e) => hasCode(e, 'ERR_PCSC_RESPONSE_LOOP'));
  });
});

/** A PC/SC system in memory: two readers, a card in the second. */
function fakeSystem(): PcscSystem & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    async listReaders() {
      return [
        { name: 'Reader A', cardPresent: false, atr: new Uint8Array(0) },
        { name: 'Reader B', cardPresent: true, atr: hex('3BE000FF8131FE4514') },
      ];
    },
    async connect(reader, share): Promise<PcscConnection> {
      log.push(`connect ${reader} ${share}`);
      return {
        reader,
        atr: hex('3BE000FF8131FE4514'),
        protocol: 'T=0',
        async transmit(c) {
          log.push(`> ${show(c)}`);
          return c[1] === 0xc0 ? hex('01029000') : hex('6102');
        },
        disconnect(d) {
          log.push(`disconnect ${d}`);
        },
      };
    },
    close() {
      log.push('close');
    },
  };
}

describe('PcscCard over a PC/SC system', () => {
  it('connects to the first reader with a card, completes T=0 responses, and resets the card on close', async () => {
    const system = fakeSystem();
    const card = await PcscCard.connect({ system });
    assert.equal(card.reader, 'Reader B');
    assert.equal(card.protocol, 'T=0');
    assert.equal(show(await card.transmit(hex('00A4040C0AD392F000260100000001'))), '01029000');
    card.close();
    card.close();
    await assert.rejects(card.transmit(hex('00B0000004')), (e) => hasCode(e, 'ERR_PCSC_CLOSED'));
    assert.deepEqual(system.log, ['connect Reader B shared', '> 00A4040C0AD392F000260100000001', '> 00C0000002', 'disconnect reset']);
  });

  it('names the reader problems: unknown name, no reader, no card', async () => {
    await assert.rejects(PcscCard.connect({ system: fakeSystem(), reader: 'Reader C' }), (e) => hasCode(e, 'ERR_PCSC_READER_NOT_FOUND'));
    const empty: PcscSystem = { ...fakeSystem(), listReaders: async () => [] };
    await assert.rejects(PcscCard.connect({ system: empty }), (e) => hasCode(e, 'ERR_PCSC_NO_READER'));
    const noCard: PcscSystem = { ...fakeSystem(), listReaders: async () => [{ name: 'Reader A', cardPresent: false, atr: new Uint8Array(0) }] };
    await assert.rejects(PcscCard.connect({ system: noCard }), (e) => hasCode(e, 'ERR_PCSC_CONNECT'));
    const named = await PcscCard.connect({ system: fakeSystem(), reader: 'Reader A', share: 'exclusive' });
    assert.equal(named.reader, 'Reader A');
    named.close('leave');
  });
});

describe('the PC/SC binding', () => {
  it('loads, and names a missing pcscd ERR_PCSC_NO_SERVICE', async () => {
    // libpcsclite reads the socket path from PCSCLITE_CSOCK_NAME: point it at nothing, so that the
    // test never reaches a pcscd of the host.
    process.env.PCSCLITE_CSOCK_NAME = '/nonexistent/jpki-mobile-test/pcscd.comm';
    await assert.rejects(listReaders(), (e) => hasCode(e, 'ERR_PCSC_NO_SERVICE'));
    await assert.rejects(PcscCard.connect(), (e) => hasCode(e, 'ERR_PCSC_NO_SERVICE'));
  });
});
