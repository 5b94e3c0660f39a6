/**
 * Benchmark: APDUs per second through the secure element in process, beside the cost of the
 * cryptography each command cannot avoid, so the share the runtime adds (parsing, dispatch, registry,
 * transactions, JSON documents, saves) is visible:
 *
 * - SELECT of the JPKI applet (no cryptography at all);
 * - VERIFY with the right PIN, beside one scrypt derivation of the same cost (N = 16384, r = 8, p = 1)
 *   with node:crypto: the applet derives once and saves twice (the decrement before the compare, the
 *   reset after it, each a whole document);
 * - the signing command (RSA-2048, PKCS#1 v1.5 over a SHA-256 DigestInfo), beside node:crypto's
 *   privateEncrypt with the same key on the same DigestInfo;
 * - STORE DATA at SCP03 level 33 (C-MAC, C-ENC, R-MAC, R-ENC) through the ISD to the JPKI applet
 *   (GET STATE, a read), beside the same wrap/unwrap work done by the project's SCP03 sessions alone and
 *   by raw node:crypto AES-CBC calls; and STORE DATA to the ISD itself that changes its data (one save).
 *
 * The element runs over an in-memory store (MemoryCardStore) and over the file store (FileCardStore:
 * temporary file written and fsynced, renamed, directory fsynced) on tmpfs (/dev/shm) and on the
 * temporary directory's file system; the commands that save are measured on each.
 * Each case runs 5 rounds bounded by time and count, interleaved with its peer's; the median
 * round is printed.
 *
 *   npm run bench -- secure-element        (or: node dist/bench/secure-element.js after a build)
 */
import { constants, createCipheriv, createDecipheriv, createPrivateKey, privateEncrypt, scrypt } from 'node:crypto';
import { existsSync, statfsSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { command, type CommandApdu } from '../src/apdu/index.js';
import { fromHex } from '../src/bytes/index.js';
import { FileCardStore, MemoryCardStore, type CardStore } from '../src/card/index.js';
import { Scp03CardSession, Scp03HostSession } from '../src/crypto/index.js';
import { SecureElement, type SeState } from '../src/devices/secure-element/index.js';
import { compareAsync, formatRow, measureAsync, type Measured } from './harness.js';
import { installCleanup, tempDir } from './support/proc.js';
import { authKeyPkcs8, BenchTsm, expect, installForPersonalization, ISD_AID, ISD_KEYS, personalisedElement, PIN } from './support/se-element.js';

const SELECT_AP = '00A4040C0AD392F000260100000001';
const DIGEST_INFO = fromHex('3031300D060960864801650304020105000420' + 'AB'.repeat(32));
const SIGN = command(0x80, 0x2a, 0x00, 0x80, DIGEST_INFO, 256);
const VERIFY_PIN = command(0x00, 0x20, 0x00, 0x80, new TextEncoder().encode(PIN));
const GET_STATE = fromHex('E700');
const FAST = { budgetMs: 300, maxOps: 50_000, rounds: 5 };
const SLOW = { budgetMs: 800, maxOps: 500, rounds: 5 };
/** GET STATE blocks per personalization session: the last one ends it, the next starts with INSTALL. */
const BLOCKS_PER_SESSION = 200;

const FS_TYPES: Record<number, string> = { 0xef53: 'ext4', 0x01021994: 'tmpfs', 0x58465342: 'xfs', 0x9123683e: 'btrfs', 0x794c7630: 'overlayfs' };
const fsType = (dir: string) => FS_TYPES[statfsSync(dir).type] ?? `fs 0x${statfsSync(dir).type.toString(16)}`;

installCleanup();
const state = await personalisedElement();
const stores: { name: string; make: () => Promise<CardStore<SeState>> }[] = [{ name: 'memory', make: async () => new MemoryCardStore<SeState>(state) }];
for (const parent of [...(existsSync('/dev/shm') ? ['/dev/shm'] : []), tmpdir()]) {
  const dir = tempDir('se-bench-', parent);
  let n = 0;
  stores.push({
    name: `file, ${fsType(dir)} (${parent})`,
    make: async () => {
      const store = new FileCardStore<SeState>(join(dir, `se-${n++}.json`));
      await store.create(state);
      return store;
    },
  });
}

async function powered(store: CardStore<SeState>): Promise<{ element: SecureElement; tsm: BenchTsm }> {
  const element = await SecureElement.open(store);
  await element.contact.powerOn();
  return { element, tsm: new BenchTsm(element.contact) };
}

const salt = new Uint8Array(16).fill(7);
const scryptAsync = promisify(scrypt) as (password: Uint8Array, salt: Uint8Array, keylen: number, options: object) => Promise<Buffer>;
const scryptAlone = () => scryptAsync(new TextEncoder().encode(PIN), salt, 32, { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });

/** VERIFY with the right PIN again and again (each one: scrypt, two saves), after SELECT of the AP and the PIN EF; beside scrypt alone. */
async function verifyCase(tsm: BenchTsm): Promise<{ ours: Measured; peer: Measured }> {
  expect(await tsm.send(SELECT_AP), 'SELECT AP');
  expect(await tsm.send('00A4020C020018'), 'SELECT EF 0018');
  return compareAsync(async () => expect(await tsm.send(VERIFY_PIN), 'VERIFY'), scryptAlone, SLOW);
}

const rows: string[][] = [];
const row = (name: string, store: string, ours: Measured, peerName = '', peer?: Measured) =>
  rows.push([
    name,
    store,
    ours.opsPerSecond.toFixed(0),
    peerName,
    peer ? peer.opsPerSecond.toFixed(0) : '',
    peer ? (ours.nsPerOp / peer.nsPerOp).toFixed(2) : '',
    peer ? `${Math.max(0, (100 * (ours.nsPerOp - peer.nsPerOp)) / ours.nsPerOp).toFixed(0)}%` : '',
  ]);

// ---- In memory: every case ------------------------------------------------------------------------
const { tsm } = await powered(await stores[0]!.make());
row('SELECT JPKI-AP', 'memory', await measureAsync(async () => expect(await tsm.send(SELECT_AP), 'SELECT'), FAST));

const verifyMemory = await verifyCase(tsm);
row('VERIFY PIN (scrypt, 2 saves)', 'memory', verifyMemory.ours, 'scrypt N=16384', verifyMemory.peer);

expect(await tsm.send('00A4020C020017'), 'SELECT EF 0017');
const key = createPrivateKey({ key: Buffer.from(authKeyPkcs8(state)), format: 'der', type: 'pkcs8' });
const signed = await compareAsync(
  async () => expect(await tsm.send(SIGN), 'SIGN'),
  async () => privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, DIGEST_INFO),
  FAST,
);
row('SIGN RSA-2048 (after VERIFY)', 'memory', signed.ours, 'privateEncrypt', signed.peer);

