import { command, encodeCommand, parseResponse, type CommandApdu, type ResponseApdu } from '../../../src/apdu/index.js';
import { concat, fromHex, hex, toHex } from '../../../src/bytes/index.js';
import { MemoryCardStore, type CardPort } from '../../../src/card/index.js';
import { encodePutKeyData, Scp03HostSession, type Scp03KeySet, type SecurityLevel } from '../../../src/crypto/index.js';
import {
  buildLoadFile,
  createElement,
  loadBlocks,
  SecureElement,
  type AppletPackage,
  type CreateElementOptions,
  type SeState,
} from '../../../src/devices/secure-element/index.js';
import { decodeTlvList, encodeTlv, tlv } from '../../../src/tlv/index.js';
import { seededRandom } from '../../helpers/vectors.js';
import { OTHER_PACKAGE, TEST_PACKAGE } from './test-package.js';

/**
 * Fixtures of the secure element tests (no test of its own): the test package (test-package.ts), GlobalPlatform
 * command builders as a TSM would send them, and a terminal that runs SCP03 with the project's host
 * session over an element port.
 */

export const ISD = 'A000000151000000';
export const SSD_PACKAGE = 'A0000001515350';
export const SSD_MODULE = 'A000000151535041';
export const APSD = 'A000000151535041AA01';
export { TEST_PACKAGE, OTHER_PACKAGE, TEST_PACKAGE_AID, TEST_MODULE_AID, type CounterData } from './test-package.js';
export const TEST_APP = 'F00000000100010101';
export const TEST_APP_2 = 'F00000000100010102';
export const TEST_APP_3 = 'F00000000100010103';

export const GP_KEY = hex('404142434445464748494A4B4C4D4E4F');

/** An AES key set from a seed. */
export function keySet(kvn: number, length: 16 | 24 | 32, seed: number): Scp03KeySet {
  const r = seededRandom(seed);
  return { kvn, enc: r(length), mac: r(length), dek: r(length) };
}

// ---- GlobalPlatform commands (GP Card Spec 11), plain: the terminal wraps them -------------------

const lv = (bytes: Uint8Array) => concat(Uint8Array.of(bytes.length), bytes);
const aidLv = (aid?: string) => lv(aid ? fromHex(aid) : new Uint8Array(0));

export function selectCommand(aid?: string, p2 = 0x00, cla = 0x00): CommandApdu {
  return command(cla, 0xa4, 0x04, p2, aid ? fromHex(aid) : new Uint8Array(0), 256);
}

export function installForLoad(loadFile: string, options: { sd?: string; hash?: Uint8Array; parameters?: Uint8Array; token?: Uint8Array } = {}): CommandApdu {
  return command(0x80, 0xe6, 0x02, 0x00, concat(aidLv(loadFile), aidLv(options.sd), lv(options.hash ?? new Uint8Array(0)), lv(options.parameters ?? new Uint8Array(0)), lv(options.token ?? new Uint8Array(0))), 256);
}

export function loadCommands(loadFile: Uint8Array, size = 0x60): CommandApdu[] {
  const blocks = loadBlocks(loadFile, size);
  return blocks.map((b, i) => command(0x80, 0xe8, i === blocks.length - 1 ? 0x80 : 0x00, i, b, 256));
}

export function installForInstall(
  loadFile: string,
  module: string,
  aid: string,
  options: { privileges?: string; parameters?: Uint8Array; selectable?: boolean; token?: Uint8Array } = {},
): CommandApdu {
  const parameters = options.parameters ?? hex('C900');
  return command(
    0x80,
    0xe6,
    options.selectable === false ? 0x04 : 0x0c,
    0x00,
    concat(aidLv(loadFile), aidLv(module), aidLv(aid), lv(fromHex(options.privileges ?? '000000')), lv(parameters), lv(options.token ?? new Uint8Array(0))),
    256,
  );
}

export function installForMakeSelectable(aid: string): CommandApdu {
  return command(0x80, 0xe6, 0x08, 0x00, concat(hex('0000'), aidLv(aid), hex('01 00 00 00')), 256);
}

