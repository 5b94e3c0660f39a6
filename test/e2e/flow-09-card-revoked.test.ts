import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { OnlineEvent } from '../../src/app/index.js';
import type { IdCard } from '../../src/devices/id-card/index.js';
import { hasCode } from '../../src/errors/index.js';
import { ISSUED, jpkiOnElement, WIPED } from './support/element-status.js';
import { appletContents, caRecord, holdsKeys, issue, newCard, ocsp, ordersOf, portalLogin, preparedHandset, pushRecord, startE2e, waitFor, type E2e, type Handset } from './support/flows.js';

/**
 * Flow 9, the card certificate revoked at the municipal office (here an address change,
 * affiliationChanged): every phone certificate linked to it is revoked with it in the same transaction,
 * OCSP says so at once, and the deletion is ordered; the order desk (every 2 s, as in `jpki-mobile
 * start`) pushes it (delivered, at the push service), and the phone's push loop wipes the applet (GET
 * STATUS through the ISD: EMPTY). The revoked card can no longer authorise an issuance.
 */
describe('flow 9: the card certificate revoked at the office', () => {
  let h: E2e;
  let x: Handset;
  let card: IdCard;
  let serials: { auth: string; sign: string };
  let cardSerial: string;

  before(async () => {
    h = await startE2e();
    card = await newCard(h);
    x = await preparedHandset(h, 'Phone');
    serials = await issue(x, card);
    cardSerial = (await caRecord(h, serials.sign)).linkedSerial!;
    assert.equal((await caRecord(h, cardSerial)).device, 'card');
  });
  after(() => h?.stop());

  it('the office revokes the card\'s signature certificate: both phone certificates are revoked with it, and OCSP says so', async () => {
    const r = await h.api('POST', `/api/v1/certificates/${cardSerial}/revoke`, { reason: 'affiliationChanged' }, h.office);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual([...(r.json.revoked as string[])].sort(), [cardSerial, serials.auth, serials.sign].sort());
    assert.deepEqual(await ocsp(h, cardSerial, 'sign'), { kind: 'revoked', reason: 'affiliationChanged' });
    for (const [hierarchy, serial] of [['auth', serials.auth], ['sign', serials.sign]] as const) {
      assert.deepEqual([(await caRecord(h, serial)).status, (await caRecord(h, serial)).reason], ['revoked', 3]);
      assert.deepEqual(await ocsp(h, serial, hierarchy), { kind: 'revoked', reason: 'affiliationChanged' });
    }
    const login = await portalLogin(h, x);
    assert.deepEqual([login.status, login.code], [403, 'ERR_RP_CERT_REVOKED']);
    assert.deepEqual(await jpkiOnElement(h, x), ISSUED, 'the element is not reached yet');
  });

  it('the deletion is ordered and pushed; the phone\'s push loop wipes its applet', async () => {
    const order = await waitFor('the deletion order\'s push message', async () => (await ordersOf(h, x.seId)).find((o) => o.push.status === 'pending'));
    assert.equal(order.reason, 3);
    assert.deepEqual([...order.serials].sort(), [serials.auth, serials.sign].sort());
    assert.ok(holdsKeys(x));
    const events: OnlineEvent[] = [];
    await x.app.runOnline({ once: true, onEvent: (e) => events.push(e) });
    assert.ok(events.some((e) => e.kind === 'push-session' && e.purpose === 'delete' && e.result?.wiped === true), JSON.stringify(events));
    assert.ok(!holdsKeys(x));
    assert.deepEqual(await jpkiOnElement(h, x), WIPED);
    assert.equal(x.app.data.certificates, null);
    const done = (await ordersOf(h, x.seId)).find((o) => o.orderId === order.orderId)!;
    assert.deepEqual([done.state, done.deletion], ['done', 'confirmed']);
    assert.equal((await pushRecord(h, order.push.messageId!)).status, 'delivered');
  });

  it('the revoked card cannot authorise a new issuance', async () => {
    await assert.rejects(issue(x, card), (e: unknown) => hasCode(e, 'ERR_APP_ISSUANCE_REFUSED'));
    assert.equal(x.app.flowState('issuance'), 'failed');
    // The keys generated for the refused application have no certificate: nothing usable was written.
    assert.deepEqual(appletContents(x)?.certificates, []);
    assert.deepEqual(await jpkiOnElement(h, x), WIPED, 'the applet holds no usable key');
  });
});
