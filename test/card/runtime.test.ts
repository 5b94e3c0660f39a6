import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SW, throwSw, type CommandApdu } from '../../src/apdu/index.js';
import { fromHex, hex, toHex } from '../../src/bytes/index.js';
import { CardRuntime, redactCommand, type Applet, type AppletContext, type CardLogger } from '../../src/card/index.js';

/**
 * A toy applet that records its life: it answers `00 01` with its name and the channel, `00 02` by
 * throwing a status word, `00 03` by throwing an ordinary Error, `00 04` with a warning carrying data.
 */
function toyApplet(name: string, aid: string, events: string[], options: { refuse?: boolean; fci?: string } = {}): Applet {
  return {
    aid: fromHex(aid),
    name,
    select(ctx: AppletContext) {
      events.push(`${name} select ${ctx.channel}`);
      if (options.refuse) throwSw(SW.CONDITIONS_NOT_SATISFIED);
      return options.fci ? fromHex(options.fci) : undefined;
    },
    process(cmd: CommandApdu, ctx: AppletContext) {
      events.push(`${name} process ${toHex(Uint8Array.of(cmd.cla, cmd.ins))} on ${ctx.channel}${ctx.proprietary ? ' proprietary' : ''}`);
      switch (cmd.ins) {
        case 0x01:
          return new TextEncoder().encode(`${name}${ctx.channel}`);
        case 0x02:
          return throwSw(SW.SECURITY_STATUS_NOT_SATISFIED);
        case 0x03:
          throw new Error('bug in the applet, PIN 1234');
        case 0x04:
          return { data: hex`AABB`, sw: SW.END_OF_FILE_REACHED };
        case 0x05:
          return undefined;
        case 0x06:
          return { data: hex`01`, sw: 0x1234 };
        default:
          return throwSw(SW.INS_NOT_SUPPORTED);
      }
    },
    deselect(ctx: AppletContext) {
      events.push(`${name} deselect ${ctx.channel}`);
    },
    powerUp() {
      events.push(`${name} powerUp`);
    },
    powerDown() {
      events.push(`${name} powerDown`);
    },
  };
}

const AID_A = 'A000000001AA';
const AID_B = 'A000000001BB01';
const ATR = hex`3B00`;

async function tx(rt: CardRuntime, apdu: string): Promise<string> {
  return toHex(await rt.transmit(fromHex(apdu)));
}

function selectAid(aid: string, cla = '00', p2 = '0C'): string {
  return `${cla}A404${p2}${toHex(Uint8Array.of(aid.length / 2))}${aid}`;
}

