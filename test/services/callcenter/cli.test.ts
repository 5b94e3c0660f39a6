import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../helpers/jpki.js';
import { fromRoot } from '../../helpers/paths.js';
import { caRecord, DEFAULT_PERSON, issue, newCard, preparedHandset, startE2e, type E2e } from '../../e2e/support/flows.js';

/**
 * `jpki-mobile callcenter` in its own processes against a running system (`startSystem` on a temporary
 * home, a person with a phone issued through the app): find, certificates, suspend, release, revoke,
 * with the operator's token from its file (--operator), from $JPKI_OPERATOR_TOKEN and from
 * $JPKI_OPERATOR_TOKEN_FILE; the effect checked at the CA; bad input and refusals with their codes.
 */

const BIN = fromRoot('dist', 'src', 'cli', 'main.js');

describe('jpki-mobile callcenter against a running system', () => {
  let h: E2e;
  let serials: { auth: string; sign: string };
  let personId: string;

  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [BIN, 'callcenter', ...args], { env: { PATH: process.env.PATH, JPKI_MOBILE_HOME: h.home, ...env }, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
    });
  const byName = ['--name', DEFAULT_PERSON.name, '--birth-date', DEFAULT_PERSON.birthDate];

  before(async () => {
    h = await startE2e({ ordersIntervalMs: 0 });
    const x = await preparedHandset(h, 'Lost Phone');
    serials = await issue(x, await newCard(h));
    personId = (await caRecord(h, serials.auth)).personId;
  });
  after(() => h?.stop());

  it('find by name and birth date with the operator\'s token file; by person id with the token in the environment', async () => {
    const r = await cli(['find', ...byName, '--address', DEFAULT_PERSON.address, '--operator', 'callcentre-1']);
    assert.equal(r.code, 0, r.stderr);
    const person = JSON.parse(r.stdout) as { personId: string; name: string; birthDate: string };
    assert.deepEqual([person.personId, person.name, person.birthDate], [personId, DEFAULT_PERSON.name, DEFAULT_PERSON.birthDate]);
    const byId = await cli(['find', '--person', personId], { JPKI_OPERATOR_TOKEN: h.callCentre });
    assert.equal(byId.code, 0, byId.stderr);
    assert.equal((JSON.parse(byId.stdout) as { personId: string }).personId, personId);
  });

  it('certificates with the token from $JPKI_OPERATOR_TOKEN_FILE', async () => {
    const file = join(h.home, 'cc.token');
    writeFileSync(file, h.callCentre + '\n', { mode: 0o600 });
    const r = await cli(['certificates', '--person', personId], { JPKI_OPERATOR_TOKEN_FILE: file });
    assert.equal(r.code, 0, r.stderr);
    const list = JSON.parse(r.stdout) as { certificates: { serial: string; status: string }[] };
    assert.deepEqual(list.certificates.map((c) => [c.serial, c.status]).sort(), [[serials.auth, 'good'], [serials.sign, 'good']].sort());
  });

  it('suspend holds both phone certificates; release makes the user-authentication one good again; revoke revokes the rest (keyCompromise)', async () => {
    const held = await cli(['suspend', ...byName, '--operator', 'callcentre-1']);
    assert.equal(held.code, 0, held.stderr);
    assert.deepEqual([...(JSON.parse(held.stdout) as { held: string[] }).held].sort(), [serials.auth, serials.sign].sort());
    for (const s of [serials.auth, serials.sign]) assert.deepEqual([(await caRecord(h, s)).status, (await caRecord(h, s)).reason], ['held', 6]);

    const released = await cli(['release', '--person', personId, '--operator', 'callcentre-1']);
    assert.equal(released.code, 0, released.stderr);
    assert.deepEqual((JSON.parse(released.stdout) as { released: string[] }).released, [serials.auth]);
    assert.equal((await caRecord(h, serials.auth)).status, 'good');
    assert.equal((await caRecord(h, serials.sign)).status, 'held');

    const revoked = await cli(['revoke', '--person', personId], { JPKI_OPERATOR_TOKEN: h.callCentre });
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.deepEqual([...(JSON.parse(revoked.stdout) as { revoked: string[] }).revoked].sort(), [serials.auth, serials.sign].sort());
    for (const s of [serials.auth, serials.sign]) assert.deepEqual([(await caRecord(h, s)).status, (await caRecord(h, s)).reason], ['revoked', 1]);
    // The deletion is ordered from the CA's outbox events.
    assert.equal((await h.system.dispatchOrders()).consumed, 2);

    const again = await cli(['revoke', '--person', personId, '--operator', 'callcentre-1']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /\[ERR_CALLCENTER_NOTHING_TO_DO\]/);
  });

  it('bad input: usage mistakes (exit 2), and refusals with their codes (exit 1); nothing changes', async () => {
    const usage: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [[], {}, /missing ACTION/],
      [['hold', '--person', personId, '--operator', 'callcentre-1'], {}, /unknown action 'hold'/],
      [['find', '--person', personId], {}, /give --operator ID \(its token file\) or set JPKI_OPERATOR_TOKEN/],
      [['find', '--operator', 'callcentre-1'], {}, /give --person ID, or --name and --birth-date/],
      [['find', '--name', DEFAULT_PERSON.name, '--operator', 'callcentre-1'], {}, /give --person ID, or --name and --birth-date/],
      [['find', '--person', personId, '--token', 'x'], {}, /Unknown option '--token'/],
    ];
    for (const [args, env, message] of usage) {
      const r = await cli(args, env);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    const port = await freePort();
    const refused: [string[], NodeJS.ProcessEnv, string][] = [
      [['find', '--person', personId, '--operator', 'nobody'], {}, 'ERR_HOME_SECRET'],
      [['find', '--name', DEFAULT_PERSON.name, '--birth-date', '1990/01/02', '--operator', 'callcentre-1'], {}, 'ERR_REQUEST_FIELD'],
      [['find', '--name', 'nobody', '--birth-date', '1990-01-02', '--operator', 'callcentre-1'], {}, 'ERR_CALLCENTER_UNKNOWN_PERSON'],
      [['suspend', '--person', 'no-such-person', '--operator', 'callcentre-1'], {}, 'ERR_CALLCENTER_UNKNOWN_PERSON'],
      [['find', '--person', personId], { JPKI_OPERATOR_TOKEN: 'not-a-token' }, 'ERR_JPKI_UNAUTHENTICATED'],
      [['suspend', '--person', personId], { JPKI_OPERATOR_TOKEN: h.office }, 'ERR_JPKI_FORBIDDEN'],
      [['find', '--person', personId, '--operator', 'callcentre-1', '--url', `http://127.0.0.1:${port}`], {}, 'ERR_CLI_CALLCENTER'],
    ];
    for (const [args, env, code] of refused) {
      const r = await cli(args, env);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`\\[${code}\\]`), `${args.join(' ')}: ${r.stderr}`);
    }
    for (const s of [serials.auth, serials.sign]) assert.equal((await caRecord(h, s)).status, 'revoked');
  });
});
