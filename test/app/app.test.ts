import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { AppError, JpkiApp, parsePushMessage, createAppSigningIdentity, shopCheck, withApplet, type IssuanceInput } from '../../src/app/index.js';
import { hasCode } from '../../src/errors/index.js';
import { MemoryChallengeStore, RelyingParty } from '../../src/sdk/index.js';
import { anchors, appCertificate, CARD_PASSWORD, installApp, newCard, newPhone, startHome, type SystemHarness, type TestPhone } from './helpers.js';

/**
 * The JPKI app on a phone against the running system, flow after flow: preparation through the OS's SE
 * agent, issuance with the card held to the phone, the user's own PIN and password, login with the PIN
 * and with a fingerprint, a CMS signature, the user-facing errors, access control on the app's OMAPI
 * path, enrolment change, factory reset and the shop counter check.
 */

const PIN = '4321';
const PASSWORD = 'MYPASS99';

function issuanceInput(card: IssuanceInput['card'], cardPassword = CARD_PASSWORD): IssuanceInput {
  return {
    card,
    cardPassword: async () => cardPassword,
    newSecrets: async () => ({ pin: PIN, pinConfirm: PIN, password: PASSWORD, passwordConfirm: PASSWORD }),
  };
}

describe('the JPKI app, flows 2-5, 10 and 11', () => {
  let h: SystemHarness;
  let p: TestPhone;
  let app: JpkiApp;
  let portal: RelyingParty;

  before(async () => {
    h = await startHome();
    p = await newPhone(h);
    const a = await anchors(h);
    portal = new RelyingParty({ trustAnchors: a, rpId: 'portal.example.jp', login: { challengeStore: new MemoryChallengeStore() } });
  });
  after(async () => {
    await h?.system.stop();
    if (h) rmSync(h.home, { recursive: true, force: true });
  });

  it('shop check: a new phone is clean', async () => {
    const report = await shopCheck(p.phone.nfc, { relyingParty: portal });
    assert.equal(report.verdict, 'clean');
  });

  it('flow 2: install, push token, app instance, preparation through the SE agent', async () => {
    app = await installApp(h, p);
    const outcome = await app.prepare();
    assert.equal(outcome.session.state, 'completed');
    assert.equal(app.flowState('preparation'), 'ready');
    assert.match(app.data.pushToken ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.equal(app.data.seId, p.seId);
    // The credential is kept sealed under the keystore, never in clear.
    assert.ok(app.data.sealedCredential);
    assert.ok(!JSON.stringify(app.data).includes(await app.credential()));
    await assert.rejects(app.prepare(), (e: unknown) => hasCode(e, 'ERR_APP_ILLEGAL_TRANSITION'));
  });

  it('flow 3: a wrong card password says how many tries are left', async () => {
    const card = await newCard(h);
    await assert.rejects(app.issue(issuanceInput(card, 'WRONG11')), (e: unknown) => e instanceof AppError && e.code === 'ERR_APP_CARD_PASSWORD_WRONG' && e.triesLeft === 4 && /4 tries left/.test(e.message));
    assert.equal(app.flowState('issuance'), 'failed');
  });

  it('flow 3: issuance with the card, then the user\'s own PIN and password', async () => {
    const card = await newCard(h);
    const result = await app.issue(issuanceInput(card));
    assert.match(result.authSerial, /^[0-9A-F]+$/);
    assert.equal(app.flowState('issuance'), 'issued');
    assert.deepEqual(app.data.certificates, { auth: result.authSerial, sign: result.signSerial });
  });

  it('flow 4: login with the PIN, verified by the relying party', async () => {
    const challenge = await portal.generateLoginChallenge();
    const r = await app.login({ challenge: challenge.bytes, pin: PIN });
    const v = await portal.verifyLoginResponse({ challenge: challenge.encoded, certificate: r.certificate, signature: r.signature });
    assert.equal(v.kind, 'phone-auth');
    assert.equal(v.status.state, 'good');
    assert.equal(app.flowState('use'), 'done');
  });

  it('flow 4: a wrong PIN shows the tries left', async () => {
    const challenge = await portal.generateLoginChallenge();
    await assert.rejects(app.login({ challenge: challenge.bytes, pin: '0000' }), (e: unknown) => e instanceof AppError && e.code === 'ERR_APP_SECRET_WRONG' && e.triesLeft === 2 && /2 tries left/.test(e.message));
    // The right PIN puts the counter back.
    await app.login({ challenge: challenge.bytes, pin: PIN });
  });

  it('flow 4: fingerprint unlock, then an enrolment change turns it off with a clear message', async () => {
    await p.phone.biometrics.enrol('right thumb');
    await app.enableBiometricUnlock({ pin: PIN, finger: 'right thumb' });
    const challenge = await portal.generateLoginChallenge();
    const r = await app.login({ challenge: challenge.bytes, finger: 'right thumb' });
    assert.equal(r.via, 'fingerprint');
    const v = await portal.verifyLoginResponse({ challenge: challenge.encoded, certificate: r.certificate, signature: r.signature });
    assert.equal(v.kind, 'phone-auth');
    await assert.rejects(app.login({ challenge: challenge.bytes, finger: 'left index' }), (e: unknown) => hasCode(e, 'ERR_APP_BIOMETRIC_FAILED'));

    await p.phone.biometrics.enrol('left index');
    const c2 = await portal.generateLoginChallenge();
    await assert.rejects(app.login({ challenge: c2.bytes, finger: 'right thumb' }), (e: unknown) => e instanceof AppError && e.code === 'ERR_APP_BIOMETRIC_UNAVAILABLE' && /enter your PIN/.test(e.message));
    assert.equal(app.data.biometric, null);
    // The PIN still works.
    const r2 = await app.login({ challenge: c2.bytes, pin: PIN });
    assert.equal(r2.via, 'pin');
  });

  it('flow 4: a CMS signature with the signature key, verified by the relying party', async () => {
    const content = new TextEncoder().encode('application for a certificate of residence');
    const cms = await app.signDocument({ content, password: PASSWORD });
    const v = await portal.verifySignedDocument({ content, cms });
    assert.equal(v.kind, 'phone-sign');
    assert.equal(v.basicFour.birthDate, '1990-01-02');
    await assert.rejects(app.signDocument({ content, password: 'WRONG99' }), (e: unknown) => e instanceof AppError && e.code === 'ERR_APP_SECRET_WRONG' && e.triesLeft === 4);
  });

  it('flow 5 (local): the PIN changed with the current one; format and confirmation checked first', async () => {
    await assert.rejects(app.changeSecret({ which: 'pin', current: PIN, next: '12a4', confirm: '12a4' }), (e: unknown) => hasCode(e, 'ERR_APP_SECRET_FORMAT'));
    await assert.rejects(app.changeSecret({ which: 'pin', current: PIN, next: '1111', confirm: '2222' }), (e: unknown) => hasCode(e, 'ERR_APP_SECRET_FORMAT'));
    await app.changeSecret({ which: 'pin', current: PIN, next: '9876', confirm: '9876' });
    const c = await portal.generateLoginChallenge();
    await assert.rejects(app.login({ challenge: c.bytes, pin: PIN }), (e: unknown) => hasCode(e, 'ERR_APP_SECRET_WRONG'));
    await app.changeSecret({ which: 'pin', current: '9876', next: PIN, confirm: PIN });
    assert.equal(app.flowState('secret-change'), 'changed');
  });

  it('access control: an app signed with another certificate cannot open a channel to the applet', async () => {
    const other = createAppSigningIdentity({ commonName: 'not the JPKI app' });
    await p.phone.installApp({ packageName: 'com.example.impostor', signingCertificates: [other.certificate] });
    await assert.rejects(
      withApplet(p.phone.openSeService('com.example.impostor'), async () => undefined),
      (e: unknown) => hasCode(e, 'ERR_OMAPI_ACCESS_DENIED'),
    );
    // The real app reaches it on the same phone.
    assert.equal(await withApplet(app.openSeService(), (c) => c.tokenLabel()), 'JPKIAPGPSETOKEN');
  });

  it('push: a tsm-session message is checked before anything runs', async () => {
    await assert.rejects(app.handlePush({ type: 'wipe-everything' }), (e: unknown) => hasCode(e, 'ERR_APP_PUSH_MESSAGE'));
    await assert.rejects(app.handlePush({ type: 'tsm-session', purpose: 'Bad Purpose' }), (e: unknown) => hasCode(e, 'ERR_APP_PUSH_MESSAGE'));
    await assert.rejects(app.handlePush({ type: 'tsm-session', purpose: 'delete', orderId: 'ord 1' }), (e: unknown) => hasCode(e, 'ERR_APP_PUSH_MESSAGE'));
    // The SP-TSM's deletion order message (src/services/tsm/sp/order-desk.ts) is understood.
    assert.deepEqual(parsePushMessage({ type: 'tsm-session', purpose: 'delete', orderId: 'ord_0a1b2c' }), { type: 'tsm-session', purpose: 'delete', orderId: 'ord_0a1b2c' });
  });

  it('offline: the user is told to connect', async () => {
    await p.phone.setOnline(false);
    const other = await newPhone(h, 'Offline Phone');
    await other.phone.setOnline(false);
    const offlineApp = await installApp(h, other);
    await assert.rejects(offlineApp.prepare(), (e: unknown) => e instanceof AppError && e.code === 'ERR_APP_OFFLINE' && /connect and try again/.test(e.message));
    await p.phone.setOnline(true);
  });

  it('flow 11 then flow 10: certificates present (valid); factory reset: notice delivered, certificates revoked, element clean', async () => {
    const before = await shopCheck(p.phone.nfc, { relyingParty: portal, pin: PIN });
    assert.equal(before.verdict, 'certificates present (valid)');
    assert.equal(before.tokenLabel, 'JPKIAPGPSETOKEN');
    assert.equal(before.authSerial, app.data.certificates!.auth);
    const unknown = await shopCheck(p.phone.nfc, { relyingParty: portal });
    assert.equal(unknown.verdict, 'certificates present (status unknown)');
    await p.phone.nfc.powerOff(); // lifted from the shop's reader

    const report = await p.phone.factoryReset();
    // The push agent told the push service; the SE agent's notice was taken and the clean-up ran.
    assert.deepEqual([...report.completed].sort(), ['jpki-se-agent', 'push-agent']);
    assert.deepEqual(report.pending, []);
    assert.equal(p.phone.pendingResetNotices.length, 0);
    assert.equal(p.phone.app(app.packageName), undefined);
    const status = await h.api('GET', `/api/v1/certificates/${app.data.certificates!.auth}`, undefined, h.admin);
    assert.equal(status.json.status, 'revoked');
    assert.equal(status.json.reason, 5);
    const after = await shopCheck(p.phone.nfc, { relyingParty: portal });
    assert.equal(after.verdict, 'clean');
    // The app's data belongs to the wiped installation: a new install starts afresh.
    const again = await JpkiApp.install({ phone: p.phone, store: p.appStore, signingCertificate: await appCertificate(h), serverUrl: h.url });
    assert.equal(again.flowState('preparation'), undefined);
    assert.equal(again.data.appInstanceId, null);
  });
});