function setup(options: { channels?: number; defaultApplet?: string; partial?: boolean; logger?: CardLogger; refuseB?: boolean } = {}) {
  const events: string[] = [];
  const a = toyApplet('A', AID_A, events, { fci: '6F03840101' });
  const b = toyApplet('B', AID_B, events, { refuse: options.refuseB === true });
  const rt = new CardRuntime({
    atr: ATR,
    applets: [a, b],
    logicalChannels: options.channels ?? 4,
    ...(options.defaultApplet ? { defaultApplet: fromHex(options.defaultApplet) } : {}),
    partialSelection: options.partial === true,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return { rt, events };
}

const ascii = (s: string) => toHex(new TextEncoder().encode(s));

describe('card runtime: power', () => {
  it('returns the ATR on power-on and reset, refuses transmit when unpowered, and calls the power hooks', async () => {
    const { rt, events } = setup();
    assert.equal(rt.powered, false);
    await assert.rejects(rt.transmit(hex`00A4040C`), { code: 'ERR_CARD_POWERED_OFF' });
    assert.equal(toHex(await rt.powerOn()), '3B00');
    assert.deepEqual(events, ['A powerUp', 'B powerUp']);
    assert.equal(await tx(rt, selectAid(AID_A)), '9000');
    events.length = 0;
    assert.equal(toHex(await rt.reset()), '3B00');
    assert.deepEqual(events, ['A powerDown', 'B powerDown', 'A powerUp', 'B powerUp'], 'no deselect on a reset: the card runs no code when power goes');
    assert.equal(await tx(rt, '00010000'), '6D00', 'nothing selected after reset');
    await rt.powerOff();
    assert.equal(rt.powered, false);
    await assert.rejects(rt.transmit(hex`00010000`), { code: 'ERR_CARD_POWERED_OFF' });
  });

  it('selects the default applet at power-on and on an empty SELECT', async () => {
    const { rt, events } = setup({ defaultApplet: AID_B });
    await rt.powerOn();
    assert.equal(rt.selectedOn(0)?.name, 'B');
    assert.equal(await tx(rt, '00010000'), ascii('B0') + '9000');
    assert.equal(await tx(rt, selectAid(AID_A)), '9000');
    assert.equal(await tx(rt, '00A4040C'), '9000');
    assert.equal(rt.selectedOn(0)?.name, 'B');
    assert.deepEqual(events.filter((e) => !e.includes('power')), ['B select 0', 'B process 0001 on 0', 'B deselect 0', 'A select 0', 'A deselect 0', 'B select 0']);
  });

  it('refuses bad configurations', () => {
    const events: string[] = [];
    const a = toyApplet('A', AID_A, events);
    assert.throws(() => new CardRuntime({ atr: hex`00`, applets: [a] }), { code: 'ERR_CARD_CONFIG' });
    assert.throws(() => new CardRuntime({ atr: ATR, applets: [a, toyApplet('A2', AID_A, events)] }), { code: 'ERR_CARD_CONFIG' });
    assert.throws(() => new CardRuntime({ atr: ATR, applets: [toyApplet('X', 'A000', events)] }), { code: 'ERR_CARD_CONFIG' });
    assert.throws(() => new CardRuntime({ atr: ATR, applets: [a], logicalChannels: 21 }), { code: 'ERR_CARD_CONFIG' });
    assert.throws(() => new CardRuntime({ atr: ATR, applets: [a], logicalChannels: 0 }), { code: 'ERR_CARD_CONFIG' });
    assert.throws(() => new CardRuntime({ atr: ATR, applets: [a], defaultApplet: hex`A000000009` }), { code: 'ERR_CARD_CONFIG' });
  });
});

describe('card runtime: SELECT and dispatch', () => {
  it('selects by DF name, deselects the previous applet, answers 6A82 for unknown names and keeps the selection', async () => {
    const { rt, events } = setup();
    await rt.powerOn();
    events.length = 0;
    assert.equal(await tx(rt, '00010000'), '6D00', 'no applet selected: unknown instruction');
    assert.equal(await tx(rt, '00A4020C020001'), '6A82', 'no applet selected: a SELECT finds nothing');
    assert.equal(await tx(rt, selectAid(AID_A)), '9000');
    assert.equal(await tx(rt, selectAid('A000000001CC')), '6A82');
    assert.equal(await tx(rt, '00010000'), ascii('A0') + '9000');
    assert.equal(await tx(rt, selectAid(AID_B)), '9000');
    assert.equal(await tx(rt, selectAid(AID_B)), '9000', 're-selection deselects and selects again');
    assert.deepEqual(events, ['A select 0', 'A process 0001 on 0', 'A deselect 0', 'B select 0', 'B deselect 0', 'B select 0']);
  });

  it('returns FCI unless P2 asks for none, and refuses next-occurrence and RFU P2 with 6A86', async () => {
    const { rt } = setup();
    await rt.powerOn();
    assert.equal(await tx(rt, selectAid(AID_A, '00', '00') + '00'), '6F038401019000');
    assert.equal(await tx(rt, selectAid(AID_A, '00', '04')), '6F038401019000');
    assert.equal(await tx(rt, selectAid(AID_A, '00', '0C')), '9000');
    assert.equal(await tx(rt, selectAid(AID_A, '00', '02')), '6A86');
    assert.equal(await tx(rt, selectAid(AID_A, '00', '1C')), '6A86');
    assert.equal(await tx(rt, `00A4040C11${'A0'.repeat(17)}`), '6700');
  });

  it('an applet refusing selection leaves nothing selected on the channel', async () => {
    const { rt } = setup({ refuseB: true });
    await rt.powerOn();
    assert.equal(await tx(rt, selectAid(AID_A)), '9000');
    assert.equal(await tx(rt, selectAid(AID_B)), '6985');
    assert.equal(rt.selectedOn(0), undefined);
    assert.equal(await tx(rt, '00010000'), '6D00');
  });

  it('matches right-truncated DF names only when partial selection is on', async () => {
    const off = setup();
    await off.rt.powerOn();
    assert.equal(await tx(off.rt, selectAid('A000000001BB')), '6A82');
    const on = setup({ partial: true });
    await on.rt.powerOn();
    assert.equal(await tx(on.rt, selectAid('A000000001BB')), '9000');
    assert.equal(on.rt.selectedOn(0)?.name, 'B');
    assert.equal(await tx(on.rt, selectAid('A0000000')), '6A82', 'fewer than 5 bytes never match partially');
  });

  it('steps through partial matches with SELECT [next occurrence] when partial selection is on', async () => {
    const { rt, events } = setup({ partial: true });
    await rt.powerOn();
    assert.equal(await tx(rt, selectAid('A000000001', '00', '0C')), '9000');
    assert.equal(rt.selectedOn(0)?.name, 'A');
    assert.equal(await tx(rt, selectAid('A000000001', '00', '0E')), '9000');
    assert.equal(rt.selectedOn(0)?.name, 'B');
    assert.equal(await tx(rt, selectAid('A000000001', '00', '0E')), '6A82', 'no further match');
    assert.equal(rt.selectedOn(0)?.name, 'B', 'the selection stays');
    // Next occurrence searches after the current application in registry order (GP Card Spec 2.3.1
    // 11.9.2.3), whether or not the current one matches the name: A comes before B.
    assert.equal(await tx(rt, selectAid('A000000001AA', '00', '02')), '6A82', 'nothing after B matches');
    assert.equal(await tx(rt, selectAid('A000000001', '00', '01')), '6A86', 'last occurrence is not supported');
    assert.deepEqual(events.filter((e) => e.includes('select')), ['A select 0', 'A deselect 0', 'B select 0']);
  });

  it('turns StatusWordError into its SW, warnings with data through, other exceptions into 6F00 (logged, redacted)', async () => {
    const errors: string[] = [];
    const apdus: string[] = [];
    const { rt } = setup({ logger: { error: (m, e) => errors.push(`${m} | ${(e as Error).message}`), apdu: (c, r) => apdus.push(`${c} ${r}`) } });
    await rt.powerOn();
    await tx(rt, selectAid(AID_A));
    assert.equal(await tx(rt, '0002000003AABBCC'), '6982', 'an ISO error carries no data');
    assert.equal(await tx(rt, '00040000'), 'AABB6282');
    assert.equal(await tx(rt, '00050000'), '9000');
    assert.equal(await tx(rt, '0003000004DEADBEEF'), '6F00');
    assert.equal(await tx(rt, '00060000'), '6F00', 'an applet answering a value that is no status word');
    assert.equal(await tx(rt, '0020008004DEADBEEF'), '6D00');
    assert.equal(errors.length, 2);
    assert.match(errors[0]!, /^unexpected failure on 0003000004DEADBEEF \| bug in the applet/);
    assert.match(errors[1]!, /^unexpected failure on 00060000 \| 1234 is not a status word/);
    assert.ok(apdus.includes('0020008004<4 bytes redacted> 6D00'));
    assert.ok(!apdus.join().includes('DEADBEEF6D00'));
  });

  it('answers 6E00 to a class byte without coding, 6700 to malformed APDUs, and passes proprietary SELECTs to the applet', async () => {
    const { rt, events } = setup();
    await rt.powerOn();
    for (const apdu of ['FFA4040C00', '20010000', '3F010000']) assert.equal(await tx(rt, apdu), '6E00', apdu);
    for (const apdu of ['', '00', '000100', '0001000005AA', '00010000000000AA']) assert.equal(await tx(rt, apdu), '6700', apdu);
    assert.equal(await tx(rt, selectAid(AID_A, '0C')), '6E00', 'SELECT with secure messaging');
    assert.equal(await tx(rt, selectAid(AID_A, '10')), '6E00', 'SELECT with chaining');
    assert.equal(await tx(rt, selectAid(AID_A)), '9000');
    events.length = 0;
    assert.equal(await tx(rt, selectAid(AID_B, '80')), '6D00');
    assert.deepEqual(events, ['A process 80A4 on 0 proprietary']);
  });

  it('takes commands one at a time, in order', async () => {
    const { rt } = setup();
    await rt.powerOn();
    const answers = await Promise.all([tx(rt, selectAid(AID_A)), tx(rt, '00010000'), tx(rt, selectAid(AID_B)), tx(rt, '00010000')]);
    assert.deepEqual(answers, ['9000', ascii('A0') + '9000', '9000', ascii('B0') + '9000']);
  });
});

describe('card runtime: logical channels (ISO/IEC 7816-4 5.4.2, 7.1.2)', () => {
  it('opens channels chosen by the card and by the host, selects independently on each, and closes them', async () => {
    const { rt, events } = setup({ channels: 4 });
    await rt.powerOn();
    assert.equal(await tx(rt, '0070000001'), '019000');
    assert.equal(await tx(rt, '0070000001'), '029000');
    assert.equal(await tx(rt, '00700003'), '9000');
    assert.equal(await tx(rt, '0070000001'), '6A81', 'all four channels are open');
    assert.equal(await tx(rt, '00700002'), '6985', 'channel 2 is open already');
    assert.deepEqual(rt.openChannels, [0, 1, 2, 3]);
    assert.equal(await tx(rt, selectAid(AID_A, '01')), '9000');
    assert.equal(await tx(rt, selectAid(AID_B, '02')), '9000');
    assert.equal(await tx(rt, '01010000'), ascii('A1') + '9000');
    assert.equal(await tx(rt, '02010000'), ascii('B2') + '9000');
    assert.equal(await tx(rt, '00010000'), '6D00', 'nothing selected on the basic channel');
    assert.equal(await tx(rt, '81010000'), ascii('A1') + '9000', 'proprietary class on channel 1');
    events.length = 0;
    assert.equal(await tx(rt, '00708001'), '9000');
    assert.deepEqual(events, ['A deselect 1']);
    assert.equal(await tx(rt, '01010000'), '6881', 'a closed channel');
    assert.equal(await tx(rt, '02708000'), '9000', 'P2 00 closes the channel the command came on');
    assert.equal(await tx(rt, '00708000'), '6A81', 'the basic channel is never closed');
    assert.equal(await tx(rt, '00708009'), '6A86');
    assert.equal(await tx(rt, '00700004'), '6A86', 'beyond the card\'s channels');
    assert.equal(await tx(rt, '00701000'), '6A86');
    assert.equal(await tx(rt, '0070000101AA'), '6700');
    assert.deepEqual(rt.openChannels, [0, 3]);
  });

  it('a channel opened from channel n selects n\'s applet again; opened from 0 it gets the default applet', async () => {
    const { rt } = setup({ channels: 20, defaultApplet: AID_B });
    await rt.powerOn();
    assert.equal(await tx(rt, '0070000001'), '019000');
    assert.equal(rt.selectedOn(1)?.name, 'B');
    assert.equal(await tx(rt, selectAid(AID_A, '01')), '9000');
    assert.equal(await tx(rt, '0170000001'), '029000');
    assert.equal(rt.selectedOn(2)?.name, 'A');
    assert.equal(await tx(rt, '00700013'), '9000');
    assert.equal(await tx(rt, '4F010000'), ascii('B19') + '9000', 'channel 19 in the further interindustry coding');
    await rt.reset();
    assert.deepEqual(rt.openChannels, [0], 'a reset closes every logical channel');
    assert.equal(await tx(rt, '4F010000'), '6881');
  });

  it('without logical channels, MANAGE CHANNEL and other channels answer 6881', async () => {
    const { rt } = setup({ channels: 1 });
    await rt.powerOn();
    assert.equal(await tx(rt, '0070000001'), '6881');
    assert.equal(await tx(rt, selectAid(AID_A, '01')), '6881');
  });
});

describe('card runtime: redaction', () => {
  it('hides the data of VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER and PUT KEY, and nothing else', () => {
    assert.equal(redactCommand(hex`00 20 00 80 04 31323334`), '0020008004<4 bytes redacted>');
    assert.equal(redactCommand(hex`00 20 00 80`), '00200080');
    assert.equal(redactCommand(hex`00 24 01 80 06 414243313233 00`), '0024018006<6 bytes redacted>00');
    assert.equal(redactCommand(hex`00 2C 00 80 02 3132`), '002C008002<2 bytes redacted>');
    assert.equal(redactCommand(hex`80 D8 00 81 03 010203`), '80D8008103<3 bytes redacted>');
    assert.equal(redactCommand(hex`00 20 00 80 00 00 04 31323334`), '00200080<7 bytes redacted>', 'extended length: the whole body');
    assert.equal(redactCommand(hex`00 20 00 80 09 3132`), '00200080<3 bytes redacted>', 'malformed: the whole body');
    assert.equal(redactCommand(hex`00 B0 00 00 04`), '00B0000004');
    assert.equal(redactCommand(hex`80 2A 00 80 01 AA 00`), '802A008001AA00');
  });
});
