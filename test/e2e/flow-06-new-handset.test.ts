import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { OnlineEvent } from '../../src/app/index.js';
import { hasCode } from '../../src/errors/index.js';
import { ISSUED, jpkiOnElement, WIPED } from './support/element-status.js';
import { appletContents, caRecord, holdsKeys, issue, newCard, ocsp, ordersOf, portalLogin, preparedHandset, pushRecord, startE2e, waitFor, type E2e, type Handset } from './support/flows.js';

/**
 * Flow 6, a new handset, end to end in one process over real HTTP: issuance on the new phone supersedes
 * the old phone's certificates (at the CA and in OCSP) with no need for the old phone; the SP-TSM's order
 * desk (running every 2 s, as `jpki-mobile start` runs it) turns the CA's outbox event into a deletion
 * order and a push message; while the old phone is offline the order waits and the new app warns; once
 * the old phone is online its push loop runs the delete session and its applet is wiped. When the old
 * phone stays away past the message's time to live, the new app says deletion is not confirmed, with
 * what to do, and the old phone is wiped at its next contact anyway.
 */

function hasEvent(events: OnlineEvent[], kind: OnlineEvent['kind'], test: (e: never) => boolean = () => true): boolean {
  return events.some((e) => e.kind === kind && test(e as never));
}

describe('flow 6: a new handset, the old phone wiped by push when it comes online', () => {
  let h: E2e;
  let old: Handset;
  let newer: Handset;
  let oldSerials: { auth: string; sign: string };
  let newSerials: { auth: string; sign: string };

  before(async () => {
    h = await startE2e();
    const card = await newCard(h);
    old = await preparedHandset(h, 'Old Phone');
    oldSerials = await issue(old, card);
    newer = await preparedHandset(h, 'New Phone');
    await old.phone.setOnline(false);
    newSerials = await issue(newer, card);
  });
  after(() => h?.stop());

  it('issuance on the new phone supersedes the old certificates at the CA and in OCSP, without the old phone', async () => {
    for (const [hierarchy, serial] of [['auth', oldSerials.auth], ['sign', oldSerials.sign]] as const) {
      const r = await caRecord(h, serial);
      assert.equal(r.status, 'revoked');
      assert.equal(r.reason, 4);
      assert.deepEqual(await ocsp(h, serial, hierarchy), { kind: 'revoked', reason: 'superseded' });
    }
    for (const [hierarchy, serial] of [['auth', newSerials.auth], ['sign', newSerials.sign]] as const) {
      const r = await caRecord(h, serial);
      assert.equal(r.status, 'good');
      assert.equal(r.seId, newer.seId);
      assert.deepEqual(await ocsp(h, serial, hierarchy), { kind: 'good' });
    }
    // Traceable to the same card certificate as the old ones.
    assert.equal((await caRecord(h, newSerials.sign)).linkedSerial, (await caRecord(h, oldSerials.sign)).linkedSerial);
    // The elements: the new one issued; the old one, unreached, still as issued.
    assert.deepEqual(await jpkiOnElement(h, newer), ISSUED);
    assert.deepEqual(await jpkiOnElement(h, old), ISSUED);
  });

  it('while the old phone is offline the deletion order waits, its push message is pending, and the new app warns', async () => {
    const status = await waitFor('the order and its push message', async () => {
      const s = await newer.app.status();
      return s.orders[0]?.push.status === 'pending' ? s : undefined;
    });
    assert.equal(status.orders.length, 1);
    const order = status.orders[0]!;
    assert.equal(order.seId, old.seId);
    assert.equal(order.state, 'pending');
    assert.equal(order.deletion, 'waiting');
    assert.deepEqual([...order.serials].sort(), [oldSerials.auth, oldSerials.sign].sort());
    assert.equal(status.deletionNotConfirmed, false);
    assert.equal(status.warnings.length, 1);
    assert.match(status.warnings[0]!, new RegExp(`old phone \\(secure element ${old.seId}\\) has not deleted its JPKI keys yet`));
    assert.match(status.warnings[0]!, /reset it \(factory reset\) or take it to a shop/);
    assert.deepEqual(status.certificates.map((c) => [c.which, c.serial, c.state]), [['auth', newSerials.auth, 'good'], ['sign', newSerials.sign, 'good']]);
    assert.equal((await pushRecord(h, order.push.messageId!)).status, 'pending');
    // The old phone still holds its keys, and cannot be reached.
    assert.ok(holdsKeys(old));
    await assert.rejects(old.app.runOnline({ once: true }), (e: unknown) => hasCode(e, 'ERR_APP_OFFLINE'));
    assert.ok(holdsKeys(old));
    assert.deepEqual(await jpkiOnElement(h, old), ISSUED);
  });

  it('once online, the old phone\'s push loop runs the delete session: its applet is wiped, the order done, the message delivered', async () => {
    await old.phone.setOnline(true);
    const events: OnlineEvent[] = [];
    const report = await old.app.runOnline({ once: true, onEvent: (e) => events.push(e) });
    assert.equal(report.errors, 0);
    assert.ok(hasEvent(events, 'push-session', (e: { purpose: string; state: string; result?: { wiped?: boolean } }) => e.purpose === 'delete' && e.state === 'completed' && e.result?.wiped === true), JSON.stringify(events));
    // The contact session after it has nothing left to do.
    assert.ok(hasEvent(events, 'sync', (e: { wiped: boolean }) => !e.wiped));
    assert.deepEqual(await jpkiOnElement(h, old), WIPED);
    assert.deepEqual(appletContents(old), { keys: {}, certificates: [], pins: [] });
    assert.equal(old.app.data.certificates, null);
    const [order] = await ordersOf(h, old.seId);
    assert.equal(order!.state, 'done');
    assert.equal(order!.deletion, 'confirmed');
    const record = await pushRecord(h, order!.push.messageId!);
    assert.equal(record.status, 'delivered');
    assert.ok(record.deliveredAt);
    const status = await newer.app.status();
    assert.deepEqual(status.warnings, []);
    assert.equal(status.orders[0]!.deletion, 'confirmed');
  });

  it('the new phone logs in at the portal; the old phone has nothing left to sign with', async () => {
    const login = await portalLogin(h, newer);
    assert.equal(login.status, 201);
    assert.equal(login.serial, newSerials.auth);
    await assert.rejects(old.app.login({ challenge: new Uint8Array(32), pin: '2468' }), (e: unknown) => hasCode(e, 'ERR_APP_NOT_ISSUED'));
  });
});

