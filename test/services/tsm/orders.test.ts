import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { PushDeviceClient } from '../../../src/services/push/index.js';
import { toHex } from '../../../src/bytes/index.js';
import { AID, replaceTemporarySecrets, type RelayOutcome } from '../../../src/services/tsm/index.js';
import { forEachDialect } from '../../helpers/postgres.js';
import { appletClient, cardSigner, newCard, newPhone, registerApp, relayClient, startTsm, type App, type Card, type Phone, type TsmHarness } from './helpers.js';

/**
 * Flows 6, 7, 10 and 12 end to end over HTTP: deletion orders from the certification service's outbox,
 * the push message that wakes the old app, the delete session that wipes its applet, the warning the
 * new app shows when the old phone cannot be reached, revocation from the phone, factory reset, and
 * revoked certificates marked in the applet.
 */

export interface Handset {
  readonly phone: Phone;
  readonly app: App;
  readonly device: PushDeviceClient;
  readonly pin: string;
  readonly password: string;
  readonly issued: RelayOutcome;
}

/** A phone with a push registration, prepared and issued for the card's holder, the user's own PIN set. */
export async function handset(h: TsmHarness, card: Card): Promise<Handset> {
  const phone = await newPhone(h, 'development');
  const device = await PushDeviceClient.enrol({ baseUrl: h.url });
  const { token } = await device.register('jp.go.jpki.mobile');
  const app = await registerApp(h, phone, token);
  assert.equal((await relayClient(h, phone, app).run({ seId: phone.seId, purpose: 'prepare' })).session.state, 'completed');
  let own = { pin: '4321', password: 'OWNPASSWORD7' };
  const issued = await relayClient(h, phone, app).run(
    { seId: phone.seId, purpose: 'issue' },
    {
      signApplication: cardSigner(card),
      async replaceSecrets(temporary) {
        own = { pin: temporary.pin === '4321' ? '4322' : '4321', password: 'OWNPASSWORD7' };
        await replaceTemporarySecrets(phone.channels, temporary, own);
      },
    },
  );
  assert.equal(issued.session.state, 'completed', JSON.stringify(issued.session));
  return { phone, app, device, ...own, issued };
}

export function serials(x: Handset): { sign: string; auth: string } {
  const r = x.issued.session.result as { sign: { serial: string }; auth: { serial: string } };
  return { sign: r.sign.serial, auth: r.auth.serial };
}

export async function ordersOf(h: TsmHarness, x: Handset) {
  const res = await h.api('GET', `/tsm/v1/app-instances/${x.app.appInstanceId}/orders`, undefined, x.app.credential);
  assert.equal(res.status, 200, JSON.stringify(res.json));
  return res.json as { personId: string; deletionNotConfirmed: boolean; orders: { orderId: string; seId: string; state: string; deletion: string; push: { status: string }; serials: string[]; reason: number }[] };
}

/** What the applet still holds, as the app sees it over OMAPI. */
export async function appletHolds(x: Handset): Promise<{ auth: boolean; sign: boolean }> {
  const { client, close } = await appletClient(x.phone);
  try {
    const has = async (which: 'auth' | 'sign') =>
      client
        .verify(which === 'auth' ? 'pin' : 'password', which === 'auth' ? x.pin : x.password)
        .then(() => client.readCertificate(which))
        .then(
          () => true,
          () => false,
        );
    return { auth: await has('auth'), sign: await has('sign') };
  } finally {
    await close();
  }
}

