/**
 * The secure element of the benchmark (bench/secure-element.ts): a development element whose ISD loads,
 * installs and personalises the JPKI applet (keys generated inside, PIN and password set; no
 * certificates, which signing does not need), and a small TSM driving it through the project's SCP03
 * host session, as a phone's OS or an SP-TSM would.
 */
import { command, encodeCommand, parseResponse, type CommandApdu, type ResponseApdu } from '../../src/apdu/index.js';
import { concat, fromHex, toHex } from '../../src/bytes/index.js';
import { MemoryCardStore, type CardPort } from '../../src/card/index.js';
import { GP_TEST_KEY, Scp03HostSession, scp03KeySet, type SecurityLevel } from '../../src/crypto/index.js';
import {
  EF,
  generateKeyPairCommand,
  JPKI_APPLET_ELF_AID,
  JPKI_APPLET_INSTANCE_AID,
  JPKI_APPLET_MODULE_AID,
  JPKI_APPLET_PACKAGE,
  setReferenceDataCommand,
  storeDataBlocks,
  storeDataCommand,
} from '../../src/devices/applets/jpki/index.js';
import { buildLoadFile, createElement, loadBlocks, loadFileDataBlockHash, SecureElement, type SeState } from '../../src/devices/secure-element/index.js';

export const ISD_AID = fromHex('A000000151000000');
export const ISD_KEYS = scp03KeySet(0x30, GP_TEST_KEY, GP_TEST_KEY, GP_TEST_KEY);
export const PIN = '1234';
export const PASSWORD = 'ABC123';
/** `EF { A0 { A5 { 82 01 C0 } } }`: contact and contactless (GP Amendment C 5.2). */
const BOTH_INTERFACES = fromHex('EF07A005A5038201C0');

const lv = (bytes: Uint8Array) => concat(Uint8Array.of(bytes.length), bytes);
const none = new Uint8Array(0);

/** A TSM on the basic channel of an element port: plain APDUs, or SCP03 with the ISD. */
export class BenchTsm {
  #host: Scp03HostSession | undefined;
  #random = 0;

  constructor(readonly port: Pick<CardPort, 'transmit'>) {}

  async send(c: CommandApdu | string): Promise<ResponseApdu> {
    return parseResponse(await this.port.transmit(typeof c === 'string' ? fromHex(c) : encodeCommand(c)));
  }

  /** SELECT the ISD, INITIALIZE UPDATE, EXTERNAL AUTHENTICATE at `level`. */
  async open(level: SecurityLevel): Promise<void> {
    expect(await this.send(command(0x00, 0xa4, 0x04, 0x00, ISD_AID, 256)), 'SELECT ISD');
    const host = new Scp03HostSession({ keys: ISD_KEYS, random: (n) => Uint8Array.from({ length: n }, () => this.#random++ & 0xff) });
    host.onInitializeUpdateResponse(await this.send(host.initializeUpdate()));
    host.onExternalAuthenticateResponse(await this.send(host.externalAuthenticate(level)));
    this.#host = host;
  }

  /** A command through the session: wrapped, sent, unwrapped. */
  async secure(c: CommandApdu): Promise<ResponseApdu> {
    const host = this.#host!;
    return host.unwrap(await this.send(host.wrap(c)));
  }
}

export function expect(r: ResponseApdu, what: string): ResponseApdu {
  if (r.sw !== 0x9000) throw new Error(`${what}: ${r.sw.toString(16)}`);
  return r;
}

/** INSTALL [for personalization] of the JPKI applet (GP Card Spec 11.5.2.3.5). */
export function installForPersonalization(): CommandApdu {
  return command(0x80, 0xe6, 0x20, 0x00, concat(Uint8Array.of(0, 0), lv(JPKI_APPLET_INSTANCE_AID), Uint8Array.of(0, 0, 0)), 256);
}

/**
 * The element's document with the JPKI applet loaded and installed by the ISD (both interfaces) and
 * personalised: both key pairs generated inside, PIN 1234, password ABC123.
 */
export async function personalisedElement(): Promise<SeState> {
  const element = await SecureElement.open(new MemoryCardStore<SeState>(createElement({ profile: 'development' }).state));
  await element.contact.powerOn();
  const tsm = new BenchTsm(element.contact);
  await tsm.open(0x33);
  const pkg = JPKI_APPLET_PACKAGE;
  expect(await tsm.secure(command(0x80, 0xe6, 0x02, 0x00, concat(lv(JPKI_APPLET_ELF_AID), lv(none), lv(loadFileDataBlockHash(pkg)), lv(none), lv(none)), 256)), 'INSTALL [for load]');
  const blocks = loadBlocks(buildLoadFile(pkg), 0xc0);
  for (const [i, b] of blocks.entries()) expect(await tsm.secure(command(0x80, 0xe8, i === blocks.length - 1 ? 0x80 : 0x00, i, b, 256)), `LOAD ${i}`);
  const parameters = concat(fromHex('C900'), BOTH_INTERFACES);
  expect(
    await tsm.secure(command(0x80, 0xe6, 0x0c, 0x00, concat(lv(JPKI_APPLET_ELF_AID), lv(JPKI_APPLET_MODULE_AID), lv(JPKI_APPLET_INSTANCE_AID), lv(fromHex('000000')), lv(parameters), lv(none)), 256)),
    'INSTALL [for install and make selectable]',
  );
  expect(await tsm.secure(installForPersonalization()), 'INSTALL [for personalization]');
  const commands = [generateKeyPairCommand(EF.SIGN_KEY), generateKeyPairCommand(EF.AUTH_KEY), setReferenceDataCommand(EF.AUTH_PIN, PIN), setReferenceDataCommand(EF.SIGN_PASSWORD, PASSWORD)];
  for (const block of storeDataBlocks(commands)) expect(await tsm.secure(storeDataCommand(block)), `STORE DATA ${block.p2}`);
  return element.state;
}

/** The applet's private key of key EF 0017 (PKCS#8 DER, hex) as the document holds it: the peer of the SIGN case. */
export function authKeyPkcs8(state: SeState): Uint8Array {
  const entry = state.registry.find((e) => e.aid === toHex(JPKI_APPLET_INSTANCE_AID));
  const data = (entry as { data: { keys: Record<string, { pkcs8?: string }> } }).data;
  return fromHex(data.keys['0017']!.pkcs8!);
}
