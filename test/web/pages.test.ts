import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { main } from '../../src/cli/program.js';
import { startSystem, type RunningSystem } from '../../src/cli/runtime/jpki-system.js';
import { PushDeviceClient, PushSender } from '../../src/services/push/index.js';
import { freePort } from '../helpers/jpki.js';
import { fromRoot } from '../helpers/paths.js';
import { pcscUnavailable, startPcscSession, VPCD_READER, type PcscSession } from '../helpers/pcsc.js';
import { launchChromium } from './support/browser.js';

/*
 * Every page of the web interface, in English and in Japanese, in a real browser (Debian's chromium
 * through playwright-core): no console error, no page error, every label present in the language, and
 * a keyboard pass (Tab through the whole page: the skip link first, every stop visible). The page list is
 * read from src/web/static/common.js PAGES, so a page added there is covered without touching this file.
 *
 * The system runs with what the pages talk to: a card on the shelf (the pickers), the administrator's
 * token in the tab (the inspector loads everything, a push message among it), and pcscd with
 * vsmartcard's vpcd in private namespaces (test/helpers/pcsc.ts) for the kiosk's readers. Where pcscd
 * cannot run (not root), the kiosk page lists its counter readers and says PC/SC is unavailable in a
 * note (ERR_KIOSK_PCSC_UNAVAILABLE), with no console error.
 */

const LANGS = [
  { lang: 'en', locale: 'en-US' },
  { lang: 'ja', locale: 'ja-JP' },
] as const;
const MAX_TABS = 150;
/** The focused element, described (tag#id.class[text]), and whether it has a box; null on the body. */
const FOCUS = `(() => {
  const a = document.activeElement;
  if (!a || a === document.body) return null;
  const r = a.getBoundingClientRect();
  const cls = typeof a.className === 'string' && a.className ? '.' + a.className.split(' ')[0] : '';
  return { desc: a.tagName.toLowerCase() + (a.id ? '#' + a.id : '') + cls + '[' + (a.textContent || '').trim().slice(0, 20) + ']', visible: r.width > 0 && r.height > 0 };
})()`;

