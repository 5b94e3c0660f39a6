// A TSM in a Node process of its own, for the namespace tests (pcsc-levels.test.ts,
// contactless-opensc.test.ts): run inside the namespaces of a test pcscd (test/helpers/pcsc.ts), it
// connects to the element in 'Virtual PCD 00 00' through the project's PC/SC client and runs the
// scenario named on stdin ({"scenario": "…"}) with the secure element tests' `Terminal` (the project's
// SCP03 host session) over that card; prints one JSON object. Without the --on-stdin flag it does
// nothing (node --test loads every file under test/).
import { toHex } from '../../../../src/bytes/index.js';
import type { SecurityLevel } from '../../../../src/crypto/index.js';
import { PcscCard } from '../../../../src/transports/index.js';
import { fromRoot } from '../../../helpers/paths.js';
import type { PcscSession } from '../../../helpers/pcsc.js';
import { DEV_KEYS, getData, getStatusCommand, GP_KEY, ISD, isdSession, keySet, putKey, Terminal, type StatusEntry } from '../helpers.js';
import { JPKI_APSD, JPKI_INSTANCE, prepareJpki } from './jpki-element.js';

/** The AES-256 key set the levels scenario adds to the ISD with PUT KEY. */
export const ISD_AES256 = keySet(0x31, 32, 0x256);
export const LEVELS: readonly SecurityLevel[] = [0x01, 0x03, 0x11, 0x13, 0x33];
const ARA_M = 'A00000015141434C00';

const swHex = (sw: number) => sw.toString(16).toUpperCase().padStart(4, '0');

export interface LevelResult {
  readonly kvn: number;
  readonly level: number;
  /** The level the host session reports after EXTERNAL AUTHENTICATE. */
  readonly opened: number;
  /** GET DATA '00CF' (KDD) and GET STATUS P1 80, data and SW, through the session. */
  readonly kdd: string;
  readonly isdStatus: string;
}

export interface LevelsOutput {
  readonly atr: string;
  readonly putKey: string;
  readonly levels: LevelResult[];
  readonly status: { readonly isd: StatusEntry[]; readonly applications: StatusEntry[]; readonly loadFiles: StatusEntry[] };
}

export interface SelectOutput {
  readonly atr: string;
  /** SW of SELECT for each AID ('' for a SELECT without data). */
  readonly select: Record<string, string>;
}

type Scenario = (t: Terminal, card: PcscCard) => Promise<unknown>;

const SCENARIOS: Record<string, Scenario> = {
  /**
   * PUT KEY of an AES-256 set, then a session at every level with each key set (GET DATA and GET
   * STATUS in it); then the JPKI provider's domain, its keys rotated, the JPKI applet loaded and
   * installed; GET STATUS of everything through the ISD with the AES-256 keys.
   */
  async levels(t, card): Promise<LevelsOutput> {
    await isdSession(t, 0x33);
    const put = await t.secure(putKey(0x00, GP_KEY, ISD_AES256));
    const levels: LevelResult[] = [];
    for (const keys of [DEV_KEYS, ISD_AES256]) {
      for (const level of LEVELS) {
        await isdSession(t, level, keys);
        const kdd = await t.secure(getData(0x00cf));
        const status = await t.secure(getStatusCommand(0x80));
        levels.push({ kvn: keys.kvn, level, opened: t.host!.level!, kdd: `${toHex(kdd.data)} ${swHex(kdd.sw)}`, isdStatus: `${toHex(status.data)} ${swHex(status.sw)}` });
      }
    }
    await prepareJpki(t);
    await isdSession(t, 0x33, ISD_AES256);
    return {
      atr: toHex(card.atr),
      putKey: `${toHex(put.data)} ${swHex(put.sw)}`,
      levels,
      status: { isd: await t.status(0x80), applications: await t.status(0x40), loadFiles: await t.status(0x10) },
    };
  },

  /** SELECT of the ISD, the ARA-M, the JPKI provider's domain, nothing, and the JPKI applet. */
  async select(t, card): Promise<SelectOutput> {
    const select: Record<string, string> = {};
    for (const aid of [ISD, ARA_M, JPKI_APSD, '', JPKI_INSTANCE]) select[aid] = swHex((await t.select(aid === '' ? undefined : aid)).sw);
    return { atr: toHex(card.atr), select };
  },
};

const SCRIPT = fromRoot('dist', 'test', 'devices', 'secure-element', 'support', 'pcsc-tsm.js');

/** Runs a scenario in a Node process inside the session's namespaces; returns its JSON output. */
export async function runTsm<T>(session: PcscSession, scenario: 'levels' | 'select'): Promise<T> {
  const r = await session.run(process.execPath, [SCRIPT, '--on-stdin'], { input: JSON.stringify({ scenario }), timeoutMs: 120_000 });
  if (r.status !== 0) throw new Error(`TSM process (${scenario}) failed: ${r.status ?? r.signal}\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const { scenario } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { scenario: string };
  const run = SCENARIOS[scenario];
  if (!run) throw new Error(`no scenario ${scenario}`);
  const card = await PcscCard.connect({ reader: 'Virtual PCD 00 00' });
  try {
    process.stdout.write(JSON.stringify(await run(new Terminal(card), card)) + '\n');
  } finally {
    card.close();
  }
}

if (process.argv.includes('--on-stdin')) await main();
