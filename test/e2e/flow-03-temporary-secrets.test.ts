import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hasCode } from '../../src/errors/index.js';
import { leaksOf, referenceDataHex } from '../helpers/leaks.js';
import { fromRoot } from '../helpers/paths.js';
import { CARD_PASSWORD, newCard, PASSWORD, PIN, preparedHandset, startE2e, type E2e } from './support/flows.js';
import { recordingFetch, recordingProxy, temporariesIn, type Exchange } from './support/relay-recorder.js';

/**
 * Flow 3's promise that the user never sees the temporary PIN and password (flows.md 3.6-3.7), checked
 * against the values themselves: they are read off the wire between the phone and the SP-TSM (the one
 * session document that carries them), then looked for everywhere the user or an inspector could see
 * them once the session completed: what `app.issue` returns and saves, what `jpki-mobile app issue`
 * prints and writes in the phone's folder, the session document and its trace, the last batch's
 * answer asked again. And the applet no longer takes them.
 */

const BIN = fromRoot('dist', 'src', 'cli', 'main.js');

function secretsOf(t: { pin?: string; password?: string }): [string, string[]][] {
  return [
    [t.pin!, [referenceDataHex(t.pin!)]],
    [t.password!, [referenceDataHex(t.password!)]],
  ];
}

describe('flow 3: the temporary PIN and password are never shown', () => {
  let h: E2e;
  before(async () => {
    h = await startE2e({ ordersIntervalMs: 0 });
  });
  after(() => h?.stop());

  it('app.issue: handed to the app once, inside the session; afterwards in no result, data, session document or trace; the applet refuses them', async () => {
    const exchanges: Exchange[] = [];
    const x = await preparedHandset(h, 'Phone', { fetch: recordingFetch(exchanges) });
    const card = await newCard(h);
    let userPin = PIN;
    const result = await x.app.issue({
      card,
      cardPassword: async () => CARD_PASSWORD,
      newSecrets: async () => {
        // The user's PIN is never the temporary one (1 in 10,000 otherwise).
        if (temporariesIn(exchanges)[0]?.pin === PIN) userPin = '1357';
        return { pin: userPin, pinConfirm: userPin, password: PASSWORD, passwordConfirm: PASSWORD };
      },
    });
    const handed = temporariesIn(exchanges);
    assert.equal(handed.length, 1, 'one session document carried them');
    const t = handed[0]!;
    assert.match(t.pin!, /^[0-9]{4}$/);
    assert.match(t.password!, /^[A-Z0-9]{16}$/);
    // The answer to the last batch carried them; the next request confirmed the replacement; nothing after carried them.
    const at = exchanges.findIndex((e) => e.response.includes('"temporary"'));
    const path = `/tsm/v1/sessions/${result.sessionId}`;
    assert.equal(exchanges[at]!.path, `${path}/batches/3`);
    assert.equal(JSON.parse(exchanges[at]!.response).state, 'awaiting-replacement');
    assert.equal(exchanges[at + 1]!.path, `${path}/secrets-replaced`);
    assert.equal(JSON.parse(exchanges[at + 1]!.response).state, 'completed');

    const credential = await x.app.credential();
    const asApp = (method: string, p: string, body?: string) =>
      fetch(h.url + p, { method, headers: { authorization: `Bearer ${credential}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body } : {}) }).then((r) => r.json() as Promise<Record<string, unknown>>);
    const seen = {
      result,
      appData: await x.appStore.load(),
      session: await asApp('GET', path),
      trace: await asApp('GET', `${path}/trace`),
      adminTrace: (await h.get(`${path}/trace`, h.admin)).json,
      adminSessions: (await h.get(`/tsm/v1/sessions?seId=${x.seId}`, h.admin)).json,
      lastBatchAgain: await asApp('POST', `${path}/batches/3`, exchanges[at]!.request),
      confirmedAgain: await asApp('POST', `${path}/secrets-replaced`, '{}'),
    };
    assert.deepEqual([seen.session.state, seen.lastBatchAgain.state, seen.confirmedAgain.state], ['completed', 'completed', 'completed']);
    for (const [secret, extra] of secretsOf(t)) {
      assert.deepEqual(leaksOf(JSON.parse(exchanges[at]!.response), secret, extra), ['$.temporary.' + (secret === t.pin ? 'pin' : 'password')], 'the search finds them where they were');
      assert.deepEqual(leaksOf(seen, secret, extra), [], `${secret} is shown`);
    }
    const entries = (seen.trace as { entries: { label: string }[] }).entries;
    assert.match(entries.at(-1)!.label, /^secrets replaced: the app set the user's own PIN and password/);

    // The applet takes the user's values only (a wrong try each, then the right value resets the counter).
    await assert.rejects(x.app.login({ challenge: new Uint8Array(32).fill(7), pin: t.pin! }), (e: unknown) => hasCode(e, 'ERR_APP_SECRET_WRONG'));
    await assert.rejects(x.app.signDocument({ content: new Uint8Array([1, 2, 3]), password: t.password! }), (e: unknown) => hasCode(e, 'ERR_APP_SECRET_WRONG'));
    assert.equal((await x.app.login({ challenge: new Uint8Array(32).fill(7), pin: userPin })).via, 'pin');
    assert.ok((await x.app.signDocument({ content: new Uint8Array([1, 2, 3]), password: PASSWORD })).length > 0);
  });

  it('jpki-mobile app issue (its own process, through a recording proxy): stdout, stderr and the phone\'s files never show them', { timeout: 240_000 }, async () => {
    const proxy = await recordingProxy(h.url);
    const env = { PATH: process.env.PATH, JPKI_MOBILE_HOME: h.home };
    const outputs: string[] = [];
    const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [BIN, ...args], { env: { ...env, ...extra }, encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
          outputs.push(stdout, stderr);
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
        });
      });
    try {
      const dir = join(h.home, 'phones', 'cli');
      const card = join(h.home, 'cli-card.json');
      for (const [args, extra] of [
        [['phone', 'new', '--out', dir, '--url', proxy.url, '--model', 'CLI Phone'], {}],
        [['app', 'install', '--phone', dir], {}],
        [['card', 'issue', '--out', card, '--name', '山田 花子', '--address', '東京都千代田区永田町1-7-1', '--birth', '1985-04-01', '--sex', '2'], { JPKI_CARD_PIN: '1234', JPKI_CARD_PASSWORD: 'CARDPW1' }],
      ] as const) {
        const r = await cli([...args], extra);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      }
      const issued = await cli(['app', 'issue', '--phone', dir, '--card', card], { JPKI_CARD_PASSWORD: 'CARDPW1', JPKI_NEW_PIN: '8024', JPKI_NEW_PASSWORD: 'CLIPASSW0RD' });
      assert.equal(issued.code, 0, issued.stderr);
      assert.match(issued.stdout, /^issued: user-authentication certificate [0-9A-F]+, signature certificate [0-9A-F]+ \(session ses_[0-9a-f]{32}\); your PIN and password are set$/m);
      const handed = temporariesIn(proxy.exchanges);
      assert.equal(handed.length, 1);
      const files = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f)).toString('latin1')]));
      assert.ok(Object.keys(files).includes('app-data.json'));
      const after = proxy.exchanges.slice(proxy.exchanges.findIndex((e) => e.path.endsWith('/secrets-replaced')));
      assert.equal(JSON.parse(after[0]!.response).state, 'completed');
      for (const [secret, extra] of secretsOf(handed[0]!)) {
        assert.ok(leaksOf(proxy.exchanges.map((e) => e.response), secret, extra).length > 0, 'the search finds them on the wire, before the confirmation');
        assert.deepEqual(leaksOf({ outputs, files }, secret, extra), [], `${secret} is shown`);
        assert.deepEqual(leaksOf(after.map((e) => e.response), secret, extra), [], `${secret} came back after the confirmation`);
      }
    } finally {
      await proxy.stop();
    }
  });
});
