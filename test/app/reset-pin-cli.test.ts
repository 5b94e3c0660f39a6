import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli/program.js';
import { startHome, type SystemHarness } from './helpers.js';

/**
 * `jpki-mobile app reset-pin` (flow 5 online) through the CLI's `main`, in process, against the whole
 * system started on a temporary home: a phone folder, the app installed and issued with a card file,
 * the PIN blocked by three wrong logins, then re-initialised with the card (secrets from the
 * environment); another person's card and a wrong card password are refused with their codes.
 */

const ENV = ['JPKI_CARD_PIN', 'JPKI_CARD_PASSWORD', 'JPKI_NEW_PIN', 'JPKI_NEW_PASSWORD', 'JPKI_PIN', 'JPKI_PASSWORD', 'JPKI_MOBILE_HOME'] as const;

describe('jpki-mobile app reset-pin against a running system', () => {
  let h: SystemHarness;
  let dir: string;
  let saved: Partial<Record<(typeof ENV)[number], string | undefined>>;

  /** Runs the CLI with these variables set (and only these of ENV). */
  async function cli(args: string[], env: Partial<Record<(typeof ENV)[number], string>> = {}): Promise<{ code: number; out: string; err: string }> {
    for (const k of ENV) delete process.env[k];
    Object.assign(process.env, { JPKI_MOBILE_HOME: h.home, ...env });
    const out: string[] = [];
    const err: string[] = [];
    try {
      const code = await main(args, { out: (t) => void out.push(t), err: (t) => void err.push(t) });
      return { code, out: out.join(''), err: err.join('') };
    } finally {
      for (const k of ENV) delete process.env[k];
    }
  }

  before(async () => {
    saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
    h = await startHome();
    dir = join(h.home, 'phones', 'reset');
  });
  after(async () => {
    for (const k of ENV) if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
    await h?.system.stop();
    if (h) rmSync(h.home, { recursive: true, force: true });
  });

  it('--help documents the command and where its secrets come from', async () => {
    const help = await cli(['app', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /jpki-mobile app reset-pin --phone DIR --card FILE \[--pin\] \[--password\]/);
    assert.match(help.out, /\$JPKI_CARD_PASSWORD/);
    assert.match(help.out, /\$JPKI_NEW_PIN \/ \$JPKI_NEW_PASSWORD/);
  });

  it('blocks the PIN, refuses another card and a wrong card password, then re-initialises it with the holder\'s card', async () => {
    assert.equal((await cli(['phone', 'new', '--out', dir, '--url', h.url, '--model', 'CLI Reset Phone'])).code, 0);
    const installed = await cli(['app', 'install', '--phone', dir]);
    assert.equal(installed.code, 0, installed.err);
    const card = join(h.home, 'card.json');
    const other = join(h.home, 'other-card.json');
    const cardArgs = ['--address', '東京都千代田区永田町1-7-1', '--birth', '1985-04-01', '--sex', '2'];
    assert.equal((await cli(['card', 'issue', '--out', card, '--name', '山田 花子', ...cardArgs], { JPKI_CARD_PIN: '1234', JPKI_CARD_PASSWORD: 'CARDPW1' })).code, 0);
    assert.equal((await cli(['card', 'issue', '--out', other, '--name', '鈴木 一郎', ...cardArgs], { JPKI_CARD_PIN: '4321', JPKI_CARD_PASSWORD: 'OTHERPW2' })).code, 0);
    const issued = await cli(['app', 'issue', '--phone', dir, '--card', card], { JPKI_CARD_PASSWORD: 'CARDPW1', JPKI_NEW_PIN: '2468', JPKI_NEW_PASSWORD: 'PHONEPW1' });
    assert.equal(issued.code, 0, issued.err);

    for (let i = 0; i < 3; i++) assert.equal((await cli(['app', 'login', '--phone', dir, '--challenge', '00'], { JPKI_PIN: '0000' })).code, 1);
    const blocked = await cli(['app', 'login', '--phone', dir, '--challenge', '00'], { JPKI_PIN: '2468' });
    assert.match(blocked.err, /\[ERR_APP_SECRET_BLOCKED\]/);

    const notHolder = await cli(['app', 'reset-pin', '--phone', dir, '--card', other, '--pin'], { JPKI_CARD_PASSWORD: 'OTHERPW2', JPKI_NEW_PIN: '1590' });
    assert.equal(notHolder.code, 1);
    assert.match(notHolder.err, /not the card of the person whose certificates are on this phone.*\[ERR_APP_CARD_NOT_HOLDER\]/);
    const wrong = await cli(['app', 'reset-pin', '--phone', dir, '--card', card, '--pin'], { JPKI_CARD_PASSWORD: 'WRONGPW', JPKI_NEW_PIN: '1590' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /signature password is wrong; 4 tries left\. \[ERR_APP_CARD_PASSWORD_WRONG\]/);
    assert.match((await cli(['app', 'login', '--phone', dir, '--challenge', '00'], { JPKI_PIN: '1590' })).err, /\[ERR_APP_SECRET_BLOCKED\]/);

    const reset = await cli(['app', 'reset-pin', '--phone', dir, '--card', card, '--pin'], { JPKI_CARD_PASSWORD: 'CARDPW1', JPKI_NEW_PIN: '1590' });
    assert.equal(reset.code, 0, reset.err);
    assert.match(reset.out, /re-initialised with the card: your PIN is set \(session ses_[0-9a-f]{32}\)/);
    const login = await cli(['app', 'login', '--phone', dir, '--challenge', '0011'], { JPKI_PIN: '1590' });
    assert.equal(login.code, 0, login.err);
    assert.match(login.out, /^signature \S+$/m);
    // The password was not touched; no secret reached the output or the app's data.
    const doc = join(h.home, 'doc.txt');
    writeFileSync(doc, 'a document\n');
    assert.equal((await cli(['app', 'sign', '--phone', dir, '--file', doc], { JPKI_PASSWORD: 'PHONEPW1' })).code, 0);
    const data = readFileSync(join(dir, 'app-data.json'), 'utf8');
    for (const s of ['1590', 'CARDPW1']) assert.ok(!data.includes(s) && !reset.out.includes(s), s);
  });
});
