import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../src/app/index.js';
import { hasCode } from '../../src/errors/index.js';
import { ISSUED, jpkiOnElement, WIPED } from './support/element-status.js';
import { appletContents, caRecord, holdsKeys, issue, newCard, ocsp, ordersOf, PIN, preparedHandset, relyingParty, startE2e, type E2e, type Handset } from './support/flows.js';

/**
 * Flow 7, revocation from the phone itself, without the card: the app's `revoke` flow has the applet
 * sign the SP-TSM's holder revocation request with the user-authentication key after the PIN; the CA
 * revokes both phone certificates (cessationOfOperation); the applet is wiped in the same session (GET
 * STATUS through the ISD: the applet EMPTY; no key in it); no push is needed. The
 * order desk is run by the test (`ordersIntervalMs: 0`), so that what the CA's outbox event does
 * afterwards is seen exactly.
 */
describe('flow 7: revocation from the phone, without the card', () => {
  let h: E2e;
  let x: Handset;
  let serials: { auth: string; sign: string };
  let authDer: Uint8Array;

  before(async () => {
    h = await startE2e({ ordersIntervalMs: 0 });
    x = await preparedHandset(h, 'Phone');
    serials = await issue(x, await newCard(h));
    authDer = new Uint8Array(Buffer.from(x.app.data.certificateDer!.auth, 'base64'));
  });
  after(() => h?.stop());

  it('a wrong PIN is refused with the tries left, and nothing is revoked', async () => {
    await assert.rejects(x.app.revoke({ pin: async () => '0000' }), (e: unknown) => e instanceof AppError && e.code === 'ERR_APP_SECRET_WRONG' && e.triesLeft === 2 && /2 tries left/.test(e.message));
    assert.equal(x.app.flowState('revocation'), 'failed');
    assert.equal((await caRecord(h, serials.auth)).status, 'good');
    assert.ok(holdsKeys(x));
    assert.deepEqual(await jpkiOnElement(h, x), ISSUED);
  });

  it('the PIN signs the request: both certificates revoked (cessationOfOperation), the applet wiped in the same session', async () => {
    const result = await x.app.revoke({ pin: async () => PIN });
    assert.deepEqual([...result.revoked].sort(), [serials.auth, serials.sign].sort());
    assert.equal(result.wiped, true);
    assert.equal(x.app.flowState('revocation'), 'revoked');
    for (const [hierarchy, serial] of [['auth', serials.auth], ['sign', serials.sign]] as const) {
      const r = await caRecord(h, serial);
      assert.equal(r.status, 'revoked');
      assert.equal(r.reason, 5);
      assert.deepEqual(await ocsp(h, serial, hierarchy), { kind: 'revoked', reason: 'cessationOfOperation' });
    }
    assert.deepEqual(await jpkiOnElement(h, x), WIPED);
    assert.deepEqual(appletContents(x), { keys: {}, certificates: [], pins: [] });
    assert.equal(x.app.data.certificates, null);
  });

  it('the CA\'s outbox events find the element cleared: the only order is the one done in the session', async () => {
    const pass = await h.system.dispatchOrders();
    assert.equal(pass.consumed, 2);
    assert.equal(pass.sent, 0);
    const orders = await ordersOf(h, x.seId);
    assert.deepEqual(orders.map((o) => [o.state, o.deletion]), [['done', 'confirmed']]);
    // Done in the session the phone opened itself: no push message was sent.
    assert.deepEqual(orders[0]!.push, { status: 'unsent', messageId: null });
    assert.deepEqual(await jpkiOnElement(h, x), WIPED);
  });

  it('a relying party refuses the old certificate; the app has nothing left to revoke or sign with', async () => {
    const rp = await relyingParty(h);
    await assert.rejects(rp.verifyCertificate({ certificate: authDer, use: 'login' }), (e: unknown) => hasCode(e, 'ERR_RP_CERT_REVOKED') && (e as { reason?: string }).reason === 'cessationOfOperation');
    await assert.rejects(x.app.revoke({ pin: async () => PIN }), (e: unknown) => hasCode(e, 'ERR_APP_NOT_ISSUED'));
    await assert.rejects(x.app.login({ challenge: new Uint8Array(16), pin: PIN }), (e: unknown) => hasCode(e, 'ERR_APP_NOT_ISSUED'));
    const status = await x.app.status();
    assert.deepEqual(status.certificates, []);
    assert.deepEqual(status.warnings, []);
  });
});
