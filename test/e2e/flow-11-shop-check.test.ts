import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { shopCheck } from '../../src/app/index.js';
import type { IdCard } from '../../src/devices/id-card/index.js';
import type { RelyingParty } from '../../src/sdk/index.js';
import { newPhone } from '../app/helpers.js';
import { ISSUED, jpkiOnElement, NO_JPKI, PREPARED, WIPED } from './support/element-status.js';
import { caRecord, issue, newCard, ocsp, ordersOf, PIN, preparedHandset, pushRecord, relyingParty, startE2e, type E2e, type Handset } from './support/flows.js';

/**
 * Flow 11, the shop counter check, end to end: the shop terminal meets the phone over NFC. A phone as
 * its maker made it, or prepared with no certificates, is clean; an issued phone has certificates present
 * (valid); a phone superseded by a new handset and not reached yet has them present (revoked); once its
 * keys are deleted (by push) it is clean. Each verdict is set beside what the issuer sees: the element's
 * contents by GET STATUS through the ISD, and the certificates at the CA and in OCSP.
 */
describe('flow 11: the shop counter check', () => {
  let h: E2e;
  let old: Handset;
  let rp: RelyingParty;
  let card: IdCard;
  let serials: { auth: string; sign: string };

  before(async () => {
    h = await startE2e({ ordersIntervalMs: 0 });
    old = await preparedHandset(h, 'Old Phone');
    rp = await relyingParty(h);
  });
  after(() => h?.stop());

  it('a phone as its maker made it is clean: GET STATUS finds no JPKI security domain or applet', async () => {
    const fresh = await newPhone(h, 'Shop Phone');
    assert.deepEqual(await jpkiOnElement(h, fresh), NO_JPKI);
    assert.equal((await shopCheck(fresh.phone.nfc, { relyingParty: rp })).verdict, 'clean');
  });

  it('a prepared phone with no certificate is clean; an issued one has certificates present (valid), good at the CA and in OCSP', async () => {
    assert.deepEqual(await jpkiOnElement(h, old), PREPARED);
    assert.equal((await shopCheck(old.phone.nfc, { relyingParty: rp })).verdict, 'clean');
    card = await newCard(h);
    serials = await issue(old, card);
    const r = await shopCheck(old.phone.nfc, { relyingParty: rp, pin: PIN });
    assert.deepEqual([r.verdict, r.authSerial], ['certificates present (valid)', serials.auth]);
    assert.deepEqual(await jpkiOnElement(h, old), ISSUED);
    for (const [hierarchy, serial] of [['auth', serials.auth], ['sign', serials.sign]] as const) {
      assert.deepEqual([(await caRecord(h, serial)).status, (await caRecord(h, serial)).seId], ['good', old.seId]);
      assert.deepEqual(await ocsp(h, serial, hierarchy), { kind: 'good' });
    }
  });

  it('superseded by a new handset and not reached yet: certificates present (revoked); deleted at its next contact: clean', async () => {
    const newer = await preparedHandset(h, 'New Phone');
    await issue(newer, card);
    const r = await shopCheck(old.phone.nfc, { relyingParty: rp, pin: PIN });
    assert.deepEqual([r.verdict, r.reason], ['certificates present (revoked)', 'ERR_RP_CERT_REVOKED']);
    assert.deepEqual(await ocsp(h, serials.auth, 'auth'), { kind: 'revoked', reason: 'superseded' });
    assert.deepEqual(await jpkiOnElement(h, old), ISSUED, 'still on the element');
    const pass = await h.system.dispatchOrders();
    assert.equal(pass.sent, 1);
    const [order] = await ordersOf(h, old.seId);
    assert.equal((await pushRecord(h, order!.push.messageId!)).status, 'pending');
    await old.app.runOnline({ once: true });
    assert.equal((await pushRecord(h, order!.push.messageId!)).status, 'delivered');
    assert.deepEqual((await ordersOf(h, old.seId)).map((o) => [o.state, o.deletion]), [['done', 'confirmed']]);
    assert.deepEqual(await jpkiOnElement(h, old), WIPED);
    assert.equal((await shopCheck(old.phone.nfc, { relyingParty: rp, pin: PIN })).verdict, 'clean');
  });
});
