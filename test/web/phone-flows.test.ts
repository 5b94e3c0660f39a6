import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { main } from '../../src/cli/program.js';
import { startSystem, type RunningSystem } from '../../src/cli/runtime/jpki-system.js';
import { freePort } from '../helpers/jpki.js';
import { ARTIFACTS, journeyPage, launchChromium } from './support/browser.js';

/**
 * Flows 5, 10 and 11 in a real browser (Debian's chromium through playwright-core) against a system
 * started on a temporary home. The card and an issued phone are set up over HTTP (/web/v1, as the pages
 * would); the flows under test go through the pages, by keyboard: the PIN changed on the phone's PIN pad
 * (flow 5, local); the PIN blocked by three wrong tries, then re-initialised online with the card held to
 * the phone (flow 5, online); the portal logs in with the new PIN; the shop counter sees valid
 * certificates; a factory reset in the phone's OS settings (flow 10), confirmed, shows the notice
 * delivered, and the app is gone; the shop counter finds the phone clean (flow 11) and the CA says both
 * certificates are revoked (cessationOfOperation); another person's handset brought to the shop holds
 * keys, and the shop's countermeasure (a reset with the holder's consent) leaves it clean. Console and page errors: none, but the browser's own
 * reports of the three refused PINs (403). Screenshots: test-artifacts/web/flows-*.png.
 */

const NAME = '佐藤\u3000次郎';
/** RFC 5280 CRLReason cessationOfOperation. */
const CESSATION = 5;

function io() {
  return { out: () => undefined, err: () => undefined };
}

