import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FileCardStore } from '../../../src/card/index.js';
import { parseIdCardState, type IdCardState } from '../../../src/devices/id-card/index.js';
import { runTearingFixture } from '../../helpers/tearing.js';
import { changeApdu, issuedState, PASSWORD, PIN, SELECT_AP, selectEf, verifyApdu } from './helpers.js';

/**
 * Pulling the card at every point where it writes state (issue 4, "Done when"): the card runs in a
 * child process that kills itself with SIGKILL before, in the middle of (temp file durable, not yet
 * renamed) and after each save during VERIFY and CHANGE REFERENCE DATA. After each kill the card file
 * must be a whole document equal to the last completed save, and a retry counter must never be higher
 * than before the command unless the correct value was verified — in particular, when the answer to a
 * wrong value got out, its decrement is on disk.
 */

const FIXTURE = fileURLToPath(new URL('./fixtures/card-process.js', import.meta.url));

const runCard = (file: string, apdus: string[], tearAt?: string) => runTearingFixture(FIXTURE, [file, ...apdus], tearAt ? { JPKI_TEAR_AT: tearAt } : {});

/** The counters, and the PIN hashes (a changed value has a new hash: the salt is fresh each time). */
interface Saved {
  readonly tries: Record<'0018' | '001B', number>;
  readonly hashes: Record<'0018' | '001B', string>;
}

/** The same, with each hash replaced by whether it differs from the initial one (salts are random per run). */
function comparable(s: Saved, initial: Saved) {
  return { tries: s.tries, changed: { '0018': s.hashes['0018'] !== initial.hashes['0018'], '001B': s.hashes['001B'] !== initial.hashes['001B'] } };
}

function parseSaves(lines: string[]): Saved[] {
  return lines
    .filter((l) => l.startsWith('save '))
    .map((l) => {
      const m = /^save \d+ 0018=(\d) 001B=(\d) 0018hash=([0-9A-F]+) 001Bhash=([0-9A-F]+)$/.exec(l)!;
      return { tries: { '0018': Number(m[1]), '001B': Number(m[2]) }, hashes: { '0018': m[3]!, '001B': m[4]! } };
    });
}

function savedOf(state: IdCardState): Saved {
  const f = state.jpki.files;
  return { tries: { '0018': f['0018'].triesLeft, '001B': f['001B'].triesLeft }, hashes: { '0018': f['0018'].hash, '001B': f['001B'].hash } };
}

let dir: string;
const bases = new Map<string, string>();

/** A card file whose counters start at the given values (a wrong try made through APDUs would do the same). */
async function baseCard(name: string, tries: { '0018': number; '001B': number }): Promise<string> {
  const state = (await issuedState()) as unknown as { jpki: { files: Record<string, { triesLeft: number }> } };
  state.jpki.files['0018']!.triesLeft = tries['0018'];
  state.jpki.files['001B']!.triesLeft = tries['001B'];
  const path = join(dir, `${name}.base.json`);
  await new FileCardStore(path).create(parseIdCardState(state));
  bases.set(name, path);
  return path;
}

