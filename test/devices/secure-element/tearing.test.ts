import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { writeFileSync } from 'node:fs';
import { toHex } from '../../../src/bytes/index.js';
import { decodeTlv } from '../../../src/tlv/index.js';
import { FileCardStore, MemoryCardStore } from '../../../src/card/index.js';
import type { JpkiAppletData } from '../../../src/devices/applets/jpki/index.js';
import { createElement, parseSeState, SecureElement, type SeState } from '../../../src/devices/secure-element/index.js';
import { runTearingFixture, type TornRun } from '../../helpers/tearing.js';
import { seededRandom } from '../../helpers/vectors.js';
import { testCaCertificates, writeCommands } from '../applets/jpki/helpers.js';
import { TEAR_KEYS, TEAR_PACKAGES, verifyPin, WRONG_PIN } from './fixtures/element-process.js';
import { getData, GP_KEY, installForInstall, isdSession, putKey, TEST_APP, TEST_MODULE_AID, TEST_PACKAGE, TEST_PACKAGE_AID, Terminal } from './helpers.js';
import { generateJpkiKeys, JPKI_INSTANCE, JPKI_PIN, manageJpki, prepareJpki } from './support/jpki-element.js';

/**
 * Pulling the element at every write (the task's fault injection): each scenario runs in a child
 * process that kills itself with SIGKILL before, in the middle of (temporary file durable, not yet
 * renamed) and after each save, during PUT KEY, INSTALL (with its LOADs), DELETE and a STORE DATA
 * whose application commits halfway, and with the real JPKI applet: VERIFY with a wrong and with the
 * right PIN, and the STORE DATA blocks of its personalisation. After every kill the file must hold a
 * whole document equal to the last completed save, and for the command of interest that means the
 * state before it or after it, nothing between. PIN tries never go back up: no VERIFY answer leaves
 * before its decrement is durable, and a right PIN killed after the decrement has cost a try. In
 * process, a store that fails at either step answers '6581' and the element carries on with what the
 * file holds.
 */

const FIXTURE = fileURLToPath(new URL('./fixtures/element-process.js', import.meta.url));
const PACKAGES = TEAR_PACKAGES;

const runElement = (file: string, scenario: string, tearAt?: string, input?: string) =>
  runTearingFixture(FIXTURE, [file, scenario, ...(input ? [input] : [])], tearAt ? { SE_TEAR_AT: tearAt } : {});

/** Runs `tasks` with at most `limit` at a time (2 CPU cores are shared). */
async function limited<T>(tasks: (() => Promise<T>)[], limit = 3): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

const docOf = (text: string) => parseSeState(JSON.parse(text));
const entryAids = (s: SeState) => s.registry.map((e) => e.aid);
const keySets = (s: SeState) => (s.registry[0]!.kind === 'application' ? s.registry[0]!.domain!.keySets.map((k) => k.kvn) : []);
const app = (s: SeState) => s.registry.find((e) => e.aid === TEST_APP);

interface Kill {
  readonly k: number;
  readonly phase: 'before' | 'temp' | 'after';
  readonly file: string;
  readonly run: TornRun;
  readonly effect: string;
  /** The number of saves of a whole run. */
  readonly saves: number;
}

interface Scenario {
  readonly name: string;
  readonly base: () => Promise<SeState>;
  /** The number of saves of a whole run (exact), or the least number. */
  readonly saves: number | { readonly atLeast: number };
  readonly answers: string[];
  /** What distinguishes the state before the command of interest from the state after it. */
  readonly effect: (s: SeState) => string;
  readonly before: string;
  readonly after: string;
  /**
   * What may be found between: the state after LOAD and before INSTALL; what an application chose to
   * make durable halfway (SeAppletHost.commit); 'each-save' for a sequence of commands (STORE DATA
   * blocks) each of which is one transaction.
   */
  readonly between?: readonly string[] | 'each-save';
  /** Scenario input for the element process (a JSON file). */
  readonly input?: () => Promise<Record<string, string>>;
  /** More checks after each kill. */
  readonly check?: (kill: Kill) => Promise<void>;
}

let dir: string;
const created = createElement({ profile: 'development', packages: PACKAGES, random: seededRandom(3), now: new Date('2026-11-15T00:00:00Z') }).state;

/** The base document with the test application installed by the ISD. */
async function withApplication(): Promise<SeState> {
  const path = join(dir, `prep-${Math.random().toString(16).slice(2)}.json`);
  await new FileCardStore<SeState>(path).create(created);
  const element = await SecureElement.open(new FileCardStore<SeState>(path), { packages: PACKAGES });
  await element.contact.powerOn();
  const t = new Terminal(element.contact);
  await isdSession(t, 0x03);
  await t.loadPackage(TEST_PACKAGE);
  assert.equal(await t.ssw(installForInstall(TEST_PACKAGE_AID, TEST_MODULE_AID, TEST_APP)), '9000');
  return element.state;
}