describe('flow 6: the old phone stays away past the push message\'s time to live', () => {
  let h: E2e;
  let old: Handset;
  let newer: Handset;

  before(async () => {
    h = await startE2e({ tsm: { pushTtlSeconds: 1 } });
    const card = await newCard(h, { name: '鈴木\u3000一郎' });
    old = await preparedHandset(h, 'Old Phone');
    await issue(old, card);
    newer = await preparedHandset(h, 'New Phone');
    await old.phone.setOnline(false);
    await issue(newer, card);
  });
  after(() => h?.stop());

  it('the order stays pending, the message expires, and the new app says deletion is not confirmed, with what to do', async () => {
    const status = await waitFor('the expired push message', async () => {
      const s = await newer.app.status();
      return s.deletionNotConfirmed ? s : undefined;
    });
    const order = status.orders[0]!;
    assert.equal(order.state, 'pending');
    assert.equal(order.push.status, 'expired');
    assert.equal(order.deletion, 'not-confirmed');
    assert.match(status.warnings[0]!, /is not confirmed: the phone could not be reached \(push expired\)\. Reset the old phone \(factory reset\), or take it to a shop/);
    assert.equal((await pushRecord(h, order.push.messageId!)).status, 'expired');
    assert.ok(holdsKeys(old));
    assert.deepEqual(await jpkiOnElement(h, old), ISSUED);
  });

  it('a time to live that is not a whole number of seconds in range is refused at start', async () => {
    for (const pushTtlSeconds of [-1, 1.5, 2_419_201, '60']) {
      await assert.rejects(startE2e({ tsm: { pushTtlSeconds } }), (e: unknown) => hasCode(e, 'ERR_HOME_CONFIG'), String(pushTtlSeconds));
    }
  });

  it('at its next contact the old phone is wiped anyway (no message left: the sync session does it)', async () => {
    await old.phone.setOnline(true);
    const events: OnlineEvent[] = [];
    await old.app.runOnline({ once: true, onEvent: (e) => events.push(e) });
    assert.ok(!hasEvent(events, 'push-session'), 'the expired message is not delivered');
    assert.ok(hasEvent(events, 'sync', (e: { wiped: boolean }) => e.wiped), JSON.stringify(events));
    assert.ok(!holdsKeys(old));
    assert.deepEqual(await jpkiOnElement(h, old), WIPED);
    const status = await newer.app.status();
    assert.equal(status.orders[0]!.deletion, 'confirmed');
    assert.deepEqual(status.warnings, []);
  });
});
