import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { OnlineEvent } from '../../src/app/index.js';
import { hasCode } from '../../src/errors/index.js';
import { ISSUED, jpkiOnElement, WIPED } from './support/element-status.js';
import { appletContents, caRecord, holdsKeys, issue, newCard, ocsp, ordersOf, PASSWORD, PIN, portalLogin, preparedHandset, pushRecord, relyingParty, startE2e, type E2e, type Handset } from './support/flows.js';

/**
 * Flow 12, no signature with a revoked key: the office revokes the phone's user-authentication
 * certificate (keyCompromise). Every relying party refuses it at once through OCSP, whatever the applet
 * does; the applet itself refuses to sign with the key once the SP-TSM has told it, at the phone's next
 * contact (a `sync` session marks the certificate revoked: the key is destroyed, signing answers 6984).
 * The signature certificate, still good, keeps working (GET STATUS through the ISD: the applet stays
 * PERSONALIZED, its other key usable); the deletion order that follows, pushed and delivered, wipes the
 * rest (the applet EMPTY).
 * The order desk is run by the test (`ordersIntervalMs: 0`), so that the mark is seen before the wipe.
 */
describe('flow 12: no signature with a revoked key', () => {
  let h: E2e;
  let x: Handset;
  let serials: { auth: string; sign: string };

  before(async () => {
    h = await startE2e({ ordersIntervalMs: 0 });
    x = await preparedHandset(h, 'Phone');
    serials = await issue(x, await newCard(h));
  });
  after(() => h?.stop());

  it('revoked at the office: OCSP says revoked and the portal refuses the login, though the applet does not know yet', async () => {
    const r = await h.api('POST', `/api/v1/certificates/${serials.auth}/revoke`, { reason: 'keyCompromise' }, h.office);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(await ocsp(h, serials.auth, 'auth'), { kind: 'revoked', reason: 'keyCompromise' });
    assert.deepEqual(await ocsp(h, serials.sign, 'sign'), { kind: 'good' });
    const login = await portalLogin(h, x);
    assert.deepEqual([login.status, login.code], [403, 'ERR_RP_CERT_REVOKED']);
    assert.equal(appletContents(x)?.keys['0017'], 'key');
    assert.deepEqual(await jpkiOnElement(h, x), ISSUED);
  });

  it('at the next contact the SP marks it in the applet: the key is destroyed and the applet refuses to sign (6984)', async () => {
    const events: OnlineEvent[] = [];
    await x.app.runOnline({ once: true, onEvent: (e) => events.push(e) });
    assert.deepEqual(events.map((e) => (e.kind === 'sync' ? [e.kind, e.marked, e.wiped] : [e.kind])), [['sync', [serials.auth], false]]);
    assert.deepEqual(appletContents(x)?.keys, { '0017': 'revoked', '001A': 'key' });
    assert.deepEqual(await jpkiOnElement(h, x), ISSUED, 'the signature key is still usable');
    await assert.rejects(x.app.login({ challenge: new Uint8Array(32), pin: PIN }), (e: unknown) => hasCode(e, 'ERR_APP_KEY_UNUSABLE'));
    const status = await x.app.status();
    assert.deepEqual(status.certificates.map((c) => [c.which, c.state, c.reason]), [['auth', 'revoked', 'keyCompromise'], ['sign', 'good', undefined]]);
    assert.match(status.warnings.join('\n'), /user-authentication certificate is revoked \(keyCompromise\): issue new certificates with your card/);
  });

  it('the signature certificate still signs and is accepted', async () => {
    const content = new TextEncoder().encode('application for a certificate of residence');
    const v = await (await relyingParty(h)).verifySignedDocument({ content, cms: await x.app.signDocument({ content, password: PASSWORD }) });
    assert.equal(v.certificate.serialNumber, serials.sign);
  });

  it('the revocation\'s deletion order then reaches the phone by push and wipes the rest', async () => {
    const pass = await h.system.dispatchOrders();
    assert.deepEqual([pass.consumed, pass.sent], [1, 1]);
    const [order] = await ordersOf(h, x.seId);
    assert.deepEqual([order!.state, order!.push.status, order!.serials], ['pending', 'pending', [serials.auth]]);
    assert.equal((await pushRecord(h, order!.push.messageId!)).status, 'pending');
    const events: OnlineEvent[] = [];
    await x.app.runOnline({ once: true, onEvent: (e) => events.push(e) });
    assert.ok(events.some((e) => e.kind === 'push-session' && e.result?.wiped === true), JSON.stringify(events));
    assert.ok(!holdsKeys(x));
    assert.deepEqual(await jpkiOnElement(h, x), WIPED);
    assert.equal((await ordersOf(h, x.seId))[0]!.state, 'done');
    assert.equal((await pushRecord(h, order!.push.messageId!)).status, 'delivered');
    assert.equal((await caRecord(h, serials.sign)).status, 'good', 'the wipe deletes keys; it revokes nothing');
  });
});
