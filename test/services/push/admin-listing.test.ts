import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { PushDeviceClient } from '../../../src/services/push/index.js';
import { createOperator } from '../../../src/services/jpki/operators.js';
import { forEachDialect } from '../../helpers/postgres.js';
import { expectProblems, type BadCase } from './support/bad-cases.js';
import { startPush, type PushHarness } from './support/harness.js';
import { pushSnapshot } from './support/store.js';

/**
 * GET /push/v1/messages, the administrator's listing the inspector shows: an admin operator token;
 * every sender's messages with their status as a reader sees it now (a pending message past its time to
 * live is expired, without writing), the payload's purpose while it is held, paging by seq both ways,
 * filters; never a token or a secret; bad input refused with nothing written.
 */

const APP = 'jp.go.jpki.mobile';

interface Listed {
  seq: number;
  id: string;
  sender: string;
  deviceId: string;
  registrationId: string;
  appId: string;
  status: string;
  purpose: string | null;
  collapseKey: string | null;
  finishedAt: string | null;
  failureReason: string | null;
  replacedBy: string | null;
}

forEachDialect('push: the administrator listing', (ctx) => {
  let h: PushHarness;
  let phone: PushDeviceClient;
  let removed: PushDeviceClient;
  let admin: string;
  let office: string;
  let token: string;
  const ids: Record<string, string> = {};

  before(async () => {
    h = await startPush({ database: await ctx.freshConfig() });
    admin = await createOperator(h.db, 'admin-1', 'admin', h.clock.now());
    office = await createOperator(h.db, 'office-1', 'office', h.clock.now());
    phone = await h.device();
    removed = await h.device();
    token = (await phone.register(APP)).token;
    const gone = (await removed.register(APP)).token;
    // delivered: handed over and acknowledged
    ids.delivered = (await h.sender.send({ token, data: { type: 'tsm-session', purpose: 'delete', sessionId: 'ses_1' } })).id;
    assert.equal((await phone.poll(0)).length, 1);
    await phone.ack([ids.delivered]);
    // collapsed, and the pending one that replaced it (from the other sender)
    ids.collapsed = (await h.sender.send({ token, data: { purpose: 'delete' }, collapseKey: 'tsm-delete' })).id;
    ids.pending = (await h.otherSender.send({ token, data: { type: 'tsm-session', purpose: 'reset-cleanup' }, collapseKey: 'tsm-delete' })).id;
    // lapsed: pending in the store, past its time to live when listed
    ids.lapsed = (await h.sender.send({ token, data: { purpose: 'x'.repeat(65) }, ttl: 60 })).id;
    // failed: its token died with the app
    ids.failed = (await h.sender.send({ token: gone, data: { purpose: 'delete' } })).id;
    await removed.unregister(APP);
    h.clock.advance(61_000);
  });
  after(async () => {
    await h?.stop();
  });

  const list = async (query = '', bearer = admin) => {
    const r = await h.api('GET', `/push/v1/messages${query}`, undefined, bearer);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json as { messages: Listed[]; next: number | null };
  };

  it('lists every sender\'s messages newest first, with the status a reader sees now, and writes nothing', async () => {
    const snapshot = await pushSnapshot(h.db);
    const page = await list();
    assert.equal(await pushSnapshot(h.db), snapshot, 'a listing writes nothing (the lapsed message stays pending in the store)');
    assert.equal(page.next, null);
    const byId = new Map(page.messages.map((m) => [m.id, m]));
    assert.deepEqual(page.messages.map((m) => m.id), [ids.failed, ids.lapsed, ids.pending, ids.collapsed, ids.delivered]);
    assert.deepEqual(page.messages.map((m) => m.seq), [...page.messages.map((m) => m.seq)].sort((a, b) => b - a));
    const d = byId.get(ids.delivered)!;
    assert.equal(d.status, 'delivered');
    assert.equal(d.purpose, null, 'a final message has no payload left');
    assert.equal(d.sender, 'sp-tsm');
    assert.equal(d.deviceId, phone.deviceId);
    assert.equal(d.appId, APP);
    assert.match(d.registrationId, /^reg_[A-Za-z0-9_-]{22}$/);
    assert.ok(d.finishedAt);
    assert.equal(byId.get(ids.collapsed)!.status, 'collapsed');
    assert.equal(byId.get(ids.collapsed)!.replacedBy, ids.pending);
    const p = byId.get(ids.pending)!;
    assert.deepEqual([p.status, p.purpose, p.sender, p.collapseKey, p.finishedAt], ['pending', 'reset-cleanup', 'sei-tsm', 'tsm-delete', null]);
    const lapsed = byId.get(ids.lapsed)!;
    assert.equal(lapsed.status, 'expired');
    assert.equal(lapsed.purpose, null, 'a purpose that is not a short printable string is not shown');
    assert.ok(lapsed.finishedAt);
    const f = byId.get(ids.failed)!;
    assert.deepEqual([f.status, f.failureReason, f.deviceId], ['failed', 'app-removed', removed.deviceId]);
    // Nothing secret: no registration token, no device secret, no sender token, no stored hash.
    const text = JSON.stringify(page);
    for (const secret of [token, phone.credential.deviceSecret, removed.credential.deviceSecret, h.senders.a, h.senders.b]) assert.ok(!text.includes(secret));
    assert.doesNotMatch(text, /[0-9a-f]{64}/, 'no SHA-256 of a secret');
  });

  it('pages by seq both ways, and filters by device, registration, sender and status', async () => {
    const all = (await list()).messages;
    const seen: number[] = [];
    let cursor = 0;
    for (let i = 0; i < 10; i++) {
      const page = await list(`?after=${cursor}&limit=2`);
      seen.push(...page.messages.map((m) => m.seq));
      if (page.next === null) break;
      cursor = page.next;
    }
    assert.deepEqual(seen, all.map((m) => m.seq).reverse(), 'oldest first, each once');
    const newest = await list('?limit=2');
    assert.equal(newest.messages.length, 2);
    const older = await list(`?before=${newest.next}&limit=2`);
    assert.deepEqual([...newest.messages, ...older.messages].map((m) => m.id), all.slice(0, 4).map((m) => m.id));

    const ofRemoved = await list(`?device=${removed.deviceId}`);
    assert.deepEqual(ofRemoved.messages.map((m) => m.id), [ids.failed]);
    const registration = all.find((m) => m.id === ids.pending)!.registrationId;
    assert.deepEqual((await list(`?registration=${registration}&sender=sei-tsm`)).messages.map((m) => m.id), [ids.pending]);
    assert.deepEqual((await list('?status=expired')).messages.map((m) => m.id), [ids.lapsed]);
    assert.deepEqual((await list('?status=pending')).messages.map((m) => m.id), [ids.pending]);
    assert.deepEqual((await list('?status=delivered&sender=sp-tsm')).messages.map((m) => m.id), [ids.delivered]);
    assert.deepEqual((await list('?device=dev_AAAAAAAAAAAAAAAAAAAAAA')).messages, []);
  });

  it('needs an admin operator token, and refuses bad queries with their code, writing nothing', async () => {
    const path = '/push/v1/messages';
    const cases: BadCase[] = [
      { name: 'no Authorization', path, bearer: null, status: 401, code: 'ERR_JPKI_UNAUTHENTICATED' },
      { name: 'an unknown operator token', path, bearer: 'jpki_admin_' + 'A'.repeat(32), status: 401, code: 'ERR_JPKI_UNAUTHENTICATED' },
      { name: 'a sender token', path, bearer: h.senders.a, status: 401, code: 'ERR_JPKI_UNAUTHENTICATED' },
      { name: 'a device secret', path, bearer: phone.credential.deviceSecret, status: 401, code: 'ERR_JPKI_UNAUTHENTICATED' },
      { name: 'Basic instead of Bearer', path, authorization: `Basic ${Buffer.from(`admin:${admin}`).toString('base64')}`, status: 401, code: 'ERR_JPKI_UNAUTHENTICATED' },
      { name: 'an office operator', path, bearer: office, status: 403, code: 'ERR_JPKI_FORBIDDEN' },
      ...[
        ['limit 0', '?limit=0'],
        ['limit over the page size', '?limit=201'],
        ['limit of letters', '?limit=ten'],
        ['limit empty', '?limit='],
        ['after negative', '?after=-1'],
        ['after not an integer', '?after=1.5'],
        ['after with a leading zero', '?after=01'],
        ['after too large', '?after=9999999999999999'],
        ['after and before', '?after=1&before=9'],
        ['a malformed device', '?device=dev_short'],
        ['a malformed registration', '?registration=reg_'],
        ['a registration token instead of its id', `?registration=${token}`],
        ['a malformed sender', '?sender=SP TSM'],
        ['an unknown status', '?status=dead'],
        ['a parameter twice', '?limit=5&limit=6'],
        ['an unknown parameter', '?token=abc'],
      ].map(([name, query]): BadCase => ({ name: name!, path: `${path}${query}`, status: 400, code: 'ERR_REQUEST_FIELD' })),
    ];
    await expectProblems(h.url, h.db, cases, admin);
  });
});
