/**
 * Benchmark: AES-CMAC and SCP03 secure messaging against raw node:crypto AES-CBC doing the same cipher
 * work on the same bytes, in one run on one machine. The ratio is the overhead this code adds on top
 * of the cipher calls the protocol cannot avoid. Goal (issue 2): under 2x.
 *
 *   npm run bench          (or: node dist/bench/crypto.js after a build)
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { command, type CommandApdu } from '../src/apdu/index.js';
import { AesCmac, Scp03CardSession, Scp03HostSession, scp03KeySet, type SecurityLevel } from '../src/crypto/index.js';
import { compare, formatRow } from './harness.js';

const KEY = Uint8Array.from({ length: 16 }, (_, i) => 0x40 + i);
const ZERO = new Uint8Array(16);
const random = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff);

/** Raw AES-CBC over `data` with a fresh cipher object, as a one-off MAC or encryption must do. */
function rawCbc(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Buffer {
  const c = createCipheriv('aes-128-cbc', key, iv);
  c.setAutoPadding(false);
  return c.update(data);
}

function rawCbcDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Buffer {
  const c = createDecipheriv('aes-128-cbc', key, iv);
  c.setAutoPadding(false);
  return c.update(data);
}

const widths = [28, 14, 14, 7];
console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
console.log('\nAES-CMAC (RFC 4493) vs raw AES-128-CBC over the same (padded) bytes');
console.log(formatRow(['message', 'CMAC ops/s', 'raw CBC ops/s', 'ratio'], widths));
const cmac = new AesCmac(KEY);
const cmacRatios: number[] = [];
for (const size of [16, 64, 256, 1024, 4096]) {
  const message = random(size);
  const padded = new Uint8Array(size);
  const r = compare(() => cmac.mac(message), () => rawCbc(KEY, ZERO, padded));
  cmacRatios.push(r.ratio);
  console.log(formatRow([`${size} bytes`, r.ours.opsPerSecond.toFixed(0), r.peer.opsPerSecond.toFixed(0), r.ratio.toFixed(2)], widths));
}

/**
 * The cipher work one protected command costs at a level with C-DECRYPTION, done raw: on the host the
 * ICV (one block), the CBC encryption of the padded data and the CBC-MAC pass over the MAC input; on
 * the card the same MAC pass, ICV and a CBC decryption. Without C-DECRYPTION only the two MAC passes.
 */
function rawProtectedCommand(dataLength: number, encrypted: boolean): () => void {
  const padded = encrypted && dataLength > 0 ? (Math.floor(dataLength / 16) + 1) * 16 : dataLength;
  const macInput = new Uint8Array(Math.ceil((16 + 5 + padded) / 16) * 16);
  const body = new Uint8Array(padded);
  const counter = new Uint8Array(16);
  return () => {
    if (encrypted && dataLength > 0) {
      const icv = rawCbc(KEY, ZERO, counter);
      rawCbc(KEY, icv, body);
    }
    rawCbc(KEY, ZERO, macInput);
    rawCbc(KEY, ZERO, macInput);
    if (encrypted && dataLength > 0) {
      const icv = rawCbc(KEY, ZERO, counter);
      rawCbcDecrypt(KEY, icv, body);
    }
  };
}

function openSession(level: SecurityLevel): { host: Scp03HostSession; card: Scp03CardSession } {
  const keys = scp03KeySet(0x30, KEY, KEY, KEY);
  const host = new Scp03HostSession({ keys, random });
  const card = new Scp03CardSession();
  host.onInitializeUpdateResponse(
    card.initializeUpdate(host.initializeUpdate(), { keys, i: 0x70, keyDiversificationData: new Uint8Array(10), sdAid: Uint8Array.of(0xa0, 0, 0, 1, 0x51, 0, 0, 0), sequenceCounter: 1 }),
  );
  host.onExternalAuthenticateResponse(card.externalAuthenticate(host.externalAuthenticate(level)));
  return { host, card };
}

const typical: [string, CommandApdu][] = [
  ['GET STATUS 4F00', command(0x80, 0xf2, 0x40, 0x02, Uint8Array.of(0x4f, 0x00), 256)],
  ['PUT KEY (3 AES-128 keys)', command(0x80, 0xd8, 0x00, 0x81, random(67), 256)],
  ['STORE DATA 200 bytes', command(0x80, 0xe2, 0x90, 0x00, random(200))],
  ['INSTALL 40 bytes', command(0x80, 0xe6, 0x0c, 0x00, random(40), 256)],
];

const scpRatios: number[] = [];
for (const level of [0x03, 0x33, 0x11] as SecurityLevel[]) {
  console.log(`\nSCP03 host wrap + card unwrap, level ${level.toString(16).padStart(2, '0')}, vs the raw AES-CBC calls of the same work`);
  console.log(formatRow(['command', 'SCP03 ops/s', 'raw AES ops/s', 'ratio'], widths));
  for (const [name, plain] of typical) {
    const { host, card } = openSession(level);
    const raw = rawProtectedCommand(plain.data.length, (level & 0x02) !== 0);
    const r = compare(() => card.unwrapCommand(host.wrap(plain)), raw);
    scpRatios.push(r.ratio);
    console.log(formatRow([name, r.ours.opsPerSecond.toFixed(0), r.peer.opsPerSecond.toFixed(0), r.ratio.toFixed(2)], widths));
  }
}

const worst = Math.max(...cmacRatios, ...scpRatios);
console.log(`\nworst ratio: ${worst.toFixed(2)}x (goal: under 2x) ${worst < 2 ? 'MET' : 'NOT MET'}`);
