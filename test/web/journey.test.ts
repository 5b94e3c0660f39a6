import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { fromHex } from '../../src/bytes/index.js';
import { main } from '../../src/cli/program.js';
import { startSystem, type RunningSystem } from '../../src/cli/runtime/jpki-system.js';
import { EF, parseIdCardState } from '../../src/devices/id-card/index.js';
import { freePort, pem } from '../helpers/jpki.js';
import { ARTIFACTS, journeyPage, launchChromium } from './support/browser.js';

/**
 * The web interface in a real browser (Debian's chromium driven by playwright-core), against a system
 * started on a temporary home: the office issues a card, the portal logs in with it (PIN typed on the
 * keyboard into the PIN pad) and files a signed application whose CMS openssl verifies, the bank opens
 * an account showing the basic four, the office revokes the signature certificate, the bank refuses it,
 * and the inspector shows the certificates and the audit log. Every page is checked for console errors
 * and page errors; a screenshot per step goes to test-artifacts/web/.
 */

const execFileAsync = promisify(execFile);

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

describe('the web interface, one journey in a browser', { timeout: 600_000 }, () => {
  let home: string;
  let system: RunningSystem;
  let browser: Browser;
  let page: Page;
  let officeToken: string;
  let adminToken: string;
  let step = 'start';
  /** Console errors and page errors, by step. */
  const problems: { step: string; text: string }[] = [];
  const state: { cardId?: string; signSerial?: string; authSerial?: string; applicationId?: string } = {};

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'jpki-web-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    const port = await freePort();
    const init = io();
    assert.equal(await main(['init', '--home', home, '--port', String(port)], init.io), 0, init.err.join(''));
    assert.equal(await main(['operator', 'add', '--home', home, '--id', 'office-1', '--role', 'office'], io().io), 0);
    officeToken = readFileSync(join(home, 'secrets', 'operators', 'office-1.token'), 'utf8').trim();
    adminToken = readFileSync(join(home, 'secrets', 'admin.token'), 'utf8').trim();
    system = await startSystem(home, { port });
    browser = await launchChromium();
    page = await journeyPage(browser, system.url, () => step, problems);
  });

  after(async () => {
    await browser?.close();
    await system?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  async function shot(name: string): Promise<void> {
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  }

  function problemsOf(name: string): string[] {
    return problems.filter((p) => p.step === name).map((p) => p.text);
  }

  it('the start page lists the parties; the language toggle switches the labels and <html lang>, and is remembered', async () => {
    step = 'home';
    await page.goto('/');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    for (const href of ['/office', '/portal', '/bank', '/kiosk', '/inspector']) assert.equal(await page.locator(`main a[href="${href}"]`).count(), 1, href);
    // Keyboard only: the skip link comes first, then the brand, then the language toggle.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement?.className'), 'skip');
    await page.locator('.lang-toggle').focus();
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('html').getAttribute('lang'), 'ja');
    assert.equal(await page.locator('main h2').first().textContent(), '当事者');
    await page.reload();
    assert.equal(await page.locator('html').getAttribute('lang'), 'ja');
    await shot('01-home-ja');
    await page.locator('.lang-toggle').focus();
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.deepEqual(problemsOf('home'), []);
  });

  it('the office logs in with its token and issues a card: the server makes the card and its certificates', async () => {
    step = 'office-issue';
    await page.goto('/office');
    await page.locator('#office-token').fill(officeToken);
    await page.keyboard.press('Enter');
    await page.locator('#f-name').fill('山田\u3000花子');
    await page.locator('#f-address').fill('東京都千代田区永田町1-7-1');
    await page.locator('#f-birth').fill('1990-01-02');
    await page.locator('#f-sex').selectOption('2');
    await page.locator('#f-pin').fill('1234');
    await page.locator('#f-password').fill('SECRET12');
    await page.keyboard.press('Enter');
    await page.locator('#issued-h').waitFor();
    assert.equal(await page.evaluate('document.activeElement?.id'), 'issued-h', 'focus moves to the result');
    const result = page.locator('#issue-result .result');
    state.cardId = (await result.getAttribute('data-card-id')) ?? undefined;
    state.signSerial = (await result.locator('.sign-serial').textContent()) ?? undefined;
    state.authSerial = (await result.locator('.auth-serial').textContent()) ?? undefined;
    assert.match(state.cardId ?? '', /^[0-9a-f-]{36}$/);
    assert.match(state.signSerial ?? '', /^[0-9A-F]+$/);
    const card = parseIdCardState(JSON.parse(readFileSync(join(home, 'cards', `${state.cardId}.json`), 'utf8')));
    assert.equal(card.holder.person.name, '山田\u3000花子');
    assert.equal(await page.locator('[name="revoke-card"]').count(), 1, 'the new card is offered for revocation');
    await shot('02-office-issued');
    assert.deepEqual(problemsOf('office-issue'), []);
  });

  it('the portal logs in with the card (PIN typed into the PIN pad) and files a signed application that openssl verifies', async () => {
    step = 'portal';
    await page.goto('/portal');
    await page.locator('#login-pin').focus();
    await page.keyboard.type('1234');
    assert.match((await page.locator('.pin-count').textContent()) ?? '', /^4 \/ 4/);
    await page.keyboard.press('Enter');
    await page.locator('#me-h').waitFor({ state: 'visible' });
    assert.match((await page.locator('#me-body').textContent()) ?? '', /山田\u3000花子/);
    await shot('03-portal-logged-in');
    await page.locator('#field-newAddress').waitFor();
    await page.locator('#field-newAddress').fill('東京都千代田区霞が関1-1-1');
    await page.locator('#field-newPostcode').fill('1000013');
    await page.locator('#field-moveDate').fill('2026-04-01');
    await page.locator('#field-moveDate').press('Enter');
    await page.locator('#draft').waitFor({ state: 'visible' });
    assert.match((await page.locator('#draft-doc').textContent()) ?? '', /霞が関/);
    assert.equal(await page.evaluate('document.activeElement?.id'), 'sign-password');
    await page.keyboard.type('secret12');
    await page.keyboard.press('Enter');
    await page.locator('#submitted-h').waitFor();
    state.applicationId = (await page.locator('.application-id').textContent()) ?? undefined;
    assert.match(state.applicationId ?? '', /^[A-Za-z0-9_-]{22}$/);
    await page.locator('#mine-body table').waitFor();
    assert.equal(await page.locator('#mine-body tbody tr').count(), 2, 'the card\u2019s two certificates');
    await shot('04-portal-application');

    const cms = await page.request.get(`/portal/v1/applications/${state.applicationId}/cms`);
    const content = await page.request.get(`/portal/v1/applications/${state.applicationId}/content`);
    assert.equal(cms.status(), 200);
    const dir = join(home, 'verify');
    mkdirSync(dir);
    writeFileSync(join(dir, 'app.p7s'), await cms.body());
    writeFileSync(join(dir, 'app.json'), await content.body());
    const card = parseIdCardState(JSON.parse(readFileSync(join(home, 'cards', `${state.cardId}.json`), 'utf8')));
    writeFileSync(join(dir, 'sign-ca.pem'), pem('CERTIFICATE', fromHex(card.jpki.files[EF.SIGN_CA_CERT])));
    const verified = await execFileAsync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', join(dir, 'app.p7s'), '-content', join(dir, 'app.json'), '-CAfile', join(dir, 'sign-ca.pem'), '-out', '/dev/null'], { timeout: 30_000 });
    assert.match(verified.stderr, /Verification successful/);
    assert.deepEqual(problemsOf('portal'), []);
  });

  it('the bank opens an account with the card\u2019s signature and shows the verified basic four', async () => {
    step = 'bank-open';
    await page.goto('/bank');
    await page.locator('#start').focus();
    await page.keyboard.press('Enter');
    await page.locator('#terms').waitFor({ state: 'visible' });
    await page.locator('#bank-password').focus();
    await page.keyboard.type('SECRET12');
    await page.keyboard.press('Enter');
    await page.locator('#opened-h').waitFor();
    const text = (await page.locator('#bank-result').textContent()) ?? '';
    assert.match(text, /山田\u3000花子/);
    assert.match(text, /東京都千代田区永田町1-7-1/);
    assert.match(text, /1990-01-02/);
    assert.match(text, /Female/);
    assert.match((await page.locator('.account-number').textContent()) ?? '', /^9990-001-\d{7}$/);
    await shot('05-bank-opened');
    assert.deepEqual(problemsOf('bank-open'), []);
  });

  it('the office revokes the card\u2019s signature certificate', async () => {
    step = 'office-revoke';
    await page.goto('/office');
    await page.locator('#r-which').selectOption('sign');
    await page.locator('#r-reason').selectOption('keyCompromise');
    await page.locator('#revoke-form button[type="submit"]').focus();
    await page.keyboard.press('Enter');
    await page.locator('#revoked-h').waitFor();
    assert.match((await page.locator('#revoke-result').textContent()) ?? '', new RegExp(state.signSerial!));
    await page.locator('#states-button').focus();
    await page.keyboard.press('Enter');
    await page.locator('#revoke-result table').waitFor();
    assert.equal(await page.locator('#revoke-result .status-revoked').count(), 1);
    assert.equal(await page.locator('#revoke-result .status-good').count(), 1, 'the user-authentication certificate stays good');
    await shot('06-office-revoked');
    assert.deepEqual(problemsOf('office-revoke'), []);
  });

  it('the bank refuses the revoked signature certificate and says so', async () => {
    step = 'bank-refused';
    // The bank's status checker keeps an OCSP answer up to 5 minutes (docs/sdk.md): the "good" it saw
    // when the account was opened would still be believed. A restarted system starts with no cache.
    const port = system.port;
    await system.stop();
    system = await startSystem(home, { port });
    await page.goto('/bank');
    await page.locator('#start').click();
    await page.locator('#terms').waitFor({ state: 'visible' });
    await page.locator('#bank-password').fill('SECRET12');
    await page.keyboard.press('Enter');
    await page.locator('#bank-result .problem').waitFor();
    const text = (await page.locator('#bank-result .problem').textContent()) ?? '';
    assert.match(text, /ERR_RP_CERT_REVOKED/);
    assert.match(text, /has been revoked/);
    assert.match(text, /keyCompromise/);
    await shot('07-bank-refused');
    // The one console error is the browser's own report of the refused request (403): nothing else.
    const seen = problemsOf('bank-refused');
    assert.equal(seen.length, 1, seen.join('\n'));
    assert.match(seen[0]!, /status of 403/);
  });

  it('the inspector shows the certificates with their states and the audit log', async () => {
    step = 'inspector';
    await page.goto('/inspector');
    await page.locator('#admin-token').fill(adminToken);
    await page.keyboard.press('Enter');
    await page.locator('#certs table').waitFor();
    const certs = (await page.locator('#certs').textContent()) ?? '';
    assert.match(certs, new RegExp(`${state.signSerial}cardsignrevoked`));
    assert.match(certs, new RegExp(`${state.authSerial}cardauthgood`));
    const actions = await page.locator('#audit .audit-action').allTextContents();
    assert.ok(actions.includes('certificate-issued'), actions.join());
    assert.ok(actions.includes('certificate-revoked'), actions.join());
    assert.ok(actions.includes('operator-created'), actions.join());
    assert.match((await page.locator('#sessions').textContent()) ?? '', /No sessions/);
    await shot('08-inspector');
    assert.deepEqual(problemsOf('inspector'), []);
  });

  it('no page raised an error in the console beyond the expected refusal', () => {
    assert.deepEqual(problems.filter((p) => p.step !== 'bank-refused'), []);
  });
});
