import { channelOf, command, encodeCommand, getResponseFor, parseCommand, retryWithExactLength, withChannel } from '../../../apdu/index.js';
import { concat } from '../../../bytes/index.js';
import type { CardPort } from '../../../card/index.js';
import { TsmError } from '../errors.js';

/**
 * How the relay client reaches the secure element: logical channels opened onto an application, as
 * OMAPI gives them (`Session.openLogicalChannel(aid)` → `Channel.transmit`). A command comes coded for
 * the basic channel; the channel writes its own number into CLA, as OMAPI does.
 */
export interface SeChannel {
  transmit(command: Uint8Array): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface SeChannels {
  /** Opens a logical channel and SELECTs `aid` on it; the SELECT response (data and SW) comes back with it. */
  open(aid: Uint8Array): Promise<{ readonly channel: SeChannel; readonly selectResponse: Uint8Array }>;
}

function sw(r: Uint8Array): number {
  return (r[r.length - 2]! << 8) | r[r.length - 1]!;
}

/** Sends a command and follows '61XX' (GET RESPONSE) and '6CXX' (again with the exact Le), ISO/IEC 7816-4 5.1.3. */
async function exchange(port: CardPort, bytes: Uint8Array): Promise<Uint8Array> {
  let response = await port.transmit(bytes);
  if (response.length >= 2 && response[response.length - 2] === 0x6c) response = await port.transmit(encodeCommand(retryWithExactLength(parseCommand(bytes), sw(response))));
  const parts: Uint8Array[] = [];
  let original = parseCommand(bytes);
  while (response.length >= 2 && response[response.length - 2] === 0x61) {
    parts.push(response.subarray(0, response.length - 2));
    const next = getResponseFor(original, sw(response));
    original = next;
    response = await port.transmit(encodeCommand(next));
  }
  return parts.length === 0 ? response : concat(...parts, response);
}

/**
 * Logical channels over the element's contact interface, for a privileged agent that reaches the port
 * itself (the OS's SE agent): MANAGE CHANNEL [open] (`00 70 00 00 01`, the card assigns the number),
 * SELECT by DF name on it, MANAGE CHANNEL [close] (`00 70 80 <n>`). The port is powered on if needed.
 */
export function cardPortChannels(port: CardPort): SeChannels {
  return {
    async open(aid) {
      if (!port.powered) await port.powerOn();
      const opened = await port.transmit(Uint8Array.of(0x00, 0x70, 0x00, 0x00, 0x01));
      if (sw(opened) !== 0x9000 || opened.length !== 3) throw new TsmError('ERR_TSM_RELAY_CHANNEL', `MANAGE CHANNEL [open] answered ${Buffer.from(opened).toString('hex').toUpperCase()}`);
      const n = opened[0]!;
      if (n < 1 || n > 19) throw new TsmError('ERR_TSM_RELAY_CHANNEL', `the card opened channel ${n}`);
      const close = async () => {
        await port.transmit(Uint8Array.of(0x00, 0x70, 0x80, n));
      };
      const selectResponse = await exchange(port, encodeCommand(command(withChannel(0x00, n), 0xa4, 0x04, 0x00, aid, 256)));
      if (sw(selectResponse) !== 0x9000) await close();
      const channel: SeChannel = {
        async transmit(bytes) {
          const c = parseCommand(bytes);
          if (channelOf(c.cla) !== 0) throw new TsmError('ERR_TSM_RELAY_CHANNEL', 'a relayed command is coded for the basic channel');
          return exchange(port, encodeCommand({ ...c, cla: withChannel(c.cla, n) }));
        },
        close,
      };
      return { channel, selectResponse };
    },
  };
}