describe('flows 5, 10 and 11 in a browser', { timeout: 600_000 }, () => {
  let home: string;
  let system: RunningSystem;
  let browser: Browser;
  let page: Page;
  let admin: string;
  let office: string;
  let phoneId: string;
  let serials: { auth: string; sign: string };
  let step = 'start';
  const problems: { step: string; text: string }[] = [];

  async function call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(system.url + path, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** Set-up over HTTP: the person's card at the office, a phone made, its app installed, prepared and issued. */
  async function issuedPhone(person: Record<string, unknown>, model: string): Promise<{ id: string; serials: { auth: string; sign: string } }> {
    const card = await call('POST', '/web/v1/cards', { person, pin: '1234', password: 'SECRET12' }, office);
    assert.equal(card.status, 201, JSON.stringify(card.body));
    const made = await call('POST', '/web/v1/phones', { model });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const id = String(made.body.id);
    assert.equal((await call('POST', `/web/v1/phones/${id}/apps`, { packageName: 'jp.go.jpki.mobile' })).status, 201);
    assert.equal((await call('POST', `/web/v1/phones/${id}/preparation`)).status, 200);
    const issued = await call('POST', `/web/v1/phones/${id}/issuance`, { cardId: card.body.id, cardPassword: 'SECRET12', pin: '2468', pinConfirm: '2468', password: 'PHONEPW1', passwordConfirm: 'PHONEPW1' });
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    return { id, serials: { auth: String(issued.body.authSerial), sign: String(issued.body.signSerial) } };
  }

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'jpki-web-flows-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    const port = await freePort();
    assert.equal(await main(['init', '--home', home, '--port', String(port)], io()), 0);
    assert.equal(await main(['operator', 'add', '--home', home, '--id', 'office-1', '--role', 'office'], io()), 0);
    office = readFileSync(join(home, 'secrets', 'operators', 'office-1.token'), 'utf8').trim();
    admin = readFileSync(join(home, 'secrets', 'admin.token'), 'utf8').trim();
    system = await startSystem(home, { port });
    const first = await issuedPhone({ name: NAME, address: '福岡県福岡市中央区天神1-1-1', birthDate: '1975-07-07', sex: 1 }, 'Flow Phone');
    phoneId = first.id;
    serials = first.serials;

    browser = await launchChromium();
    page = await journeyPage(browser, system.url, () => step, problems);
  });

  after(async () => {
    await browser?.close();
    await system?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  async function shot(name: string): Promise<void> {
    await page.screenshot({ path: join(ARTIFACTS, `flows-${name}.png`), fullPage: true });
  }

  function problemsOf(name: string): string[] {
    return problems.filter((p) => p.step === name).map((p) => p.text);
  }

  async function screen(name: string): Promise<void> {
    await page.locator(`#screen[data-screen="${name}"]`).waitFor();
  }

  async function press(selector: string): Promise<void> {
    await page.locator(selector).focus();
    await page.keyboard.press('Enter');
  }

  /** Types a PIN into the PIN pad's field (focused) and submits it with Enter. */
  async function typePin(pin: string): Promise<void> {
    await page.locator('#change-pin-input').focus();
    await page.keyboard.type(pin);
    await page.keyboard.press('Enter');
  }

  async function caStatus(serial: string): Promise<{ status: string; reason: number | null }> {
    const res = await fetch(`${system.url}/api/v1/certificates/${serial}`, { headers: { authorization: `Bearer ${admin}` } });
    assert.equal(res.status, 200);
    return (await res.json()) as { status: string; reason: number | null };
  }

  it('the PIN is changed on the phone\u2019s PIN pad (flow 5, local)', async () => {
    step = 'change';
    await page.goto('/phone');
    await page.locator(`#shelf-${phoneId}`).check();
    await press('#take-phone');
    await screen('home');
    await press('#open-jpki');
    await screen('app-home');
    await press('#open-change');
    await screen('change-start');
    assert.equal(await page.locator('#change-which-pin').isChecked(), true, 'the PIN is the default');
    await press('#change-next');
    await screen('change-pin');
    assert.match((await page.locator('#change-step').textContent()) ?? '', /current PIN/);
    // The current PIN on the on-screen keys (Tab to a key, Enter presses it), the new one typed twice.
    for (const digit of '2468') await press(`#change-pad button.key:text-is("${digit}")`);
    assert.match((await page.locator('#change-pad .pin-count').textContent()) ?? '', /^4 \/ 4/);
    await press('#change-pad button[type="submit"]');
    await page.locator('#change-step', { hasText: 'New PIN' }).waitFor();
    assert.equal(await page.evaluate('document.activeElement?.id'), 'change-pin-input', 'focus back on the PIN field');
    await typePin('1357');
    await page.locator('#change-step', { hasText: 'New PIN again' }).waitFor();
    await shot('01-pin-pad');
    await typePin('1357');
    await screen('change-done');
    assert.match((await page.locator('#change-result').textContent()) ?? '', /The PIN was changed/);
    assert.equal(await page.evaluate('document.activeElement?.id'), 'screen-h');
    await shot('02-pin-changed');
    assert.deepEqual(problemsOf('change'), []);
  });

  it('three wrong PINs block it; "forgot" re-initialises it online with the card held to the phone (flow 5, online)', async () => {
    step = 'block';
    await press('#change-back');
    await screen('app-home');
    await press('#open-change');
    await press('#change-next');
    await screen('change-pin');
    for (const left of [2, 1, 0]) {
      for (const pin of ['0000', '1111', '1111']) await typePin(pin);
      await page.locator('#screen-problem .problem', { hasText: `Tries left: ${left}` }).waitFor();
      assert.match((await page.locator('#screen-problem').textContent()) ?? '', /ERR_APP_SECRET_WRONG/);
    }
    await page.locator('#forgot-after-block').waitFor();
    assert.match((await page.locator('#screen-problem').textContent()) ?? '', /blocked/);
    await shot('03-pin-blocked');
    await press('#forgot-after-block');
    await screen('reset-start');
    assert.equal(await page.locator('#reset-which-pin').isChecked(), true);
    await press('#reset-next');
    await screen('reset-password');
    await page.locator('#reset-card-password').fill('secret12');
    await page.keyboard.press('Enter');
    await screen('reset-card');
    await page.locator('input[name="reset-card-choice"]').first().waitFor();
    await shot('04-reset-hold-card');
    await press('#reset-hold-card');
    await screen('reset-secrets');
    assert.equal(await page.locator('#reset-password').count(), 0, 'only the PIN is asked for');
    await page.locator('#reset-pin').fill('9753');
    await page.locator('#reset-pin2').fill('9753');
    await page.keyboard.press('Enter');
    await screen('reset-done');
    assert.match((await page.locator('#reset-result').textContent()) ?? '', /PIN was re-initialised/);
    await shot('05-pin-reinitialised');
    // Certificate management: what the app itself reads by OCSP, both good, no warning.
    await press('#reset-back');
    await screen('app-home');
    await press('#open-certs');
    await screen('certs');
    await page.locator('#status-table').waitFor();
    assert.equal(await page.locator('#status-table .status-good').count(), 2);
    assert.equal(await page.locator('#app-warnings').count(), 0);
    await shot('06-certificates');
    const seen = problemsOf('block');
    assert.equal(seen.length, 3, seen.join('\n'));
    for (const text of seen) assert.match(text, /status of 403/, 'the browser reports each refused PIN');
  });

  it('the portal logs in with the phone and the new PIN', async () => {
    step = 'portal';
    await page.goto('/portal');
    await page.locator('#login-with-phone').check();
    await page.locator('#login-phone-pin').waitFor();
    await page.locator('#login-phone-pin').focus();
    await page.keyboard.type('9753');
    await page.keyboard.press('Enter');
    await page.locator('#me-h').waitFor({ state: 'visible' });
    assert.match((await page.locator('#me-body').textContent()) ?? '', new RegExp(NAME));
    await shot('07-portal-new-pin');
    await page.locator('#logout').click();
    await page.locator('#login-h').waitFor({ state: 'visible' });
    assert.deepEqual(problemsOf('portal'), []);
  });

  it('the shop counter sees the phone\u2019s certificates, valid with the holder\u2019s PIN', async () => {
    step = 'shop-valid';
    await page.goto('/shop');
    await page.locator(`#shop-phone-${phoneId}`).check();
    await page.locator('#shop-pin').fill('9753');
    await page.keyboard.press('Enter');
    await page.locator('#shop-verdict').waitFor();
    assert.equal(await page.locator('#shop-verdict').getAttribute('data-verdict'), 'certificates present (valid)');
    assert.match((await page.locator('#shop-verdict').textContent()) ?? '', new RegExp(serials.auth));
    assert.equal(await page.evaluate('document.activeElement?.id'), 'shop-verdict-h');
    await page.locator('#shop-reset').waitFor();
    await shot('08-shop-valid');
    // The countermeasure needs the holder's consent: without it nothing is sent, focus goes to the box.
    await press('#shop-reset');
    await page.locator('#shop-reset-result .problem', { hasText: 'ERR_WEB_RESET_NOT_CONFIRMED' }).waitFor();
    assert.equal(await page.evaluate('document.activeElement?.id'), 'shop-consent');
    assert.deepEqual(problemsOf('shop-valid'), []);
  });

  it('a factory reset in the OS settings (flow 10): confirmed, the notice delivered, the app gone, the phone on the shelf', async () => {
    step = 'reset';
    await page.goto('/phone');
    await screen('home');
    await press('#open-settings');
    await screen('settings');
    await press('#open-factory-reset');
    await screen('factory-reset');
    // Without the confirmation nothing happens: the page says so and focus goes to the box.
    await press('#factory-reset-go');
    await page.locator('#screen-problem .problem', { hasText: 'ERR_WEB_RESET_NOT_CONFIRMED' }).waitFor();
    assert.equal(await page.evaluate('document.activeElement?.id'), 'factory-reset-confirm');
    await press('.lang-toggle');
    assert.equal(await page.locator('#screen-h').textContent(), '端末の初期化（工場出荷状態に戻す）');
    await shot('09-factory-reset-ja');
    await press('.lang-toggle');
    await page.locator('#factory-reset-confirm').focus();
    await page.keyboard.press('Space');
    assert.equal(await page.locator('#factory-reset-confirm').isChecked(), true);
    await press('#factory-reset-go');
    await screen('factory-reset-done');
    assert.match((await page.locator('#reset-notice-id').textContent()) ?? '', /^[0-9A-F]{32}$/);
    await page.locator('#reset-told li[data-handler="jpki-se-agent"]').waitFor();
    assert.equal(await page.locator('#reset-told li[data-handler="push-agent"]').count(), 1);
    assert.equal(await page.locator('#reset-pending').count(), 0, 'nothing pending: the phone was online');
    await shot('10-factory-reset-done');
    await press('#reset-to-home');
    await screen('home');
    assert.equal(await page.locator('#open-jpki').count(), 0, 'the app is gone');
    assert.equal(await page.locator('#phone-status .jpki-badge').count(), 0);
    assert.equal(await page.locator(`#shelf-${phoneId}`).count(), 1, 'the shelf keeps the phone');
    for (const s of [serials.auth, serials.sign]) assert.deepEqual(await caStatus(s).then((x) => [x.status, x.reason]), ['revoked', CESSATION]);
    assert.deepEqual(problemsOf('reset'), []);
  });

  it('the shop counter finds the reset phone clean (flow 11)', async () => {
    step = 'shop-clean';
    await page.goto('/shop');
    await page.locator(`#shop-phone-${phoneId}`).check();
    await press('#shop-check-button');
    await page.locator('#shop-verdict').waitFor();
    assert.equal(await page.locator('#shop-verdict').getAttribute('data-verdict'), 'clean');
    assert.match((await page.locator('#shop-verdict-h').textContent()) ?? '', /Clean/);
    assert.equal(await page.locator('#shop-reset').count(), 0, 'nothing to delete');
    await shot('11-shop-clean');
    assert.deepEqual(problemsOf('shop-clean'), []);
  });

  it('at the shop counter, a handset holding keys is reset with the holder\u2019s consent and checked again: clean', async () => {
    step = 'shop-counter';
    const other = await issuedPhone({ name: '伊藤\u3000三郎', address: '宮城県仙台市青葉区1-1', birthDate: '1960-06-06', sex: 1 }, 'Brought-in Phone');
    await page.goto('/shop');
    await page.locator(`#shop-phone-${other.id}`).check();
    await press('#shop-check-button');
    await page.locator('#shop-verdict').waitFor();
    assert.equal(await page.locator('#shop-verdict').getAttribute('data-verdict'), 'certificates present (status unknown)', 'without the PIN');
    await page.locator('#shop-consent').focus();
    await page.keyboard.press('Space');
    await press('#shop-reset');
    await page.locator('#shop-reset-done').waitFor();
    assert.equal(await page.locator('#shop-verdict').getAttribute('data-verdict'), 'clean');
    await page.locator('#shop-reset-done li[data-handler="jpki-se-agent"]').waitFor();
    assert.match((await page.locator('#shop-reset-done #reset-notice-id').textContent()) ?? '', /^[0-9A-F]{32}$/);
    await shot('12-shop-counter-reset');
    for (const s of [other.serials.auth, other.serials.sign]) assert.deepEqual(await caStatus(s).then((x) => [x.status, x.reason]), ['revoked', CESSATION]);
    const phone = (await call('GET', `/web/v1/phones/${other.id}`)).body;
    assert.deepEqual([phone.app, phone.pendingResetNotices], [null, 0]);
    assert.deepEqual(problemsOf('shop-counter'), []);
  });

  it('no page raised an error in the console beyond the refused PINs', () => {
    assert.deepEqual(problems.filter((p) => p.step !== 'block'), []);
  });
});
