// A TSM-like Node process for the namespace test (pcsc.test.ts): run inside the namespaces of a test
// pcscd, it reads {"enc","mac","dek","kvn","level"} (hex) from stdin, connects to the card in
// 'Virtual PCD 00 00' through the project's PC/SC client, selects the ISD, opens SCP03 with the
// project's host session and runs GET STATUS and GET DATA through it; prints one JSON object.
// Without the --on-stdin flag it does nothing (node --test loads every file under test/).
import { encodeCommand, parseResponse, type CommandApdu } from '../../../../src/apdu/index.js';
import { fromHex, toHex } from '../../../../src/bytes/index.js';
import { Scp03HostSession, scp03KeySet, type SecurityLevel } from '../../../../src/crypto/index.js';
import { PcscCard } from '../../../../src/transports/index.js';
import { getData, getStatusCommand, parseStatus, selectCommand } from '../helpers.js';

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { enc: string; mac: string; dek: string; kvn: number; level: number };
  const card = await PcscCard.connect({ reader: 'Virtual PCD 00 00' });
  const send = async (c: CommandApdu) => parseResponse(await card.transmit(encodeCommand(c)));
  const out: Record<string, unknown> = { atr: toHex(card.atr) };
  const select = await send(selectCommand('A000000151000000'));
  out.select = `${toHex(select.data)} ${select.sw.toString(16).toUpperCase()}`;
  const host = new Scp03HostSession({ keys: scp03KeySet(input.kvn, fromHex(input.enc), fromHex(input.mac), fromHex(input.dek)), random: (n) => new Uint8Array(n).fill(0x5a) });
  const info = host.onInitializeUpdateResponse(await send(host.initializeUpdate()));
  out.sequenceCounter = info.sequenceCounter;
  host.onExternalAuthenticateResponse(await send(host.externalAuthenticate(input.level as SecurityLevel)));
  const secure = async (c: CommandApdu) => host.unwrap(parseResponse(await card.transmit(encodeCommand(host.wrap(c)))));
  const status = [];
  for (const p1 of [0x80, 0x40, 0x10]) {
    const r = await secure(getStatusCommand(p1));
    status.push({ p1, sw: r.sw.toString(16).toUpperCase(), entries: r.sw === 0x9000 ? parseStatus(r.data) : [] });
  }
  out.status = status;
  const cplc = await secure(getData(0x9f7f));
  out.cplc = `${toHex(cplc.data)} ${cplc.sw.toString(16).toUpperCase()}`;
  card.close();
  process.stdout.write(JSON.stringify(out) + '\n');
}

if (process.argv.includes('--on-stdin')) await main();