// STORE DATA GET STATE at level 33 through the ISD, in sequences of 200 blocks.
await tsm.open(0x33);
let block = 0;
let stateAnswer: Uint8Array = new Uint8Array(0);
const getState = async () => {
  if (block === 0) expect(await tsm.secure(installForPersonalization()), 'INSTALL [for personalization]');
  const last = block === BLOCKS_PER_SESSION - 1;
  const r = expect(await tsm.secure({ cla: 0x80, ins: 0xe2, p1: last ? 0x91 : 0x11, p2: block, data: GET_STATE, ne: 65536, extended: true }), 'STORE DATA');
  stateAnswer = r.data;
  block = last ? 0 : block + 1;
};
await getState();

/** The protection work of one command at level 33 with the project's SCP03 sessions alone: host wrap, card unwrap, card wrap of the answer, host unwrap. */
function scp03Alone(plain: CommandApdu, answer: Uint8Array): () => Promise<void> {
  const host = new Scp03HostSession({ keys: ISD_KEYS, random: (n) => new Uint8Array(n).fill(1) });
  const card = new Scp03CardSession();
  host.onInitializeUpdateResponse(card.initializeUpdate(host.initializeUpdate(), { keys: ISD_KEYS, i: 0x70, keyDiversificationData: new Uint8Array(10), sdAid: ISD_AID, sequenceCounter: 1 }));
  host.onExternalAuthenticateResponse(card.externalAuthenticate(host.externalAuthenticate(0x33)));
  return async () => {
    card.unwrapCommand(host.wrap(plain));
    host.unwrap(card.wrapResponse({ data: answer, sw: 0x9000 }));
  };
}