/** The element with the JPKI applet at three points of its life, made once (key generation is the slow part). */
interface JpkiBases {
  /** Keys generated inside, nothing else. */
  readonly generated: SeState;
  /** The certificates for those keys (hex), the input of the personalisation STORE DATA. */
  readonly certificates: Record<string, string>;
  /** Personalised: PIN tries 3. */
  readonly personalised: SeState;
  /** After one wrong PIN: tries 2. */
  readonly oneWrongTry: SeState;
}

let jpkiBases: Promise<JpkiBases> | undefined;
function jpki(): Promise<JpkiBases> {
  jpkiBases ??= (async () => {
    const element = await SecureElement.open(new MemoryCardStore<SeState>(created), { packages: PACKAGES });
    await element.contact.powerOn();
    const t = new Terminal(element.contact);
    await prepareJpki(t);
    const keys = await generateJpkiKeys(t);
    const generated = element.state;
    const certificates = await testCaCertificates(keys);
    assert.deepEqual([...new Set((await manageJpki(t, writeCommands(certificates))).sws)], ['9000']);
    const personalised = element.state;
    assert.equal(await verifyPin(new Terminal(element.contact), WRONG_PIN), '63C2');
    return {
      generated,
      certificates: Object.fromEntries(Object.entries(certificates).map(([k, v]) => [k, toHex(v)])),
      personalised,
      oneWrongTry: element.state,
    };
  })();
  return jpkiBases;
}

const jpkiData = (s: SeState) => (s.registry.find((e) => e.aid === JPKI_INSTANCE) as { data: JpkiAppletData }).data;
const pinTries = (s: SeState) => String(jpkiData(s).pins['0018']!.triesLeft);

/** No VERIFY answer leaves the element before its last save: every kill point comes before the status word. */
async function noAnswerBeforeDurable(kill: Kill): Promise<void> {
  assert.ok(!kill.run.lines.some((l) => l.startsWith('sw ')), `killed ${kill.phase} save ${kill.k}: an answer left before the save`);
}