export function installForPersonalization(aid: string): CommandApdu {
  return command(0x80, 0xe6, 0x20, 0x00, concat(hex('0000'), aidLv(aid), hex('000000')), 256);
}

export function installForExtradition(sd: string, target: string): CommandApdu {
  return command(0x80, 0xe6, 0x10, 0x00, concat(aidLv(sd), hex('00'), aidLv(target), hex('000000')), 256);
}

export function storeData(p1: number, block: number, data: Uint8Array, ne?: number): CommandApdu {
  return command(0x80, 0xe2, p1, block, data, ne);
}

export function putKey(oldKvn: number, dek: Uint8Array, keys: Scp03KeySet): CommandApdu {
  return command(0x80, 0xd8, oldKvn, 0x81, encodePutKeyData(dek, keys.kvn, keys), 256);
}

export function deleteCommand(aid: string, related = false): CommandApdu {
  return command(0x80, 0xe4, 0x00, related ? 0x80 : 0x00, encodeTlv(tlv(0x4f, fromHex(aid))), 256);
}

export function setStatus(p1: number, p2: number, aid?: string): CommandApdu {
  return command(0x80, 0xf0, p1, p2, aid ? fromHex(aid) : new Uint8Array(0));
}

export function getStatusCommand(p1: number, p2 = 0x02, data: Uint8Array = hex('4F00')): CommandApdu {
  return command(0x80, 0xf2, p1, p2, data, 256);
}

export function getData(tag: number, cla = 0x80): CommandApdu {
  return command(cla, 0xca, tag >>> 8, tag & 0xff, new Uint8Array(0), 256);
}

/** The 'E3' templates of GET STATUS responses, decoded. */
export interface StatusEntry {
  aid: string;
  lifeCycle: string;
  privileges?: string;
  loadFile?: string;
  sd?: string;
  version?: string;
  modules?: string[];
}

export function parseStatus(data: Uint8Array): StatusEntry[] {
  return decodeTlvList(data).map((e) => {
    const get = (tag: number) => e.children?.find((c) => c.tag === tag)?.value;
    const opt = (key: string, tag: number) => (get(tag) ? { [key]: toHex(get(tag)!) } : {});
    const modules = e.children?.filter((c) => c.tag === 0x84).map((c) => toHex(c.value)) ?? [];
    return {
      aid: toHex(get(0x4f) ?? new Uint8Array(0)),
      lifeCycle: toHex(get(0x9f70) ?? new Uint8Array(0)),
      ...opt('privileges', 0xc5),
      ...opt('loadFile', 0xc4),
      ...opt('sd', 0xcc),
      ...opt('version', 0xce),
      ...(modules.length > 0 ? { modules } : {}),
    };
  });
}

const swHex = (r: ResponseApdu) => r.sw.toString(16).toUpperCase().padStart(4, '0');

/**
 * A terminal over one element port (or a PC/SC card): plain commands, or SCP03 with the project's host
 * session (what a TSM runs), on any logical channel.
 */
export class Terminal {
  host: Scp03HostSession | undefined;
  readonly #random = seededRandom(99);

  constructor(
    /** An element interface, or anything else that carries APDUs (a PC/SC card in a reader). */
    readonly port: Pick<CardPort, 'transmit'>,
    readonly channel = 0,
  ) {}

  /** The class byte with this terminal's channel. */
  cla(base: number): number {
    const c = this.channel;
    if (c <= 3) return base | c;
    return (base & 0x80) | 0x40 | (c - 4);
  }

  async raw(bytes: Uint8Array | string): Promise<ResponseApdu> {
    return parseResponse(await this.port.transmit(typeof bytes === 'string' ? fromHex(bytes) : bytes));
  }

  /** Sends a plain command (the channel set in CLA); returns data and SW. */
  async send(cmd: CommandApdu): Promise<ResponseApdu> {
    return this.raw(encodeCommand({ ...cmd, cla: this.cla(cmd.cla) }));
  }

  /** SW as hex of a plain command. */
  async sw(cmd: CommandApdu): Promise<string> {
    return swHex(await this.send(cmd));
  }

  async select(aid?: string, p2 = 0x00): Promise<ResponseApdu> {
    this.host = undefined;
    return this.send(selectCommand(aid, p2));
  }

