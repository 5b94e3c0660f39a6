import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { main } from '../../src/cli/program.js';
import { startSystem, type RunningSystem } from '../../src/cli/runtime/jpki-system.js';
import { verifyCompact } from '../../src/relying-parties/index.js';
import { freePort } from '../helpers/jpki.js';
import { ARTIFACTS, journeyPage, launchChromium } from './support/browser.js';

/**
 * The kiosk in a real browser (Debian's chromium through playwright-core), with no pcscd: the office
 * issues a card; on the kiosk page the person holds it (a card of the server's shelf) to a counter
 * reader, types a wrong PIN (the tries left shown), the right one, and gets a certificate of residence
 * whose JWS verifies with the kiosk's published key; a phone with its certificates (set up through
 * /web/v1/phones) held to the other counter reader gets one too; the office holds the card's
 * user-authentication certificate and the kiosk refuses it as suspended; released, it works again.
 * Console and page errors are collected per step: none, but the browser's own "Failed to load
 * resource … 403" for each refusal the kiosk answers (a wrong PIN, the suspended certificate), which
 * are asserted one by one. Screenshots: test-artifacts/web/kiosk-*.png.
 */

/** The relying parties of the system reuse an OCSP answer for at most a second (src/cli/runtime/relying-parties.ts). */
const STATUS_REUSE_MS = 1_100;

function io() {
  const out: string[] = [];
  return { out: (t: string) => void out.push(t), err: (t: string) => void out.push(t), text: () => out.join('') };
}