const SCENARIOS: Scenario[] = [
  { name: 'put-key', base: async () => created, saves: 2, answers: ['sw put-key 9000'], effect: (s) => keySets(s).join(','), before: '48', after: '48,49' },
  {
    name: 'install',
    base: async () => created,
    saves: 3,
    answers: ['sw load 900090009000', 'sw install 9000'],
    // LOAD's last block registers the load file (a save of its own), INSTALL the application.
    effect: (s) => (app(s) ? `${app(s)!.lifeCycle} ${JSON.stringify((app(s) as { data: unknown }).data)}` : entryAids(s).includes(TEST_PACKAGE_AID) ? 'loaded' : 'none'),
    before: 'none',
    after: '7 {"counter":5,"perso":[]}',
    between: ['loaded'],
  },
  { name: 'delete', base: withApplication, saves: 2, answers: ['sw delete 9000'], effect: (s) => `${entryAids(s).includes(TEST_PACKAGE_AID)} ${app(s) !== undefined}`, before: 'true true', after: 'false false' },
  {
    name: 'store-data',
    base: withApplication,
    saves: 3,
    answers: ['sw perso 9000', 'sw store-data 9000'],
    effect: (s) => JSON.stringify((app(s) as { data: { perso: string[] } }).data.perso),
    before: '[]',
    after: '["EE0102","after-commit"]',
    between: ['["EE0102"]'],
  },
  {
    name: 'jpki-verify-wrong',
    base: async () => (await jpki()).personalised,
    // The decrement, committed before the compare; the wrong value changes nothing more.
    saves: 1,
    answers: ['sw verify 63C2'],
    effect: pinTries,
    before: '3',
    after: '2',
    check: noAnswerBeforeDurable,
  },
  {
    name: 'jpki-verify-right',
    base: async () => (await jpki()).oneWrongTry,
    // The decrement (2 → 1) committed before the compare, then the counter back to its maximum.
    saves: 2,
    answers: ['sw verify 9000'],
    effect: pinTries,
    before: '2',
    after: '3',
    between: ['1'],
    async check(kill) {
      await noAnswerBeforeDurable(kill);
      const completed = kill.phase === 'after' ? kill.k : kill.k - 1;
      assert.equal(kill.effect, ['2', '1', '3'][completed], `killed ${kill.phase} save ${kill.k}: the tries never go back up before the reset is durable`);
      if (completed === 1) {
        // Opened again: the right PIN killed after its decrement has cost a try, and the element says so.
        const element = await SecureElement.open(new FileCardStore<SeState>(kill.file), { packages: PACKAGES });
        await element.contact.powerOn();
        const t = new Terminal(element.contact);
        assert.deepEqual([(await t.raw('00A4040C0AD392F000260100000001')).sw, (await t.raw('00A4020C020018')).sw, (await t.raw('00200080')).sw], [0x9000, 0x9000, 0x63c1]);
        assert.equal(await verifyPin(t, JPKI_PIN), '9000');
      }
    },
  },
  {
    name: 'jpki-store-data',
    base: async () => (await jpki()).generated,
    // INITIALIZE UPDATE's counter, then each block that completes a certificate or the PINs.
    saves: { atLeast: 5 },
    answers: ['sw store-data 9000'],
    effect: (s) => `${Object.keys(jpkiData(s).certificates).sort().join(',')} ${Object.keys(jpkiData(s).pins).sort().join(',')}`,
    before: ' ',
    after: '0001,0002,000A,000B 0018,001B',
    between: 'each-save',
    input: async () => (await jpki()).certificates,
  },
];

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'se-tear-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('secure element: killed at every write', () => {
  for (const scenario of SCENARIOS) {
    it(`${scenario.name}: the file is always a whole saved document, before or after the command`, async () => {
      const base = join(dir, `${scenario.name}.base.json`);
      await new FileCardStore<SeState>(base).create(await scenario.base());
      const initial = readFileSync(base, 'utf8');
      let input: string | undefined;
      if (scenario.input) {
        input = join(dir, `${scenario.name}.input.json`);
        writeFileSync(input, JSON.stringify(await scenario.input()));
      }
      const whole = join(dir, `${scenario.name}.whole.json`);
      copyFileSync(base, whole);
      const ok = await runElement(whole, scenario.name, undefined, input);
      assert.equal(ok.signal, null);
      assert.deepEqual(ok.lines.filter((l) => l.startsWith('sw ')), scenario.answers);
      const states = [initial, ...ok.lines.filter((l) => l.startsWith('save ')).map((l) => Buffer.from(l.split(' ')[2]!, 'base64').toString('utf8'))];
      const saves = states.length - 1;
      if (typeof scenario.saves === 'number') assert.equal(saves, scenario.saves, 'saves of the scenario');
      else assert.ok(saves >= scenario.saves.atLeast, `${saves} saves, at least ${scenario.saves.atLeast} expected`);
      assert.equal(readFileSync(whole, 'utf8'), states.at(-1));
      // The last save is the command of interest's (the one before is the INITIALIZE UPDATE counter, or a halfway commit).
      const effects = states.map((s) => scenario.effect(docOf(s)));
      assert.equal(effects.at(-1), scenario.after);
      assert.equal(effects[0], scenario.before);

      const tasks: (() => Promise<{ k: number; phase: Kill['phase']; file: string; run: TornRun }>)[] = [];
      for (let k = 1; k <= saves; k++) {
        for (const phase of ['before', 'temp', 'after'] as const) {
          const file = join(dir, `${scenario.name}.${k}.${phase}.json`);
          copyFileSync(base, file);
          tasks.push(() => runElement(file, scenario.name, `${k}:${phase}`, input).then((run) => ({ k, phase, file, run })));
        }
      }
      for (const { k, phase, file, run } of await limited(tasks)) {
        const where = `${scenario.name} killed ${phase} save ${k}`;
        assert.equal(run.signal, 'SIGKILL', where);
        const onDisk = readFileSync(file, 'utf8');
        assert.equal(onDisk, states[phase === 'after' ? k : k - 1], `${where}: the last completed save, whole`);
        const effect = scenario.effect(docOf(onDisk));
        const between = scenario.between === 'each-save' ? effects : (scenario.between ?? []);
        assert.ok(effect === scenario.before || effect === scenario.after || between.includes(effect), `${where}: ${effect}`);
        await SecureElement.open(new FileCardStore<SeState>(file), { packages: PACKAGES });
        await scenario.check?.({ k, phase, file, run, effect, saves });
      }
    });
  }
});

describe('secure element: a store that fails', () => {
  for (const step of ['temp-written', 'renamed'] as const) {
    it(`failing at ${step} during PUT KEY answers 6581, and the element goes on with what the file holds`, async () => {
      const path = join(dir, `fail-${step}.json`);
      await new FileCardStore<SeState>(path).create(created);
      let armed = false;
      const store = new FileCardStore<SeState>(path, {
        onStep: (s) => {
          if (armed && s === step) {
            armed = false;
            throw new Error(`disk failure at ${s}`);
          }
        },
      });
      const element = await SecureElement.open(store, { packages: PACKAGES });
      await element.contact.powerOn();
      const t = new Terminal(element.contact);
      await isdSession(t, 0x03);
      armed = true;
      const r = await t.secure(putKey(0x00, GP_KEY, TEAR_KEYS));
      assert.equal(r.sw, 0x6581, 'memory failure');
      const onDisk = docOf(readFileSync(path, 'utf8'));
      const expected = step === 'temp-written' ? [0x30] : [0x30, 0x31];
      assert.deepEqual(keySets(onDisk), expected, 'the file holds the old document, or the new one whole');
      const info = await t.secure(getData(0x00e0));
      assert.equal(info.sw, 0x9000);
      const kvns = [...new Set(decodeTlv(info.data).children!.map((c) => c.value[1]!))];
      assert.deepEqual(kvns, expected, 'the element read the file back: what it reports is what the file holds');
      assert.deepEqual(keySets(element.state), expected);
    });
  }
});