  /** INITIALIZE UPDATE + EXTERNAL AUTHENTICATE; throws the host session's error on failure. */
  async open(keys: Scp03KeySet, level: SecurityLevel, kvn = keys.kvn): Promise<Scp03HostSession> {
    const host = new Scp03HostSession({ keys, random: this.#random, cla: this.cla(0x80) });
    const iu = await this.raw(encodeCommand(host.initializeUpdate(kvn)));
    host.onInitializeUpdateResponse(iu);
    const ea = await this.raw(encodeCommand(host.externalAuthenticate(level)));
    host.onExternalAuthenticateResponse(ea);
    this.host = host;
    return host;
  }

  /** A command through the open session: wrapped, sent, unwrapped. */
  async secure(cmd: CommandApdu): Promise<ResponseApdu> {
    if (!this.host) throw new Error('no session');
    const wire = this.host.wrap({ ...cmd, cla: this.cla(cmd.cla) });
    return this.host.unwrap(await this.raw(encodeCommand(wire)));
  }

  /** SW as hex of a command through the session. */
  async ssw(cmd: CommandApdu): Promise<string> {
    return swHex(await this.secure(cmd));
  }

  /** GET STATUS with paging, through the session. */
  async status(p1: number, data: Uint8Array = hex('4F00')): Promise<StatusEntry[]> {
    const out: StatusEntry[] = [];
    let r = await this.secure(getStatusCommand(p1, 0x02, data));
    out.push(...(r.sw === 0x6a88 ? [] : parseStatus(r.data)));
    while (r.sw === 0x6310) {
      r = await this.secure(getStatusCommand(p1, 0x03, data));
      out.push(...parseStatus(r.data));
    }
    if (r.sw !== 0x9000 && r.sw !== 0x6a88) throw new Error(`GET STATUS ${swHex(r)}`);
    return out;
  }

  /**
   * INSTALL [for load] + LOAD of a package in blocks of 48 bytes; returns the SW of INSTALL, of the
   * blocks before the last (all '9000' or the first other) and of the last block.
   */
  async loadPackage(pkg: AppletPackage, options: { sd?: string; hash?: Uint8Array } = {}): Promise<[string, string, string]> {
    const install = await this.ssw(installForLoad(toHex(pkg.aid), options));
    const commands = loadCommands(buildLoadFile(pkg), 0x30);
    let middle = '9000';
    for (const c of commands.slice(0, -1)) {
      const sw = await this.ssw(c);
      if (sw !== '9000') middle = sw;
    }
    return [install, middle, await this.ssw(commands.at(-1)!)];
  }
}

export interface TestElement {
  readonly element: SecureElement;
  readonly store: MemoryCardStore<SeState>;
  readonly isdKeys: Scp03KeySet;
  readonly contact: Terminal;
  readonly contactless: Terminal;
}

/** A development-profile element in memory with the test package in its catalogue, both interfaces powered. */
export async function newElement(options: Partial<CreateElementOptions> = {}): Promise<TestElement> {
  const { state, isdKeys } = createElement({ profile: 'development', packages: [TEST_PACKAGE, OTHER_PACKAGE], random: seededRandom(5), now: new Date('2026-11-15T00:00:00Z'), ...options });
  const store = new MemoryCardStore<SeState>(state);
  const element = await SecureElement.open(store, { packages: options.packages ?? [TEST_PACKAGE, OTHER_PACKAGE], random: seededRandom(6) });
  await element.contact.powerOn();
  await element.contactless.powerOn();
  return { element, store, isdKeys, contact: new Terminal(element.contact), contactless: new Terminal(element.contactless) };
}

/** The ISD keys of the development profile. */
export const DEV_KEYS: Scp03KeySet = { kvn: 0x30, enc: GP_KEY, mac: GP_KEY, dek: GP_KEY };

/** ISD session at level 03 on the contact interface, basic channel. */
export async function isdSession(t: Terminal, level: SecurityLevel = 0x03, keys: Scp03KeySet = DEV_KEYS): Promise<void> {
  const r = await t.select(ISD);
  if (r.sw !== 0x9000) throw new Error(`SELECT ISD ${swHex(r)}`);
  await t.open(keys, level);
}
