import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { main } from '../../src/cli/program.js';
import { startSystem, type RunningSystem } from '../../src/cli/runtime/jpki-system.js';
import { freePort, pem } from '../helpers/jpki.js';
import { ARTIFACTS, journeyPage, launchChromium } from './support/browser.js';

/**
 * A person's whole journey with a phone, in a real browser (Debian's chromium through playwright-core)
 * against a system started on a temporary home: the office issues the card; the phone page makes a
 * phone, finds the JPKI app in the store, installs it, prepares the applet, issues the phone
 * certificates with the card held to it, enrols a finger and turns fingerprint unlock on; the portal
 * logs in with the fingerprint and takes an application signed by the phone (openssl verifies the CMS
 * against the signature CA); the bank opens an account with the phone's signature; the phone is lost:
 * the call-centre console suspends its certificates and the portal refuses the phone; a new phone is
 * issued with the card, and the old phone's certificates are superseded (its certificate management,
 * the CA) and deleted by a push message. Console and page errors are collected on every page: none,
 * but the browser's own report of the portal's refusal (403). A screenshot per step goes to
 * test-artifacts/web/.
 */

const execFileAsync = promisify(execFile);
const NAME = '山田\u3000太郎';

function io() {
  return { out: () => undefined, err: () => undefined };
}