/** The AES-128 calls of that work, raw: ICV and CBC of the data, CMAC passes (CBC over the MAC input), both ways. */
function cbc(key: Uint8Array, iv: Uint8Array, data: Uint8Array, decrypt = false): Buffer {
  const c = decrypt ? createDecipheriv('aes-128-cbc', key, iv) : createCipheriv('aes-128-cbc', key, iv);
  c.setAutoPadding(false);
  return c.update(data);
}
function rawAes(commandData: number, responseData: number): () => Promise<void> {
  const padded = (n: number) => (n === 0 ? 0 : (Math.floor(n / 16) + 1) * 16);
  const key = new Uint8Array(16).fill(0x40);
  const zero = new Uint8Array(16);
  const commandBody = new Uint8Array(padded(commandData));
  const commandMacInput = new Uint8Array(Math.ceil((16 + 7 + commandBody.length) / 16) * 16);
  const responseBody = new Uint8Array(padded(responseData));
  const responseMacInput = new Uint8Array(Math.ceil((16 + responseBody.length + 2) / 16) * 16);
  return async () => {
    cbc(key, cbc(key, zero, zero), commandBody); // host: ICV, C-ENC
    cbc(key, zero, commandMacInput); // host: C-MAC
    cbc(key, zero, commandMacInput); // card: C-MAC check
    cbc(key, cbc(key, zero, zero), commandBody, true); // card: ICV, C-DEC
    if (responseBody.length > 0) cbc(key, cbc(key, zero, zero), responseBody); // card: ICV, R-ENC
    cbc(key, zero, responseMacInput); // card: R-MAC
    cbc(key, zero, responseMacInput); // host: R-MAC check
    if (responseBody.length > 0) cbc(key, cbc(key, zero, zero), responseBody, true); // host: ICV, R-DEC
  };
}

const getStatePlain: CommandApdu = { cla: 0x80, ins: 0xe2, p1: 0x11, p2: 0, data: GET_STATE, ne: 65536, extended: true };
const viaScp03 = await compareAsync(getState, scp03Alone(getStatePlain, stateAnswer), FAST);
row('STORE DATA @33 (GET STATE)', 'memory', viaScp03.ours, 'SCP03 sessions', viaScp03.peer);
const viaAes = await compareAsync(getState, rawAes(GET_STATE.length, stateAnswer.length), FAST);
row('', '', viaAes.ours, 'raw AES-CBC', viaAes.peer);

// ---- The commands that save, on every store -------------------------------------------------------
const saveCost: string[] = [];
let inMemory: Measured | undefined;
const domainData = (flip: number) => command(0x80, 0xe2, 0x90, 0x00, Uint8Array.of(0x42, 0x04, 0x99, 0x00, 0x00, flip));
for (const store of stores) {
  const { tsm: t } = await powered(await store.make());
  if (store.name !== 'memory') {
    const verified = await verifyCase(t);
    row('VERIFY PIN (scrypt, 2 saves)', store.name, verified.ours, 'scrypt N=16384', verified.peer);
  }
  // STORE DATA '42' to the ISD itself, alternating two values: a change, so a save, each time.
  await t.open(0x33);
  let flip = 0;
  const stored = await compareAsync(async () => expect(await t.secure(domainData((flip ^= 1))), "STORE DATA '42'"), scp03Alone(domainData(1), new Uint8Array(0)), FAST);
  row("STORE DATA @33 '42' (1 save)", store.name, stored.ours, 'SCP03 sessions', stored.peer);
  if (inMemory) saveCost.push(`${store.name}: ${((stored.ours.nsPerOp - inMemory.nsPerOp) / 1e6).toFixed(2)} ms`);
  else inMemory = stored.ours;
}

console.log(`node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPU (${cpus()[0]?.model ?? '?'}), load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('APDUs through the secure element in process (contact interface), beside the cryptography alone');
console.log('ratio = element time / alone; runtime share = the part of the element time that is not the cryptography alone\n');
const widths = [30, 24, 9, 16, 11, 7, 8];
console.log(formatRow(['command', 'store', 'ops/s', 'alone', 'ops/s', 'ratio', 'runtime'], widths));
for (const r of rows) console.log(formatRow(r, widths));
console.log(`\nSTORE DATA GET STATE: ${BLOCKS_PER_SESSION} blocks per INSTALL [for personalization] (its cost is included, amortised).`);
console.log(`One save of the file store beyond the in-memory one (from STORE DATA '42'): ${saveCost.join(', ')}.`);
