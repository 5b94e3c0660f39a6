import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { StoreError, verifyAudit } from '../../../src/store/index.js';
import { startJpki, type JpkiHarness } from '../../helpers/jpki.js';
import { forEachDialect } from '../../helpers/postgres.js';
import { assertStates, tracked } from './support/status.js';
import { auditHeadSeq, certificateRow, outboxRows } from './support/store.js';
import { World } from './support/world.js';

/**
 * Issue 3, "Done when" 4 (cascade and supersede): the final state of each rule in the store (SQL on
 * certificates, outbox, audit_log), in OCSP and in the CRL — cascade from a card signature
 * certificate, supersede by a new handset, re-issuance onto the same element, one active phone
 * certificate per type and person (held by the database), and card renewal.
 */

forEachDialect('JPKI rules: cascade, supersede, one phone per person, card renewal', (ctx) => {
  let h: JpkiHarness;
  let w: World;

  before(async () => {
    h = await startJpki({ database: await ctx.freshConfig() });
    w = await World.of(h);
  });
  after(async () => {
    await h?.stop();
  });

  it('cascade: revoking a card signature certificate revokes its phone certificates in the same transaction and orders their deletion', async () => {
    const card = await w.card();
    const phone = await w.phone(card, 'SE-CASCADE-1');
    for (const serial of [phone.signSerial, phone.authSerial]) {
      const row = await certificateRow(h.db, serial);
      assert.equal(row.linked_serial, card.signSerial, 'linked to the card signature certificate');
      assert.equal(row.card_id, card.cardId);
      assert.equal(row.se_id, 'SE-CASCADE-1');
      assert.equal(row.device, 'phone');
    }
    // A held phone certificate goes with the card too.
    assert.equal((await h.api('POST', `/api/v1/certificates/${phone.authSerial}/hold`, undefined, h.tokens.callCentre)).status, 200);
    const outboxBefore = (await outboxRows(h.db)).length;
    const seqBefore = await auditHeadSeq(h.db);

    const res = await h.api('POST', `/api/v1/certificates/${card.signSerial}/revoke`, { reason: 'keyCompromise' }, h.tokens.office);
    assert.equal(res.status, 200);
    assert.deepEqual(new Set(res.json.revoked), new Set([card.signSerial, phone.signSerial, phone.authSerial]));

    const cardRow = await certificateRow(h.db, card.signSerial);
    for (const serial of [phone.signSerial, phone.authSerial]) {
      const row = await certificateRow(h.db, serial);
      assert.equal(row.revoked_at, cardRow.revoked_at, 'revoked at the same instant as the card certificate');
    }
    const events = (await outboxRows(h.db)).slice(outboxBefore);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.kind, 'phone-keys-delete');
    assert.equal(events[0]!.se_id, 'SE-CASCADE-1');
    assert.equal(events[0]!.person_id, card.personId);
    assert.deepEqual(new Set(JSON.parse(events[0]!.serials) as string[]), new Set([phone.signSerial, phone.authSerial]));
    assert.equal(Number(events[0]!.reason), 5);
    assert.equal(events[0]!.done_at, null);
    const audit = await h.db.query<{ seq: number; action: string; subject: string }>('SELECT seq, action, subject FROM audit_log WHERE seq > $1 ORDER BY seq', [seqBefore]);
    assert.deepEqual(audit.map((a) => a.action), ['certificate-revoked', 'certificate-revoked', 'certificate-revoked']);
    assert.equal(audit[0]!.subject, card.signSerial);

    const c = tracked(card);
    const p = tracked(phone);
    await assertStates(h, [
      [c.sign, 1, 'card signature: keyCompromise'],
      [c.auth, 'good', 'card authentication: untouched'],
      [p.sign, 5, 'phone signature: cascaded (cessationOfOperation)'],
      [p.auth, 5, 'phone authentication (was held): cascaded'],
    ]);
  });

  it('supersede: a new handset revokes the old one (superseded) and orders deletion on the old element only; the same element gets no order', async () => {
    const card = await w.card({ name: '鈴木\u3000一郎', address: '北海道札幌市中央区北1条西2-1', birthDate: '1975-04-01' });
    const first = await w.phone(card, 'SE-OLD');
    const outbox0 = (await outboxRows(h.db)).length;
    const second = await w.phone(card, 'SE-NEW');
    assert.deepEqual(new Set(second.superseded), new Set([first.signSerial, first.authSerial]));
    const events = (await outboxRows(h.db)).slice(outbox0);
    assert.ok(events.length > 0);
    assert.ok(events.every((e) => e.kind === 'phone-keys-delete' && e.se_id === 'SE-OLD' && Number(e.reason) === 4 && e.person_id === card.personId));
    assert.deepEqual(new Set(events.flatMap((e) => JSON.parse(e.serials) as string[])), new Set([first.signSerial, first.authSerial]));

    const c = tracked(card);
    const a = tracked(first);
    const b = tracked(second);
    await assertStates(h, [
      [a.sign, 4, 'old phone signature: superseded'],
      [a.auth, 4, 'old phone authentication: superseded'],
      [b.sign, 'good', 'new phone signature'],
      [b.auth, 'good', 'new phone authentication'],
      [c.sign, 'good', 'card untouched'],
    ]);

    // Re-issuance onto the same element overwrites its keys: superseded, but no deletion order.
    const outbox1 = (await outboxRows(h.db)).length;
    const third = await w.phone(card, 'SE-NEW');
    assert.deepEqual(new Set(third.superseded), new Set([second.signSerial, second.authSerial]));
    assert.equal((await outboxRows(h.db)).length, outbox1, 'no deletion ordered for the element being re-personalised');
    const t = tracked(third);
    await assertStates(h, [
      [b.sign, 4, 'second phone signature: superseded'],
      [b.auth, 4, 'second phone authentication: superseded'],
      [t.sign, 'good', 'third phone signature'],
      [t.auth, 'good', 'third phone authentication'],
    ]);

    // One active phone certificate per type and person, and the database itself refuses a second one.
    const active = await h.db.query<{ hierarchy: string; n: number }>(
      "SELECT hierarchy, COUNT(*) AS n FROM certificates WHERE person_id = $1 AND device = 'phone' AND status <> 'revoked' GROUP BY hierarchy ORDER BY hierarchy",
      [card.personId],
    );
    assert.deepEqual(active.map((r) => [r.hierarchy, Number(r.n)]), [['auth', 1], ['sign', 1]]);
    await assert.rejects(
      h.db.execute("UPDATE certificates SET status = 'good', reason = NULL, revoked_at = NULL WHERE serial = $1", [first.signSerial]),
      (err: unknown) => err instanceof StoreError && err.code === 'ERR_STORE_UNIQUE' && err.constraint === 'one_active_phone_certificate',
    );
  });

  it('card renewal supersedes the old card certificates, cascades to their phone certificates, and only the new card authorises a phone', async () => {
    const old = await w.card({ name: '高橋\u3000三郎', address: '京都府京都市左京区吉田本町1', birthDate: '1960-12-31' });
    const phone = await w.phone(old, 'SE-RENEW');
    const outbox0 = (await outboxRows(h.db)).length;
    const renewed = await w.card({ name: '高橋\u3000三郎', address: '京都府京都市左京区吉田本町1', birthDate: '1960-12-31' }, { personId: old.personId });
    assert.equal(renewed.personId, old.personId);
    const events = (await outboxRows(h.db)).slice(outbox0);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.se_id, 'SE-RENEW');
    assert.deepEqual(new Set(JSON.parse(events[0]!.serials) as string[]), new Set([phone.signSerial, phone.authSerial]));

    const o = tracked(old);
    const n = tracked(renewed);
    const p = tracked(phone);
    await assertStates(h, [
      [o.sign, 4, 'old card signature: superseded'],
      [o.auth, 4, 'old card authentication: superseded'],
      [p.sign, 5, 'phone signature: cascaded'],
      [p.auth, 5, 'phone authentication: cascaded'],
      [n.sign, 'good', 'new card signature'],
      [n.auth, 'good', 'new card authentication'],
    ]);

    const refused = await h.api('POST', '/api/v1/phone-certificates', w.application(old, 'SE-RENEW').body, h.tokens.spTsm);
    assert.equal(refused.status, 422);
    assert.equal(refused.json.code, 'ERR_JPKI_CARD_CERTIFICATE');
    const again = await w.phone(renewed, 'SE-RENEW');
    assert.deepEqual(again.superseded, []);
    assert.equal((await certificateRow(h.db, again.signSerial)).linked_serial, renewed.signSerial);
  });

  it('leaves an audit chain that verifies', async () => {
    const result = await verifyAudit(h.db);
    assert.equal(result.ok, true);
  });
});
