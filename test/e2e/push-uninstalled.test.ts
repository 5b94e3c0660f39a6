import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { caRecord, holdsKeys, issue, newCard, ordersOf, preparedHandset, pushRecord, startE2e, type E2e, type Handset } from './support/flows.js';

/**
 * A push to an uninstalled app is reported dead (issue 6), end to end in one process over real HTTP.
 * The JPKI app is removed from a phone holding certificates; a new handset is issued for the same person,
 * so the SP-TSM's order desk orders the old phone's deletion by push. The phone's push component tells
 * the push service the app is gone — at its next contact when the removal happened offline (the message
 * already sent then fails, `app-removed`, and its sender reads it), at once when online (the send is
 * refused: the token is dead). Either way the order is `not-confirmed` and the new phone's app warns.
 */

describe('a push to an uninstalled JPKI app is reported dead', () => {
  let h: E2e;

  before(async () => {
    h = await startE2e({ ordersIntervalMs: 0 });
  });
  after(() => h?.stop());

  /** An old phone issued for `name`, and a new handset (prepared, not yet issued) with the card. */
  async function oldAndNew(name: string) {
    const card = await newCard(h, { name });
    const old = await preparedHandset(h, 'Old Phone');
    const oldSerials = await issue(old, card);
    const newer = await preparedHandset(h, 'New Phone');
    return { card, old, oldSerials, newer };
  }

  async function theOrder(old: Handset) {
    const orders = await ordersOf(h, old.seId);
    assert.equal(orders.length, 1, JSON.stringify(orders));
    return orders[0]!;
  }

  it('removed offline: the deletion message fails (app-removed) at the phone\'s next contact; the order is not-confirmed, the new app warns', async () => {
    const { card, old, oldSerials, newer } = await oldAndNew('佐藤\u3000花子');
    await old.phone.setOnline(false);
    await old.phone.uninstallApp(old.app.packageName);
    assert.equal(old.phone.app(old.app.packageName), undefined);
    assert.deepEqual(await old.push.pendingRemovals(), [old.app.packageName], 'kept for the next contact');

    await issue(newer, card);
    assert.equal((await caRecord(h, oldSerials.auth)).status, 'revoked', 'superseded without the old phone');
    await h.system.dispatchOrders();
    const sent = await theOrder(old);
    assert.equal(sent.push.status, 'pending');
    assert.ok(sent.push.messageId);
    assert.equal((await pushRecord(h, sent.push.messageId)).status, 'pending');
    assert.equal((await newer.app.status()).deletionNotConfirmed, false, 'still waiting for the phone');

    // The old phone comes back: its push component tells the removal before it polls.
    await old.phone.setOnline(true);
    const report = await old.push.deliverOnce(h.url, 0);
    assert.equal(report.received, 0, 'nothing is handed over for the removed app');
    assert.deepEqual(await old.push.pendingRemovals(), []);

    // The sender's delivery status.
    const status = await h.get(`/push/v1/messages/${sent.push.messageId}`, h.spPush);
    assert.equal(status.status, 200);
    assert.equal(status.json.status, 'failed');
    assert.equal(status.json.failureReason, 'app-removed');
    assert.equal(status.json.deliveredAt, null);
    assert.ok(status.json.failedAt);
    // The administrator's listing (the inspector's).
    const listing = await h.get('/push/v1/messages?status=failed&sender=sp-tsm', h.admin);
    assert.equal(listing.status, 200);
    const row = (listing.json.messages as { id: string; status: string; failureReason: string; collapseKey: string; deviceId: string }[]).find((m) => m.id === sent.push.messageId);
    assert.ok(row, JSON.stringify(listing.json));
    assert.deepEqual([row.status, row.failureReason, row.collapseKey], ['failed', 'app-removed', 'tsm-delete']);
    // A new send to the token is refused: it is dead.
    const again = await h.api('POST', '/push/v1/messages', { token: old.app.data.pushToken, data: { type: 'tsm-session', purpose: 'delete' } }, h.spPush);
    assert.equal(again.status, 410);
    assert.equal(again.json.code, 'ERR_PUSH_UNREGISTERED');

    // The SP-TSM follows the status: the order cannot be confirmed, and the new phone's app says so.
    await h.system.dispatchOrders();
    const order = await theOrder(old);
    assert.equal(order.state, 'pending');
    assert.equal(order.push.status, 'failed');
    assert.equal(order.deletion, 'not-confirmed');
    const seen = await newer.app.status();
    assert.equal(seen.deletionNotConfirmed, true);
    assert.equal(seen.orders[0]!.push.status, 'failed');
    assert.match(seen.warnings[0]!, new RegExp(`old phone \\(secure element ${old.seId}\\) is not confirmed: the phone could not be reached \\(push failed\\)\\. Reset the old phone \\(factory reset\\), or take it to a shop`));
    // Nothing deleted the keys on the old phone: only its reset or a shop can now.
    assert.ok(holdsKeys(old));
  });

  it('removed online: the token dies at once; the SP-TSM\'s send is refused as dead, the order is not-confirmed, the new app warns', async () => {
    const { card, old, newer } = await oldAndNew('田中\u3000次郎');
    const token = old.app.data.pushToken!;
    await old.phone.uninstallApp(old.app.packageName);
    assert.deepEqual(await old.push.pendingRemovals(), []);

    await issue(newer, card);
    await h.system.dispatchOrders();
    const order = await theOrder(old);
    assert.equal(order.state, 'pending');
    assert.equal(order.push.status, 'failed');
    assert.equal(order.push.messageId, null, 'the push service refused the message');
    assert.equal(order.deletion, 'not-confirmed');
    const seen = await newer.app.status();
    assert.equal(seen.deletionNotConfirmed, true);
    assert.match(seen.warnings[0]!, /is not confirmed: the phone could not be reached \(push failed\)/);

    const refused = await h.api('POST', '/push/v1/messages', { token, data: { type: 'tsm-session', purpose: 'delete' } }, h.spPush);
    assert.equal(refused.status, 410);
    assert.equal(refused.json.code, 'ERR_PUSH_UNREGISTERED');
    assert.match(String(refused.json.detail), /app removed|app-removed/);
  });
});