forEachDialect('SP-TSM orders: a new handset deletes the old one by push (flow 6)', (ctx) => {
  let h: TsmHarness;
  let card: Card;
  let a: Handset;
  let b: Handset;
  before(async () => {
    h = await startTsm({ database: await ctx.freshConfig(), push: true });
    card = await newCard(h);
    a = await handset(h, card);
  });
  after(() => h.stop());

  it('issuance on phone B supersedes phone A: the outbox event becomes one deletion order for A, and a push message to A\'s token', async () => {
    b = await handset(h, card);
    const superseded = (b.issued.session.result as { superseded: string[] }).superseded;
    assert.deepEqual([...superseded].sort(), [serials(a).sign, serials(a).auth].sort());
    for (const s of superseded) assert.equal((await h.jpki.service.status(s)).reason, 4);
    const pass = await h.sp.desk.dispatch();
    assert.equal(pass.consumed, 2);
    assert.equal(pass.sent, 1);
    const pending = await h.jpki.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM outbox WHERE done_at IS NULL');
    assert.equal(Number(pending[0]!.n), 0);
    const view = await ordersOf(h, b);
    assert.equal(view.orders.length, 1);
    assert.equal(view.orders[0]!.seId, a.phone.seId);
    assert.equal(view.orders[0]!.state, 'pending');
    assert.equal(view.orders[0]!.deletion, 'waiting');
    assert.deepEqual([...view.orders[0]!.serials].sort(), [...superseded].sort());
    assert.equal(view.deletionNotConfirmed, false);
    assert.equal((await h.sp.desk.dispatch()).consumed, 0, 'an event is consumed once');
  });

  it('phone A polls the push service, gets {type: tsm-session, purpose: delete} and runs the delete session: the applet is wiped, the order done', async () => {
    assert.deepEqual(await appletHolds(a), { auth: true, sign: true });
    const messages = await a.device.poll(0);
    assert.equal(messages.length, 1);
    const data = messages[0]!.data as { type: string; purpose: 'delete'; orderId: string };
    assert.equal(data.type, 'tsm-session');
    assert.equal(data.purpose, 'delete');
    await a.device.ack([messages[0]!.id]);
    const done = await relayClient(h, a.phone, a.app).run({ seId: a.phone.seId, purpose: data.purpose });
    assert.equal(done.session.state, 'completed', JSON.stringify(done.session));
    assert.equal((done.session.result as { wiped: boolean }).wiped, true);
    assert.deepEqual((done.session.result as { orders: string[] }).orders, [data.orderId]);
    assert.deepEqual(await appletHolds(a), { auth: false, sign: false });
    const view = await ordersOf(h, b);
    assert.equal(view.orders[0]!.state, 'done');
    assert.equal(view.orders[0]!.deletion, 'confirmed');
    // B keeps its certificates.
    assert.deepEqual(await appletHolds(b), { auth: true, sign: true });
  });
});