interface Scenario {
  readonly name: string;
  readonly tries: { '0018': number; '001B': number };
  readonly apdus: string[];
  readonly fid: '0018' | '001B';
  readonly saves: number;
  readonly answers: string[];
  /** The save that puts the counter back to its maximum after the correct value (none for a wrong value only). */
  readonly resetSave?: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'wrong-pin', tries: { '0018': 3, '001B': 5 }, fid: '0018', apdus: [SELECT_AP, selectEf('0018'), verifyApdu('0000')], saves: 1, answers: ['9000', '9000', '63C2'] },
  { name: 'last-pin-try', tries: { '0018': 1, '001B': 5 }, fid: '0018', apdus: [SELECT_AP, selectEf('0018'), verifyApdu('0000')], saves: 1, answers: ['9000', '9000', '63C0'] },
  { name: 'right-pin', tries: { '0018': 2, '001B': 5 }, fid: '0018', apdus: [SELECT_AP, selectEf('0018'), verifyApdu(PIN)], saves: 2, resetSave: 2, answers: ['9000', '9000', '9000'] },
  {
    name: 'change-pin',
    tries: { '0018': 3, '001B': 5 },
    fid: '0018',
    apdus: [SELECT_AP, selectEf('0018'), verifyApdu(PIN), changeApdu('5678')],
    saves: 3,
    resetSave: 2,
    answers: ['9000', '9000', '9000', '9000'],
  },
  {
    name: 'password',
    tries: { '0018': 3, '001B': 4 },
    fid: '001B',
    apdus: [SELECT_AP, selectEf('001B'), verifyApdu('WRONG9'), verifyApdu(PASSWORD), changeApdu('CHANGED2026')],
    saves: 4,
    resetSave: 3,
    answers: ['9000', '9000', '63C3', '9000', '9000'],
  },
];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'id-card-tear-'));
  for (const s of SCENARIOS) await baseCard(s.name, s.tries);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('Individual Number Card: killed at every write during VERIFY and CHANGE REFERENCE DATA', () => {
  for (const scenario of SCENARIOS) {
    it(`${scenario.name}: the file is always a whole saved state and the counter never goes back up`, async () => {
      const base = bases.get(scenario.name)!;
      const initial = savedOf(parseIdCardState(JSON.parse(readFileSync(base, 'utf8'))));
      // Untorn: the answers and the sequence of saved states.
      const whole = join(dir, `${scenario.name}.whole.json`);
      copyFileSync(base, whole);
      const ok = await runCard(whole, scenario.apdus);
      assert.equal(ok.signal, null);
      assert.deepEqual(ok.lines.slice(0, scenario.apdus.length), scenario.answers);
      const states = [initial, ...parseSaves(ok.lines)];
      assert.equal(states.length - 1, scenario.saves, 'saves during the scenario');

      // Before the correct value is checked, no saved state has a counter above the starting one.
      const reset = scenario.resetSave ?? Infinity;
      states.forEach((st, i) => i < reset && assert.ok(st.tries[scenario.fid] <= initial.tries[scenario.fid], `save ${i} gives a try back`));

      const runs = [];
      for (let k = 1; k <= scenario.saves; k++) {
        for (const phase of ['before', 'temp', 'after'] as const) {
          const file = join(dir, `${scenario.name}.${k}.${phase}.json`);
          copyFileSync(base, file);
          runs.push(runCard(file, scenario.apdus, `${k}:${phase}`).then((run) => ({ k, phase, file, run })));
        }
      }
      for (const { k, phase, file, run } of await Promise.all(runs)) {
        const where = `${scenario.name} killed ${phase} save ${k}`;
        assert.equal(run.signal, 'SIGKILL', where);
        // A whole document, exactly the last completed save: nothing lost, nothing half-written.
        const index = phase === 'after' ? k : k - 1;
        const onDisk = savedOf(parseIdCardState(JSON.parse(readFileSync(file, 'utf8'))));
        assert.deepEqual(comparable(onDisk, initial), comparable(states[index]!, initial), where);
        assert.deepEqual(run.lines, scenario.answers.slice(0, run.lines.length), `${where}: answers so far`);
        if (index < reset) assert.ok(onDisk.tries[scenario.fid] <= initial.tries[scenario.fid], `${where}: the counter went up`);
        // The answer to a wrong value gets out only once its decrement is on disk.
        run.lines.forEach((answer) => {
          const x = /^63C([0-9A-F])$/.exec(answer);
          if (x && index < reset) assert.ok(onDisk.tries[scenario.fid] <= parseInt(x[1]!, 16), `${where}: ${answer} got out before its decrement was saved`);
        });
        assert.ok(run.lines.length <= scenario.apdus.length, where);
      }
    });
  }
});
