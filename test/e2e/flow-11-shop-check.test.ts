import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { shopCheck } from '../../src/app/index.js';
import { issue, newCard, PIN, preparedHandset, relyingParty, startE2e, type E2e, type Handset } from './support/flows.js';
import type { IdCard } from '../../src/devices/id-card/index.js';
import type { RelyingParty } from '../../src/sdk/index.js';

/**
 * Flow 11, the shop counter check, end to end: the shop terminal meets the phone over NFC. A phone with
 * no certificates is clean; an issued phone has certificates present (valid); a phone superseded by a
 * new handset and not reached yet has them present (revoked); once its keys are deleted it is clean.
 */
describe('flow 11: the shop counter check', () => {
  let h: E2e;
  let old: Handset;
  let rp: RelyingParty;
  let card: IdCard;

  before(async () => {
    h = await startE2e({ ordersIntervalMs: 0 });
    old = await preparedHandset(h, 'Old Phone');
    rp = await relyingParty(h);
  });
  after(() => h?.stop());

  it('a prepared phone with no certificate is clean; an issued one has certificates present (valid)', async () => {
    assert.equal((await shopCheck(old.phone.nfc, { relyingParty: rp })).verdict, 'clean');
    card = await newCard(h);
    const serials = await issue(old, card);
    const r = await shopCheck(old.phone.nfc, { relyingParty: rp, pin: PIN });
    assert.deepEqual([r.verdict, r.authSerial], ['certificates present (valid)', serials.auth]);
  });

  it('superseded by a new handset and not reached yet: certificates present (revoked); deleted at its next contact: clean', async () => {
    const newer = await preparedHandset(h, 'New Phone');
    await issue(newer, card);
    const r = await shopCheck(old.phone.nfc, { relyingParty: rp, pin: PIN });
    assert.deepEqual([r.verdict, r.reason], ['certificates present (revoked)', 'ERR_RP_CERT_REVOKED']);
    await h.system.dispatchOrders();
    await old.app.runOnline({ once: true });
    assert.equal((await shopCheck(old.phone.nfc, { relyingParty: rp, pin: PIN })).verdict, 'clean');
  });
});
