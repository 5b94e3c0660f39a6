import { SW, throwSw } from '../../../src/apdu/index.js';
import { fromHex, toHex } from '../../../src/bytes/index.js';
import type { AppletModule, AppletPackage, SeApplet, SeAppletHost, SecureChannel } from '../../../src/devices/secure-element/index.js';
import { encodeTlv, tlv } from '../../../src/tlv/index.js';

/** The test package of the secure element tests (no test of its own): a small applet module. */

export const TEST_PACKAGE_AID = 'F0000000010001';
export const TEST_MODULE_AID = 'F000000001000101';

/** The data of the counter applet. */
export interface CounterData {
  counter: number;
  perso: string[];
}

/**
 * The counter applet (test code): '01' reads the counter, '02' increments it, '03' increments and
 * fails ('6985': the change is rolled back), '04' increments, commits, then fails (the change stays),
 * '05' answers the interface, '06' the personalization data received, '07' increments and throws an
 * Error (a bug: '6F00', rolled back); '50'/'82' open a secure channel
 * with its domain's keys, '10' echoes under it ('6982' without); '11' moves to PERSONALIZED.
 * `personalize` records the data (data starting 'EE' commits halfway: two saves) and answers it
 * reversed for a case 4 STORE DATA, or when it starts with 'DA'.
 */
const COUNTER_MODULE: AppletModule<CounterData> = {
  aid: fromHex(TEST_MODULE_AID),
  name: 'Counter',
  initialData(parameters: Uint8Array): CounterData {
    if (parameters.length > 1) throwSw(SW.INCORRECT_DATA);
    return { counter: parameters[0] ?? 0, perso: [] };
  },
  create(host: SeAppletHost<CounterData>): SeApplet {
    const channels = new Map<number, SecureChannel>();
    const channel = (n: number) => {
      let c = channels.get(n);
      if (!c) channels.set(n, (c = host.openSecureChannel()));
      return c;
    };
    return {
      aid: host.aid,
      name: 'Counter',
      select(ctx) {
        channels.get(ctx.channel)?.terminate();
        channels.delete(ctx.channel);
        return encodeTlv(tlv(0x6f, [tlv(0x84, host.aid)]));
      },
      async process(cmd, ctx) {
        switch (cmd.ins) {
          case 0x01:
            return Uint8Array.of(host.data.counter);
          case 0x02:
            host.update((d) => void d.counter++);
            return Uint8Array.of(host.data.counter);
          case 0x03:
            host.update((d) => void d.counter++);
            return throwSw(SW.CONDITIONS_NOT_SATISFIED);
          case 0x04:
            host.update((d) => void d.counter++);
            await host.commit();
            return throwSw(SW.CONDITIONS_NOT_SATISFIED);
          case 0x05:
            return new TextEncoder().encode(ctx.iface);
          case 0x06:
            return new TextEncoder().encode(host.data.perso.join(','));
          case 0x50:
          case 0x82:
            return channel(ctx.channel).processSecurity(cmd);
          case 0x10: {
            const c = channel(ctx.channel);
            const plain = c.unwrap(cmd);
            if (!c.authenticated) throwSw(SW.SECURITY_STATUS_NOT_SATISFIED);
            return c.wrap({ data: plain.data, sw: SW.SUCCESS });
          }
          case 0x11:
            host.setLifeCycle(0x0f);
            return undefined;
          case 0x07:
            host.update((d) => void d.counter++);
            throw new Error('a bug in the applet');
          default:
            return throwSw(SW.INS_NOT_SUPPORTED);
        }
      },
      deselect(ctx) {
        channels.get(ctx.channel)?.terminate();
        channels.delete(ctx.channel);
      },
      async personalize(cmd) {
        const half = cmd.data[0] === 0xee;
        host.update((d) => void d.perso.push(toHex(cmd.data)));
        if (half) {
          await host.commit();
          host.update((d) => void d.perso.push('after-commit'));
        }
        return (cmd.p1 & 0x01) !== 0 || cmd.data[0] === 0xda ? Uint8Array.from(cmd.data).reverse() : undefined;
      },
    };
  },
};

export const TEST_PACKAGE: AppletPackage = {
  aid: fromHex(TEST_PACKAGE_AID),
  name: 'Counter package',
  version: [1, 2],
  modules: [COUNTER_MODULE as AppletModule],
};

/** A second package, never loaded, for "unknown load file" refusals. */
export const OTHER_PACKAGE: AppletPackage = {
  aid: fromHex('F0000000020001'),
  name: 'Other package',
  version: [1, 0],
  modules: [{ ...(COUNTER_MODULE as AppletModule), aid: fromHex('F000000002000101') }],
};