forEachDialect('SP-TSM orders: offline phone, revocation from the phone, flow 12, factory reset', (ctx) => {
  let h: TsmHarness;
  before(async () => {
    h = await startTsm({ database: await ctx.freshConfig(), push: true, pushTtlSeconds: 1 });
  });
  after(() => h.stop());

  it('phone A offline until the push message expires: the order stays pending and the new app is told deletion is not confirmed', async () => {
    const card = await newCard(h, { name: 'OFFLINE TARO' });
    await handset(h, card);
    const b = await handset(h, card);
    assert.equal((await h.sp.desk.dispatch()).sent, 1);
    assert.equal((await ordersOf(h, b)).deletionNotConfirmed, false);
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal((await h.sp.desk.dispatch()).updated, 1);
    const view = await ordersOf(h, b);
    assert.equal(view.orders[0]!.state, 'pending');
    assert.equal(view.orders[0]!.push.status, 'expired');
    assert.equal(view.orders[0]!.deletion, 'not-confirmed');
    assert.equal(view.deletionNotConfirmed, true);
  });

  it('revocation from the phone (flow 7): the applet signs the SP\'s request with the PIN, the CA revokes both (cessationOfOperation), the applet is wiped in the same session', async () => {
    const x = await handset(h, await newCard(h, { name: 'REVOKE HANAKO' }));
    const out = await relayClient(h, x.phone, x.app).run(
      { seId: x.phone.seId, purpose: 'revoke' },
      {
        signApplication: async (request) => {
          const { client, close } = await appletClient(x.phone);
          try {
            await client.verify('pin', x.pin);
            return { signature: await client.signSha256('auth', request), cardCertificate: await client.readCertificate('auth') };
          } finally {
            await close();
          }
        },
      },
    );
    assert.equal(out.session.state, 'completed', JSON.stringify(out.session));
    assert.deepEqual([...(out.session.result as { revoked: string[] }).revoked].sort(), [serials(x).sign, serials(x).auth].sort());
    for (const s of Object.values(serials(x))) {
      const st = await h.jpki.service.status(s);
      assert.equal(st.status, 'revoked');
      assert.equal(st.reason, 5);
    }
    assert.deepEqual(await appletHolds(x), { auth: false, sign: false });
    // The CA's outbox events find the element already cleared: no order waits for it.
    await h.sp.desk.dispatch();
    const orders = await h.sp.desk.dispatch().then(() => h.jpki.db.query<{ state: string }>('SELECT state FROM sp_deletion_orders WHERE se_id = $1', [x.phone.seId]));
    assert.deepEqual(orders.map((o) => o.state), ['done']);
  });

  it('a wrong signature is refused (422 ERR_TSM_HOLDER_SIGNATURE) and revokes nothing', async () => {
    const x = await handset(h, await newCard(h, { name: 'WRONG JIRO' }));
    await assert.rejects(
      relayClient(h, x.phone, x.app).run({ seId: x.phone.seId, purpose: 'revoke' }, { signApplication: async () => ({ signature: new Uint8Array(256).fill(7), cardCertificate: new Uint8Array(300).fill(1) }) }),
      (err: { code?: string; problem?: string; status?: number }) => err.code === 'ERR_TSM_RELAY_PROTOCOL' && err.problem === 'ERR_TSM_HOLDER_SIGNATURE' && err.status === 422,
    );
    assert.equal((await h.jpki.service.status(serials(x).auth)).status, 'good');
  });

  it('flow 12: a certificate revoked at the office is marked revoked in the applet at the next session; signing with it is refused (6984)', async () => {
    const x = await handset(h, await newCard(h, { name: 'MARK SABURO' }));
    await h.jpki.service.revoke({ kind: 'office', id: 'office-1' }, serials(x).auth, 5);
    const out = await relayClient(h, x.phone, x.app).run({ seId: x.phone.seId, purpose: 'sync' });
    assert.equal(out.session.state, 'completed', JSON.stringify(out.session));
    assert.deepEqual((out.session.result as { marked: string[] }).marked, [serials(x).auth]);
    const { client, close } = await appletClient(x.phone);
    try {
      await client.verify('pin', x.pin);
      await assert.rejects(client.signSha256('auth', new Uint8Array(32)), (err: { sw?: number }) => err.sw === 0x6984);
      await client.verify('password', x.password);
      assert.equal((await client.signSha256('sign', new Uint8Array(32))).length, 256);
    } finally {
      await close();
    }
  });

  it('factory reset (flow 10): the certificates are revoked at once; the element refuses other sessions until the clean-up deletes the APSD', async () => {
    const x = await handset(h, await newCard(h, { name: 'RESET SHIRO' }));
    const bad = await h.api('POST', `/tsm/v1/elements/${x.phone.seId}/reset`, { force: true }, x.app.credential);
    assert.equal(bad.status, 400);
    const res = await h.api('POST', `/tsm/v1/elements/${x.phone.seId}/reset`, undefined, x.app.credential);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.deepEqual([...res.json.revoked].sort(), [serials(x).sign, serials(x).auth].sort());
    for (const s of Object.values(serials(x))) assert.equal((await h.jpki.service.status(s)).reason, 5);
    assert.equal((await h.api('POST', `/tsm/v1/elements/${x.phone.seId}/reset`, undefined, x.app.credential)).status, 401, 'the old credential is disabled');
    // After the reset the app registers again and runs the clean-up its first time.
    const again = await registerApp(h, x.phone);
    const refused = await h.api('POST', '/tsm/v1/sessions', { appInstanceId: again.appInstanceId, seId: x.phone.seId, purpose: 'sync' }, again.credential);
    assert.equal(refused.status, 409);
    assert.equal(refused.json.code, 'ERR_TSM_ELEMENT_RESET');
    const cleanup = await relayClient(h, x.phone, again).run({ seId: x.phone.seId, purpose: 'reset-cleanup' });
    assert.equal(cleanup.session.state, 'completed', JSON.stringify(cleanup.session));
    assert.equal((cleanup.session.result as { apsdDeleted: boolean }).apsdDeleted, true);
    const { selectResponse } = await x.phone.channels.open(AID.APSD).then(async (o) => (await o.channel.close(), o), (e: unknown) => ({ selectResponse: new Uint8Array(0), e }));
    assert.notEqual(toHex(selectResponse.subarray(selectResponse.length - 2)), '9000');
    assert.equal((await h.sei.element(x.phone.seId))?.state, 'registered');
    const orders = await h.jpki.db.query<{ kind: string; state: string }>('SELECT kind, state FROM sp_deletion_orders WHERE se_id = $1', [x.phone.seId]);
    assert.deepEqual(orders, [{ kind: 'delete-apsd', state: 'done' }]);
    // A second clean-up has nothing to do.
    const twice = await h.api('POST', '/tsm/v1/sessions', { appInstanceId: again.appInstanceId, seId: x.phone.seId, purpose: 'reset-cleanup' }, again.credential);
    assert.equal(twice.json.code, 'ERR_TSM_NOT_RESET');
  });

  it('bad input to the new endpoints gets specific codes', async () => {
    const x = await handset(h, await newCard(h, { name: 'INPUT GORO' }));
    const cases: [string, string, unknown, string | undefined, number, string][] = [
      ['GET', `/tsm/v1/app-instances/${x.app.appInstanceId}/orders`, undefined, undefined, 401, 'ERR_TSM_UNAUTHENTICATED'],
      ['GET', '/tsm/v1/app-instances/app_000000000000000000000000/orders', undefined, x.app.credential, 403, 'ERR_TSM_FORBIDDEN'],
      ['GET', '/tsm/v1/app-instances/nonsense/orders', undefined, x.app.credential, 403, 'ERR_TSM_FORBIDDEN'],
      ['POST', '/tsm/v1/elements/4A505345-00000000-0000/reset', undefined, x.app.credential, 403, 'ERR_TSM_FORBIDDEN'],
      ['POST', '/tsm/v1/elements/not-an-se/reset', undefined, x.app.credential, 404, 'ERR_TSM_UNKNOWN_ELEMENT'],
      ['POST', `/tsm/v1/elements/${x.phone.seId}/reset`, '{', x.app.credential, 400, 'ERR_HTTP_JSON'],
      ['POST', `/tsm/v1/elements/${x.phone.seId}/reset`, undefined, 'tsmapp_' + 'A'.repeat(43), 401, 'ERR_TSM_UNAUTHENTICATED'],
      ['GET', '/tsm/v1/orders', undefined, x.app.credential, 401, 'ERR_JPKI_UNAUTHENTICATED'],
      ['GET', '/tsm/v1/orders?seId=%20x', undefined, h.jpki.tokens.admin, 400, 'ERR_REQUEST_FIELD'],
      ['POST', '/tsm/v1/sessions', { appInstanceId: x.app.appInstanceId, seId: x.phone.seId, purpose: 'wipe' }, x.app.credential, 400, 'ERR_REQUEST_FIELD'],
    ];
    for (const [method, path, body, token, status, code] of cases) {
      const res = await h.api(method, path, body, token);
      assert.equal(res.status, status, `${method} ${path}: ${JSON.stringify(res.json)}`);
      assert.equal(res.json.code, code, `${method} ${path}`);
    }
    const admin = await h.api('GET', `/tsm/v1/orders?seId=${x.phone.seId}`, undefined, h.jpki.tokens.admin);
    assert.equal(admin.status, 200);
    assert.deepEqual(admin.json.orders, []);
    const revokeNothing = await h.api('POST', `/api/v1/elements/${x.phone.seId}/revocations`, { reason: 'keyCompromise' }, h.jpki.tokens.spTsm);
    assert.equal(revokeNothing.status, 404, 'the CA route is on the CA server, not here');
    const ca = await h.jpki.api('POST', `/api/v1/elements/${x.phone.seId}/revocations`, { reason: 'keyCompromise' }, h.jpki.tokens.spTsm);
    assert.equal(ca.status, 400);
    const office = await h.jpki.api('POST', `/api/v1/elements/${x.phone.seId}/revocations`, { reason: 'cessationOfOperation' }, h.jpki.tokens.office);
    assert.equal(office.status, 403);
  });
});