/** The page names of `export const PAGES = [...]` in common.js. */
export function pagesOf(commonJs: string): string[] {
  const m = /export\s+const\s+PAGES\s*=\s*\[([^\]]*)\]/.exec(commonJs);
  if (!m) throw new Error('common.js has no PAGES list');
  return [...m[1]!.matchAll(/['"]([a-z][a-z0-9-]*)['"]/g)].map((x) => x[1]!);
}

function io() {
  const out: string[] = [];
  return { out: (t: string) => void out.push(t), err: (t: string) => void out.push(t), text: () => out.join('') };
}

describe('every page, in both languages: no console errors, labels present, a keyboard pass', { timeout: 600_000 }, () => {
  const pages = pagesOf(readFileSync(fromRoot('src', 'web', 'static', 'common.js'), 'utf8'));
  const withPcsc = pcscUnavailable() === undefined;
  let home: string;
  let system: RunningSystem;
  let session: PcscSession | undefined;
  let browser: Browser;
  let admin: string;

  before(async () => {
    if (withPcsc) {
      session = await startPcscSession();
      // Before anything in this process opens PC/SC: libpcsclite reads it once.
      process.env.PCSCLITE_CSOCK_NAME = `/proc/${session.pid}/root/run/pcscd/pcscd.comm`;
    }
    home = mkdtempSync(join(tmpdir(), 'jpki-pages-'));
    const port = await freePort();
    const out = io();
    assert.equal(await main(['init', '--home', home, '--port', String(port)], out), 0, out.text());
    admin = readFileSync(join(home, 'secrets', 'admin.token'), 'utf8').trim();
    system = await startSystem(home, { port });
    // A card on the shelf, issued as the office (an admin may act as one).
    const card = await fetch(`${system.url}/web/v1/cards`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ person: { name: '石井\u3000陽子', address: '北海道札幌市中央区北1条西2丁目', birthDate: '1988-08-08', sex: 2 }, pin: '1234', password: 'PAGES1' }),
    });
    assert.equal(card.status, 201, await card.text());
    // A push message for the inspector: a device, its app's token, a session trigger from the SP-TSM's sender (init made it).
    const device = await PushDeviceClient.enrol({ baseUrl: system.url });
    const { token } = await device.register('jp.go.jpki.mobile');
    const sender = new PushSender({ baseUrl: system.url, token: readFileSync(join(home, 'secrets', 'push-senders', 'sp-tsm.token'), 'utf8').trim() });
    await sender.send({ token, data: { type: 'tsm-session', purpose: 'delete', sessionId: 'ses_pages' }, collapseKey: 'tsm-delete' });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await system?.stop();
    await session?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('reads the pages from common.js', () => {
    for (const p of ['home', 'office', 'portal', 'bank', 'kiosk', 'inspector']) assert.ok(pages.includes(p), `${p} in ${pages.join(', ')}`);
  });

  for (const { lang, locale } of LANGS) {
    describe(`in ${lang}`, () => {
      let context: BrowserContext;
      before(async () => {
        context = await browser.newContext({ baseURL: system.url, locale });
        // The administrator's token in the tab, as the inspector's token form would keep it.
        await context.addInitScript(`sessionStorage.setItem('jpki-mobile.admin-token', ${JSON.stringify(admin)})`);
      });
      after(async () => {
        await context?.close();
      });

      for (const name of pages) {
        it(`/${name === 'home' ? '' : name}`, async (t) => {
          const page = await context.newPage();
          page.setDefaultTimeout(30_000);
          const problems: string[] = [];
          page.on('console', (m) => {
            if (m.type() === 'error') problems.push(`console: ${m.text()}`);
          });
          page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
          try {
            const res = await page.goto(name === 'home' ? '/' : `/${name}`, { waitUntil: 'networkidle' });
            assert.equal(res?.status(), 200);
            assert.equal(await page.locator('html').getAttribute('lang'), lang);
            assert.equal(await page.locator('h1').count(), 1, 'one h1');
            assert.equal(await page.locator('#site-header nav a[aria-current="page"]').count(), 1, 'the navigation marks this page');
            // Every label has its text in this language (a missing one shows its key).
            const missing = (await page.evaluate(`[...document.querySelectorAll('[data-i18n]')]
              .filter((e) => { const t = (e.textContent || '').trim(); return !t || t === e.getAttribute('data-i18n'); })
              .map((e) => e.getAttribute('data-i18n'))`)) as string[];
            assert.deepEqual(missing, [], 'labels without text');

            if (name === 'kiosk') {
              if (withPcsc) {
                await page.locator(`#readers input[value="${VPCD_READER}"]`).waitFor();
              } else {
                // No pcscd: the listing still answers, with PC/SC's unavailability as a note, not a refusal.
                await page.locator('#pcsc-note .note').waitFor();
                assert.match((await page.locator('#pcsc-note').textContent()) ?? '', /ERR_KIOSK_PCSC_UNAVAILABLE/);
              }
              // The counter readers (the shelves' cards and phones held to the kiosk) are there either way.
              await page.locator('#readers input[value="counter-1"]').waitFor();
            }
            if (name === 'inspector') {
              const push = page.locator('#push table tbody tr');
              await push.first().waitFor();
              assert.equal(await push.count(), 1);
              const row = (await push.first().textContent()) ?? '';
              assert.match(row, /sp-tsm/);
              assert.match(row, /delete/);
              assert.match(row, /pending/);
            }

            // The keyboard pass: Tab from the top until focus leaves the page or comes round again.
            const stops: string[] = [];
            const hidden: string[] = [];
            for (let i = 0; i < MAX_TABS; i++) {
              await page.keyboard.press('Tab');
              const focus = (await page.evaluate(FOCUS)) as { desc: string; visible: boolean } | null;
              if (focus === null || focus.desc === stops[0]) break;
              stops.push(focus.desc);
              if (!focus.visible) hidden.push(focus.desc);
            }
            assert.match(stops[0] ?? '', /^a\.skip/, 'the skip link is the first stop');
            assert.ok(stops.some((s) => s.startsWith('button.lang-toggle')), 'the language toggle is reachable');
            assert.ok(stops.length < MAX_TABS, 'the pass ends');
            assert.ok(stops.length >= 3 + pages.length - 1, `every navigation link is a stop: ${stops.join(' ')}`);
            assert.deepEqual(hidden, [], 'every stop is visible when focused');
            assert.deepEqual(problems, []);
            t.diagnostic(`${stops.length} tab stops: ${stops.join(' ')}`);
          } finally {
            await page.close();
          }
        });
      }
    });
  }
});