describe('the kiosk in a browser: a shelved card and a shelved phone on the counter readers', { timeout: 600_000 }, () => {
  let home: string;
  let system: RunningSystem;
  let browser: Browser;
  let page: Page;
  let officeToken: string;
  let step = 'start';
  const problems: { step: string; text: string }[] = [];
  const state: { cardId?: string; authSerial?: string; phoneId?: string; phoneAuthSerial?: string } = {};

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'jpki-kiosk-web-'));
    // Before anything in this process opens PC/SC (libpcsclite reads it once): no pcscd there, whatever
    // runs on the machine. The counter readers must work without it.
    process.env.PCSCLITE_CSOCK_NAME = join(home, 'no-pcscd.comm');
    mkdirSync(ARTIFACTS, { recursive: true });
    const port = await freePort();
    const init = io();
    assert.equal(await main(['init', '--home', home, '--port', String(port)], init), 0, init.text());
    assert.equal(await main(['operator', 'add', '--home', home, '--id', 'office-1', '--role', 'office'], io()), 0);
    officeToken = readFileSync(join(home, 'secrets', 'operators', 'office-1.token'), 'utf8').trim();
    system = await startSystem(home, { port });
    browser = await launchChromium();
    page = await journeyPage(browser, system.url, () => step, problems);
  });

  after(async () => {
    await browser?.close();
    await system?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  async function shot(name: string): Promise<void> {
    await page.screenshot({ path: join(ARTIFACTS, `kiosk-${name}.png`), fullPage: true });
  }
  function problemsOf(name: string): string[] {
    return problems.filter((p) => p.step === name).map((p) => p.text);
  }
  /** The step's console errors are exactly `n` reports of a refused request (403) and nothing else. */
  function onlyRefusals(name: string, n: number): void {
    const seen = problemsOf(name);
    assert.equal(seen.length, n, seen.join('\n'));
    for (const s of seen) assert.match(s, /Failed to load resource.*status of 403/);
  }
  async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(system.url + path, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** The certificate of residence on the page: its JWS verifies with the kiosk's published key; its document is returned. */
  async function residenceOnPage(): Promise<{ document: Record<string, unknown>; issuanceId: string }> {
    await page.locator('#residence-h').waitFor();
    assert.equal(await page.evaluate('document.activeElement?.id'), 'residence-h', 'focus moves to the certificate');
    const jws = (await page.locator('#kiosk-result code.jws').textContent()) ?? '';
    const issuanceId = (await page.locator('#kiosk-result .issuance-id').textContent()) ?? '';
    const kid = (JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString('utf8')) as { kid: string }).kid;
    const keys = (await api('GET', '/kiosk/v1/keys')).body.keys as { kid: string; kty: 'OKP'; crv: 'Ed25519'; x: string }[];
    const key = keys.find((k) => k.kid === kid);
    assert.ok(key, 'the signing key is published');
    const payload = verifyCompact(jws, { kty: key.kty, crv: key.crv, x: key.x });
    assert.ok(payload, 'the JWS verifies with the kiosk\u2019s key');
    const document = JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, unknown>;
    assert.equal(document.id, issuanceId);
    assert.equal(document.type, 'jpki-mobile/certificate-of-residence/v1');
    const stored = await api('GET', `/kiosk/v1/certificates-of-residence/${issuanceId}`);
    assert.equal(stored.body.jws, jws, 'the kiosk kept what it handed out');
    return { document, issuanceId };
  }

  /** Chooses a reader on the kiosk and starts: the PIN pad comes up with the tries left. */
  async function startOn(reader: string): Promise<void> {
    await page.locator(`#readers input[name="reader"][value="${reader}"]`).check();
    await page.locator('#start').focus();
    await page.keyboard.press('Enter');
  }
  async function typePin(pin: string): Promise<void> {
    await page.locator('#kiosk-pin').waitFor();
    assert.equal(await page.evaluate('document.activeElement?.id'), 'kiosk-pin', 'focus is on the PIN pad');
    await page.keyboard.type(pin);
    await page.keyboard.press('Enter');
  }

  it('the office issues a card', async () => {
    step = 'office';
    await page.goto('/office');
    await page.locator('#office-token').fill(officeToken);
    await page.keyboard.press('Enter');
    await page.locator('#f-name').fill('中村\u3000由美');
    await page.locator('#f-address').fill('愛知県名古屋市中区三の丸3-1-1');
    await page.locator('#f-birth').fill('1982-11-23');
    await page.locator('#f-sex').selectOption('2');
    await page.locator('#f-pin').fill('4826');
    await page.locator('#f-password').fill('YUMI2024');
    await page.keyboard.press('Enter');
    await page.locator('#issued-h').waitFor();
    const result = page.locator('#issue-result .result');
    state.cardId = (await result.getAttribute('data-card-id')) ?? undefined;
    state.authSerial = (await result.locator('.auth-serial').textContent()) ?? undefined;
    assert.match(state.cardId ?? '', /^[0-9a-f-]{36}$/);
    await shot('01-office-issued');
    assert.deepEqual(problemsOf('office'), []);
  });

  it('the kiosk without pcscd: the counter readers listed, PC/SC said in a note, no console error', async () => {
    step = 'kiosk-open';
    await page.goto('/kiosk');
    await page.locator('#readers input[value="counter-1"]').waitFor();
    assert.deepEqual(await page.locator('#readers input[name="reader"]').evaluateAll((xs) => xs.map((x) => (x as unknown as { value: string }).value)), ['counter-1', 'counter-2']);
    assert.match((await page.locator('#pcsc-note').textContent()) ?? '', /pcscd.*The counter readers still work.*ERR_KIOSK_PCSC_UNAVAILABLE/);
    assert.equal(await page.locator('#readers .problem').count(), 0);
    assert.equal(await page.locator(`#item-card-${state.cardId}`).count(), 1, 'the card is in the hand list');
    assert.deepEqual(problemsOf('kiosk-open'), []);
  });

  it('the card held to counter-1: a wrong PIN shows the tries left, the right one the certificate of residence', async () => {
    step = 'kiosk-card';
    // Keyboard: the card's radio, the reader's select, the Hold button.
    await page.locator(`#item-card-${state.cardId}`).focus();
    await page.keyboard.press('Space');
    await page.locator('#counter-reader').selectOption('counter-1');
    await page.locator('#hold').focus();
    await page.keyboard.press('Enter');
    await page.locator('#hand-result .result').waitFor();
    assert.match((await page.locator('#hand-result').textContent()) ?? '', /Held to the reader: counter-1 \(Individual Number Card · 中村\u3000由美\)/);
    await page.locator('#readers label:has-text("counter-1 (counter · card present)")').waitFor();
    await shot('02-card-held');
    await startOn('counter-1');
    await page.locator('#kiosk-status .session').waitFor();
    assert.match((await page.locator('#kiosk-status').textContent()) ?? '', /Individual Number Card \(JPKIAPICCTOKEN2\) · counter-1 · Tries left: 3/);
    await typePin('1111');
    await page.locator('#kiosk-result .problem').waitFor();
    const wrong = (await page.locator('#kiosk-result .problem').textContent()) ?? '';
    assert.match(wrong, /Wrong PIN/);
    assert.match(wrong, /Tries left: 2/);
    assert.match(wrong, /ERR_KIOSK_PIN_INCORRECT/);
    assert.equal(await page.locator('#tries-left').textContent(), '2');
    await shot('03-wrong-pin');
    await typePin('4826');
    const { document } = await residenceOnPage();
    assert.deepEqual(document.resident, { name: '中村\u3000由美', address: '愛知県名古屋市中区三の丸3-1-1', birthDate: '1982-11-23', sex: 2 });
    const verification = document.verification as { holder: string; certificateSerial: string; status: string };
    assert.deepEqual([verification.holder, verification.certificateSerial, verification.status], ['card', state.authSerial, 'good']);
    const text = (await page.locator('#kiosk-result').textContent()) ?? '';
    assert.match(text, /Certificate of residence \(sample\)/);
    assert.match(text, /中村\u3000由美/);
    assert.equal((((await api('GET', `/web/v1/cards/${state.cardId}`)).body.pin as { triesLeft: number }).triesLeft), 3, 'the right PIN restored the counter');
    await shot('04-card-residence');
    onlyRefusals('kiosk-card', 1);
  });

  it('a phone with its certificates held to counter-2 (NFC card emulation): a certificate of residence for the phone', async () => {
    step = 'kiosk-phone';
    // The phone set up through the web interface's phone endpoints: made, app installed, prepared, issued with the card.
    const made = await api('POST', '/web/v1/phones', { model: 'Kiosk Phone' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    state.phoneId = String(made.body.id);
    assert.equal((await api('POST', `/web/v1/phones/${state.phoneId}/apps`, { packageName: 'jp.go.jpki.mobile' })).status, 201);
    assert.equal((await api('POST', `/web/v1/phones/${state.phoneId}/preparation`)).status, 200);
    const issued = await api('POST', `/web/v1/phones/${state.phoneId}/issuance`, { cardId: state.cardId, cardPassword: 'YUMI2024', pin: '3579', pinConfirm: '3579', password: 'PHONE2024', passwordConfirm: 'PHONE2024' });
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    state.phoneAuthSerial = String(issued.body.authSerial);

    await page.goto('/kiosk');
    await page.locator(`#item-phone-${state.phoneId}`).check();
    // counter-1 still holds the card: the first empty reader is offered.
    assert.equal(await page.locator('#counter-reader').inputValue(), 'counter-2');
    await page.locator('#hold').focus();
    await page.keyboard.press('Enter');
    await page.locator('#hand-result .result').waitFor();
    assert.match((await page.locator('#hand-result').textContent()) ?? '', /Held to the reader: counter-2 \(Phone · Kiosk Phone\)/);
    await page.locator('#readers label:has-text("counter-2 (counter · card present)")').waitFor();
    assert.equal(await page.locator('#readers input[value="counter-2"]').isChecked(), true, 'the reader just used is chosen');
    await startOn('counter-2');
    await page.locator('#kiosk-status .session').waitFor();
    assert.match((await page.locator('#kiosk-status').textContent()) ?? '', /Phone \(JPKIAPGPSETOKEN\) · counter-2 · Tries left: 3/);
    await typePin('3579');
    const { document } = await residenceOnPage();
    assert.equal((document.resident as { name: string }).name, '中村\u3000由美');
    const verification = document.verification as { holder: string; certificateSerial: string };
    assert.deepEqual([verification.holder, verification.certificateSerial], ['phone', state.phoneAuthSerial]);
    assert.match((await page.locator('#kiosk-result').textContent()) ?? '', /Read fromPhone/);
    await shot('05-phone-residence');
    assert.deepEqual(problemsOf('kiosk-phone'), []);
  });

  it('the office holds the card\u2019s user-authentication certificate (keyboard): the kiosk refuses it as suspended', async () => {
    step = 'office-hold';
    await page.goto('/office');
    await page.locator(`[name="revoke-card"][value="${state.cardId}"]`).waitFor();
    await page.locator('#r-which').selectOption('auth');
    await page.locator('#hold-button').focus();
    await page.keyboard.press('Enter');
    await page.locator('#held-h').waitFor();
    assert.equal(await page.evaluate('document.activeElement?.id'), 'held-h');
    assert.match((await page.locator('#revoke-result').textContent()) ?? '', new RegExp(`User-authentication certificate ${state.authSerial}`));
    await page.locator('#states-button').focus();
    await page.keyboard.press('Enter');
    await page.locator('#revoke-result table').waitFor();
    assert.equal(await page.locator('#revoke-result .status-held').count(), 1);
    assert.equal(await page.locator('#revoke-result .status-good').count(), 1, 'the signature certificate stays good');
    await shot('06-office-held');
    assert.deepEqual(problemsOf('office-hold'), []);

    step = 'kiosk-suspended';
    await new Promise((r) => setTimeout(r, STATUS_REUSE_MS));
    await page.goto('/kiosk');
    await page.locator('#readers input[value="counter-1"]').waitFor();
    await startOn('counter-1');
    await typePin('4826');
    await page.locator('#kiosk-result .problem').waitFor();
    const refused = (await page.locator('#kiosk-result .problem').textContent()) ?? '';
    assert.match(refused, /ERR_RP_CERT_SUSPENDED/);
    assert.match(refused, /suspended/);
    assert.equal(await page.locator('#kiosk-pin').count(), 0, 'the transaction is over');
    assert.equal(await page.locator('#residence-h').count(), 0);
    await shot('07-suspended');
    onlyRefusals('kiosk-suspended', 1);
  });

  it('the office releases the hold (keyboard): the kiosk issues again', async () => {
    step = 'office-release';
    await page.goto('/office');
    await page.locator(`[name="revoke-card"][value="${state.cardId}"]`).waitFor();
    await page.locator('#r-which').selectOption('auth');
    await page.locator('#release-button').focus();
    await page.keyboard.press('Enter');
    await page.locator('#released-h').waitFor();
    assert.match((await page.locator('#revoke-result').textContent()) ?? '', new RegExp(state.authSerial!));
    // Releasing again is refused with the service's code, shown as a problem.
    await page.locator('#release-button').focus();
    await page.keyboard.press('Enter');
    await page.locator('#revoke-result .problem').waitFor();
    assert.match((await page.locator('#revoke-result .problem').textContent()) ?? '', /Not held\..*ERR_JPKI_NOT_HELD/s);
    const seen = problemsOf('office-release');
    assert.equal(seen.length, 1, `the browser reports the refused release, nothing else: ${seen.join('\n')}`);
    assert.match(seen[0]!, /Failed to load resource.*status of 409/);

    step = 'kiosk-released';
    await new Promise((r) => setTimeout(r, STATUS_REUSE_MS));
    await page.goto('/kiosk');
    await page.locator('#readers input[value="counter-1"]').waitFor();
    await startOn('counter-1');
    await typePin('4826');
    const { document } = await residenceOnPage();
    assert.equal((document.verification as { certificateSerial: string }).certificateSerial, state.authSerial);
    await shot('08-released-residence');
    // The person takes the card and the phone away.
    for (const reader of ['counter-1', 'counter-2']) {
      await page.locator('#counter-reader').selectOption(reader);
      await page.locator('#take').focus();
      await page.keyboard.press('Enter');
      await page.locator(`#hand-result:has-text("Taken away: ${reader}")`).waitFor();
    }
    assert.deepEqual(((await api('GET', '/web/v1/counter-readers')).body.readers as { item: unknown }[]).map((r) => r.item), [null, null]);
    assert.deepEqual(problemsOf('kiosk-released'), []);
  });

  it('no page raised an error beyond the refusals asserted above', () => {
    assert.deepEqual(problems.filter((p) => !['kiosk-card', 'kiosk-suspended', 'office-release'].includes(p.step)), []);
  });
});
