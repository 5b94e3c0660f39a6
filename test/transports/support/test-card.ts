import { SW, throwSw, type CommandApdu } from '../../../src/apdu/index.js';
import { CardRuntime, type Applet, type CardPort } from '../../../src/card/index.js';

/** 3B 88 80 01 ...: a contactless-style ATR from pcsc-tools' list, good enough for a test card. */
export const TEST_ATR = Uint8Array.of(0x3b, 0x88, 0x80, 0x01, 0x00, 0x00, 0x05, 0xe0, 0xb3, 0x81, 0xa1, 0x00, 0x7f);
export const TEST_AID = Uint8Array.of(0xa0, 0x00, 0x00, 0x06, 0x99, 0x01);

/**
 * A tiny applet to watch the bridge with: VERIFY ('20') with "1234" sets a session flag that a power
 * cycle clears; GET DATA ('CA') answers it; READ BINARY ('B0') answers Ne bytes 00 01 02 ...; '6D00'
 * otherwise.
 */
export class TestApplet implements Applet {
  readonly aid = TEST_AID;
  readonly name = 'test';
  verified = false;

  select(): void {
    this.verified = false;
  }

  process(cmd: CommandApdu): Uint8Array | undefined {
    switch (cmd.ins) {
      case 0x20:
        if (new TextDecoder().decode(cmd.data) !== '1234') throwSw(0x63c2);
        this.verified = true;
        return undefined;
      case 0xca:
        return Uint8Array.of(this.verified ? 1 : 0);
      case 0xb0:
        return Uint8Array.from({ length: cmd.ne ?? 0 }, (_, i) => i & 0xff);
      default:
        return throwSw(SW.INS_NOT_SUPPORTED);
    }
  }

  deselect(): void {
    this.verified = false;
  }

  powerDown(): void {
    this.verified = false;
  }
}

export type CardEvent = 'on' | 'off' | 'reset' | `apdu ${string}`;

/** The test applet in the real card runtime, with every call the bridge makes recorded. */
export function testCard(): { card: CardPort; applet: TestApplet; events: CardEvent[] } {
  const applet = new TestApplet();
  const runtime = new CardRuntime({ atr: TEST_ATR, applets: [applet] });
  const events: CardEvent[] = [];
  const card: CardPort = {
    get atr() {
      return runtime.atr;
    },
    get powered() {
      return runtime.powered;
    },
    powerOn() {
      events.push('on');
      return runtime.powerOn();
    },
    powerOff() {
      events.push('off');
      return runtime.powerOff();
    },
    reset() {
      events.push('reset');
      return runtime.reset();
    },
    transmit(command) {
      events.push(`apdu ${Buffer.from(command).toString('hex').toUpperCase()}`);
      return runtime.transmit(command);
    },
  };
  return { card, applet, events };
}
