import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { IdCardState } from '../../src/devices/id-card/index.js';
import { freePort } from '../helpers/net.js';
import { fromRoot } from '../helpers/paths.js';
import { writeCardFile } from './support/card-file.js';
import { startFakeVpcd } from './support/fake-vpcd.js';

const BIN = fromRoot('dist', 'src', 'cli', 'main.js');
const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const show = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();

/** Resolves when `read()` matches `re` (polling the collected output). */
async function until(read: () => string, re: RegExp, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!re.test(read())) {
    if (Date.now() > deadline) throw new Error(`no ${re} in: ${read()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('jpki-mobile card attach (against a fake vpcd on 127.0.0.1)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jpki-attach-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses usage mistakes (exit 2) and a missing card file (exit 1, ERR_CARD_STATE_MISSING)', () => {
    const noCard = spawnSync(process.execPath, [BIN, 'card', 'attach'], { encoding: 'utf8' });
    assert.equal(noCard.status, 2, noCard.stderr);
    assert.match(noCard.stderr, /missing CARD/);
    const badAddress = spawnSync(process.execPath, [BIN, 'card', 'attach', 'card.json', '--vpcd', '127.0.0.1'], { encoding: 'utf8' });
    assert.equal(badAddress.status, 2, badAddress.stderr);
    assert.match(badAddress.stderr, /not HOST:PORT/);
    const missing = spawnSync(process.execPath, [BIN, 'card', 'attach', join(dir, 'none.json'), '--vpcd', '127.0.0.1:9'], { encoding: 'utf8' });
    assert.equal(missing.status, 1, missing.stderr);
    assert.match(missing.stderr, /\[ERR_CARD_STATE_MISSING\]/);
  });

  it('waits for vpcd, serves the card, survives a dropped connection, traces without PINs, exits 0 on SIGINT', async () => {
    const { path } = await writeCardFile(dir);
    const state = JSON.parse(readFileSync(path, 'utf8')) as IdCardState;
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'card', 'attach', path, '--vpcd', `127.0.0.1:${port}`, '--trace'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    const vpcd = await (async () => {
      await until(() => err, /waiting for vpcd at 127\.0\.0\.1:\d+/);
      return startFakeVpcd(port);
    })();
    try {
      const c1 = await vpcd.accept();
      await until(() => out, /^attached: /m);
      c1.send(hex('04'));
      assert.equal(show(await c1.receive()), state.atr.toUpperCase());
      c1.send(hex('01'));
      c1.send(hex('00A4040C0AD392F000260100000001'));
      assert.equal(show(await c1.receive()), '9000');
      c1.send(hex('00A4020C020018'));
      assert.equal(show(await c1.receive()), '9000');
      c1.send(hex('0020008004 39393939'));
      assert.equal(show(await c1.receive()), '63C2');
      c1.socket.destroy();
      const c2 = await vpcd.accept();
      await until(() => out, /^reconnected to vpcd/m);
      c2.send(hex('01'));
      c2.send(hex('00A4040C0AD392F000260100000001'));
      assert.equal(show(await c2.receive()), '9000');
      child.kill('SIGINT');
      assert.equal(await exited, 0, err);
      await c2.closed;
    } finally {
      child.kill('SIGKILL');
      await vpcd.close();
    }
    assert.match(out, /SIGINT: card removed, stopped/);
    assert.match(err, /closed the connection/);
    assert.match(err, /> 0020008004<4 bytes redacted>\n< 63C2/);
    assert.doesNotMatch(err + out, /39393939/);
    const after = JSON.parse(readFileSync(path, 'utf8')) as IdCardState;
    assert.equal((after.jpki.files as unknown as Record<string, { triesLeft: number }>)['0018']!.triesLeft, 2, 'the wrong PIN was saved');
  });
});