describe('a phone journey in a browser', { timeout: 900_000 }, () => {
  let home: string;
  let system: RunningSystem;
  let browser: Browser;
  let page: Page;
  const tokens: Record<string, string> = {};
  let step = 'start';
  const problems: { step: string; text: string }[] = [];
  const state: { oldPhone?: string; newPhone?: string; oldAuth?: string; oldSign?: string; newAuth?: string; applicationId?: string } = {};

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'jpki-web-phone-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    const port = await freePort();
    assert.equal(await main(['init', '--home', home, '--port', String(port)], io()), 0);
    assert.equal(await main(['operator', 'add', '--home', home, '--id', 'office-1', '--role', 'office'], io()), 0);
    assert.equal(await main(['operator', 'add', '--home', home, '--id', 'cc-1', '--role', 'call-centre'], io()), 0);
    const secret = (name: string) => readFileSync(join(home, 'secrets', name), 'utf8').trim();
    tokens.office = secret('operators/office-1.token');
    tokens.cc = secret('operators/cc-1.token');
    tokens.admin = secret('admin.token');
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
    await page.screenshot({ path: join(ARTIFACTS, `phone-${name}.png`), fullPage: true });
  }

  function problemsOf(name: string): string[] {
    return problems.filter((p) => p.step === name).map((p) => p.text);
  }

  /** Waits for the phone's screen to show `name`. */
  async function screen(name: string): Promise<void> {
    await page.locator(`#screen[data-screen="${name}"]`).waitFor();
  }

  async function press(selector: string): Promise<void> {
    await page.locator(selector).focus();
    await page.keyboard.press('Enter');
  }

  async function caStatus(serial: string): Promise<{ status: string; reason: number | null }> {
    const res = await fetch(`${system.url}/api/v1/certificates/${serial}`, { headers: { authorization: `Bearer ${tokens.admin}` } });
    assert.equal(res.status, 200);
    return (await res.json()) as { status: string; reason: number | null };
  }

  /** On the phone page: make a phone, find the app in the store, install it, prepare it, issue with the card. */
  async function setUpPhone(model: string, shots: string): Promise<string> {
    await page.goto('/phone');
    await page.locator('#make-model').fill(model);
    await page.locator('#make-model').press('Enter');
    const id = (await page.locator('#shelf-result .result').getAttribute('data-phone-id')) ?? '';
    // The new phone is in hand (the page may have shown the phone taken before).
    await page.locator('#phone-status .model', { hasText: model }).waitFor();
    await screen('home');
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.equal(await page.evaluate('document.activeElement?.id'), 'screen-h', 'focus on the new screen');
    await press('#open-store');
    await screen('store');
    await page.locator('#store-q').fill('マイナ');
    await page.keyboard.press('Enter');
    await page.locator('#install-jp-go-jpki-mobile').waitFor();
    assert.match((await page.locator('#store-results').textContent()) ?? '', /JPKI smartphone app/);
    await shot(`${shots}-store`);
    await press('#install-jp-go-jpki-mobile');
    await screen('installed');
    await press('#launch-app');
    await screen('prepare');
    await press('#prepare-start');
    await screen('prepared');
    await shot(`${shots}-prepared`);
    await press('#issue-begin');
    await screen('issue-start');
    await press('#issue-next');
    await screen('issue-password');
    await page.locator('#card-password').fill('secret12');
    await page.keyboard.press('Enter');
    await screen('issue-card');
    await page.locator('input[name="hold-card-choice"]').first().waitFor();
    await shot(`${shots}-hold-card`);
    await press('#hold-card');
    await screen('issue-secrets');
    await page.locator('#new-pin').fill('2468');
    await page.locator('#new-pin2').fill('2468');
    await page.locator('#new-password').fill('phonepw1');
    await page.locator('#new-password2').fill('phonepw1');
    await page.keyboard.press('Enter');
    await screen('issue-done');
    await shot(`${shots}-issued`);
    await press('#start-using');
    await screen('app-home');
    return id;
  }

  it('the office issues the card', async () => {
    step = 'office';
    await page.goto('/office');
    await page.locator('#office-token').fill(tokens.office!);
    await page.keyboard.press('Enter');
    await page.locator('#f-name').fill(NAME);
    await page.locator('#f-address').fill('東京都千代田区永田町1-7-1');
    await page.locator('#f-birth').fill('1990-01-02');
    await page.locator('#f-sex').selectOption('1');
    await page.locator('#f-pin').fill('1234');
    await page.locator('#f-password').fill('SECRET12');
    await page.keyboard.press('Enter');
    await page.locator('#issued-h').waitFor();
    await shot('01-office-card');
    assert.deepEqual(problemsOf('office'), []);
  });

  it('a phone: the app from the store, the applet prepared, the certificates issued with the card held to it', async () => {
    step = 'phone-setup';
    state.oldPhone = await setUpPhone('Old Phone', '02-old');
    const issued = page.locator('#screen dl.issued');
    state.oldAuth = (await issued.locator('code').first().textContent()) ?? undefined;
    state.oldSign = (await issued.locator('code').nth(1).textContent()) ?? undefined;
    assert.match(state.oldAuth ?? '', /^[0-9A-F]+$/);
    assert.equal((await caStatus(state.oldAuth!)).status, 'good');
    assert.match((await page.locator('#phone-status').textContent()) ?? '', /Old Phone.*Online.*JPKI/);
    await shot('03-old-app-home');
    // The phone's screens follow the language toggle (Japanese labels), by keyboard.
    await press('.lang-toggle');
    assert.equal(await page.locator('html').getAttribute('lang'), 'ja');
    assert.equal(await page.evaluate('document.activeElement?.className'), 'lang-toggle', 'focus stays on the toggle');
    assert.equal(await page.locator('#screen-h').textContent(), 'JPKI アプリ');
    assert.match((await page.locator('#phone-status').textContent()) ?? '', /オンライン/);
    await shot('03-old-app-home-ja');
    await press('.lang-toggle');
    assert.equal(await page.locator('#screen-h').textContent(), 'JPKI app');
    assert.deepEqual(problemsOf('phone-setup'), []);
  });

  it('a finger is enrolled and fingerprint unlock turned on (the PIN pad, then the biometric prompt)', async () => {
    step = 'fingerprint';
    await press('#nav-home');
    await screen('home');
    await press('#open-settings');
    await screen('settings');
    await page.locator('#enrol-finger').selectOption('right-thumb');
    await press('#enrol-button');
    await page.locator('#finger-list li', { hasText: 'Right thumb' }).waitFor();
    await press('#nav-home');
    await press('#open-jpki');
    await screen('app-home');
    await press('#open-bio');
    await screen('bio');
    await page.locator('#bio-pin').focus();
    await page.keyboard.type('2468');
    await page.keyboard.press('Enter');
    await page.locator('#bio-finger').waitFor();
    assert.equal(await page.evaluate('document.activeElement?.id'), 'bio-finger');
    await shot('04-biometric-prompt');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.locator('#bio-state').waitFor();
    assert.match((await page.locator('#bio-state').textContent()) ?? '', /on/);
    await shot('05-fingerprint-on');
    assert.deepEqual(problemsOf('fingerprint'), []);
  });

  it('the portal: login with the fingerprint; an application signed by the phone, which openssl verifies', async () => {
    step = 'portal';
    await page.goto('/portal');
    await page.locator('#login-with-phone').check();
    await page.locator('#login-by-finger').check();
    await page.locator('input[name="login-phone"]').first().waitFor();
    await page.locator('#login-finger').selectOption('right-thumb');
    await shot('06-portal-fingerprint');
    await press('#login-bio button[type="submit"]');
    await page.locator('#me-h').waitFor({ state: 'visible' });
    assert.match((await page.locator('#me-body').textContent()) ?? '', new RegExp(NAME));
    await page.locator('#field-newAddress').fill('東京都千代田区霞が関1-1-1');
    await page.locator('#field-newPostcode').fill('1000013');
    await page.locator('#field-moveDate').fill('2026-04-01');
    await page.locator('#field-moveDate').press('Enter');
    await page.locator('#draft').waitFor({ state: 'visible' });
    assert.match((await page.locator('#sign-with').textContent()) ?? '', /phone/);
    await page.keyboard.type('phonepw1');
    await page.keyboard.press('Enter');
    await page.locator('#submitted-h').waitFor();
    state.applicationId = (await page.locator('.application-id').textContent()) ?? undefined;
    assert.match((await page.locator('#apply-result').textContent()) ?? '', new RegExp(state.oldSign!));
    await shot('07-portal-application');

    const dir = join(home, 'verify');
    mkdirSync(dir);
    writeFileSync(join(dir, 'app.p7s'), await (await page.request.get(`/portal/v1/applications/${state.applicationId}/cms`)).body());
    writeFileSync(join(dir, 'app.json'), await (await page.request.get(`/portal/v1/applications/${state.applicationId}/content`)).body());
    const ca = new Uint8Array(await (await fetch(`${system.url}/ca/sign/1.crt`)).arrayBuffer());
    writeFileSync(join(dir, 'sign-ca.pem'), pem('CERTIFICATE', ca));
    const verified = await execFileAsync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', join(dir, 'app.p7s'), '-content', join(dir, 'app.json'), '-CAfile', join(dir, 'sign-ca.pem'), '-signer', join(dir, 'signer.pem'), '-out', '/dev/null'], { timeout: 30_000 });
    assert.match(verified.stderr, /Verification successful/);
    const signer = await execFileAsync('openssl', ['x509', '-in', join(dir, 'signer.pem'), '-noout', '-serial'], { timeout: 30_000 });
    assert.equal(signer.stdout.trim(), `serial=${state.oldSign!}`, 'the phone\u2019s signature certificate signed');
    await page.locator('#logout').click();
    await page.locator('#login-h').waitFor({ state: 'visible' });
    assert.deepEqual(problemsOf('portal'), []);
  });

  it('the bank opens an account with the phone\u2019s signature', async () => {
    step = 'bank';
    await page.goto('/bank');
    await page.locator('#bank-with-phone').check();
    await page.locator('input[name="bank-phone"]').first().waitFor();
    await press('#start');
    await page.locator('#terms').waitFor({ state: 'visible' });
    await page.locator('#bank-password').fill('PHONEPW1');
    await page.keyboard.press('Enter');
    await page.locator('#opened-h').waitFor();
    const text = (await page.locator('#bank-result').textContent()) ?? '';
    assert.match(text, new RegExp(NAME));
    assert.match(text, new RegExp(state.oldSign!));
    await shot('08-bank-phone');
    assert.deepEqual(problemsOf('bank'), []);
  });

  it('the phone is lost: the call-centre console finds the person and suspends the phone certificates', async () => {
    step = 'callcenter';
    await page.goto('/callcenter');
    await page.locator('#cc-token').fill(tokens.cc!);
    await page.keyboard.press('Enter');
    await page.locator('#cc-name').fill(NAME);
    await page.locator('#cc-birth').fill('1990-01-02');
    await page.keyboard.press('Enter');
    await page.locator('#cc-certs-table').waitFor();
    assert.equal(await page.evaluate('document.activeElement?.id'), 'person-h');
    assert.equal(await page.locator('#cc-certs .status-good').count(), 2);
    await press('#cc-suspend');
    await page.locator('#cc-done-h').waitFor();
    await page.locator('#cc-certs .status-held').nth(1).waitFor();
    assert.equal(await page.locator('#cc-certs .status-held').count(), 2);
    await shot('09-callcenter-suspended');
    for (const s of [state.oldAuth!, state.oldSign!]) assert.deepEqual(await caStatus(s).then((x) => [x.status, x.reason]), ['held', 6]);
    assert.deepEqual(problemsOf('callcenter'), []);
  });

  it('the portal refuses a login with the lost phone', async () => {
    step = 'portal-refused';
    // The system's relying parties reuse an OCSP answer for at most a second.
    await new Promise((r) => setTimeout(r, 1_500));
    await page.goto('/portal');
    await page.locator('#login-with-phone').check();
    await page.locator('#login-phone-pin').waitFor();
    await page.locator('#login-phone-pin').focus();
    await page.keyboard.type('2468');
    await page.keyboard.press('Enter');
    await page.locator('#login-result .problem').waitFor();
    const text = (await page.locator('#login-result .problem').textContent()) ?? '';
    assert.match(text, /ERR_RP_CERT_SUSPENDED/);
    assert.match(text, /suspended/);
    await shot('10-portal-refused');
    const seen = problemsOf('portal-refused');
    assert.equal(seen.length, 1, seen.join('\n'));
    assert.match(seen[0]!, /status of 403/);
  });

  it('a new phone is issued with the card: the old phone\u2019s certificates are superseded, and deleted by a push message', async () => {
    step = 'new-phone';
    // The old phone's app explains the model change and sends the person to make the new phone.
    await page.goto('/phone');
    await screen('home');
    await press('#open-jpki');
    await screen('app-home');
    await press('#open-model-change');
    await screen('model-change');
    await shot('11-model-change');
    await press('#model-change-new');
    assert.equal(await page.evaluate('document.activeElement?.id'), 'make-model');
    state.newPhone = await setUpPhone('New Phone', '11-new');
    state.newAuth = (await page.locator('#screen dl.issued code').first().textContent()) ?? undefined;
    assert.notEqual(state.newAuth, state.oldAuth);
    await press('#open-certs');
    await screen('certs');
    await page.locator('#certs-table').waitFor();
    assert.equal(await page.locator('#certs-table .status-good').count(), 2);
    await shot('12-new-certificates');
    for (const s of [state.oldAuth!, state.oldSign!]) assert.deepEqual(await caStatus(s).then((x) => [x.status, x.reason]), ['revoked', 4]);

    // The old phone, still online wherever it is, receives the SP-TSM's deletion order (bounded wait).
    await page.locator(`#shelf-${state.oldPhone}`).check();
    await press('#take-phone');
    await page.locator('#phone-status .model', { hasText: 'Old Phone' }).waitFor();
    await screen('home');
    await press('#open-notifications');
    await screen('notifications');
    let handled = false;
    for (let i = 0; i < 20 && !handled; i++) {
      await press('#poll-now');
      await page.locator('#notification-list').locator('p, ul').first().waitFor();
      handled = (await page.locator('#notification-list li.note-handled').count()) > 0;
      if (!handled) await new Promise((r) => setTimeout(r, 1_000));
    }
    assert.ok(handled, 'the deletion order reached the old phone');
    assert.match((await page.locator('#notification-list').textContent()) ?? '', /Deletion order.*handled.*completed/s);
    await shot('13-old-notification');
    await press('#nav-home');
    // The applet was wiped and the app forgot its certificates: it offers issuance again.
    await press('#open-jpki');
    await screen('issue-start');
    const old = (await (await fetch(`${system.url}/web/v1/phones/${state.oldPhone}`)).json()) as { app?: { certificates?: unknown } };
    assert.equal(old.app?.certificates ?? null, null);
    for (const s of [state.oldAuth!, state.oldSign!]) assert.deepEqual(await caStatus(s).then((x) => [x.status, x.reason]), ['revoked', 4]);
    await shot('14-old-wiped');
    assert.deepEqual(problemsOf('new-phone'), []);
  });

  it('no page raised an error in the console beyond the expected refusal', () => {
    assert.deepEqual(problems.filter((p) => p.step !== 'portal-refused'), []);
  });
});
