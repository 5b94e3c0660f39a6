import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { OnlineEvent } from '../../src/app/index.js';
import { hasCode } from '../../src/errors/index.js';
import { ISSUED, jpkiOnElement, WIPED } from './support/element-status.js';
import { appletContents, caRecord, DEFAULT_PERSON, holdsKeys, issue, newCard, ocsp, ordersOf, PASSWORD, portalLogin, pushRecord, preparedHandset, relyingParty, startE2e, type E2e, type Handset } from './support/flows.js';
import type { IdCard } from '../../src/devices/id-card/index.js';

/**
 * Flow 8, a lost phone: the call centre (an authenticated operator, `/callcenter/v1`) suspends the phone
 * certificates at once (OCSP certificateHold, the portal refuses the login); the phone is found: the
 * user-authentication certificate is released (good again, the login works), the signature certificate
 * stays held and is re-issued by issuing again with the card; later the phone is lost for good: the call
 * centre revokes (keyCompromise) and the deletion reaches the phone by push (delivered, at the push
 * service). The element (GET STATUS through the ISD) is untouched while held and after the re-issuance,
 * and its applet EMPTY after the deletion. The order desk is run by the test (`ordersIntervalMs: 0`).
 */

/** The portal reuses an OCSP answer for at most a second (src/cli/runtime/relying-parties.ts). */
const portalCache = () => new Promise((r) => setTimeout(r, 1_100));

describe('flow 8: a lost phone, suspended by the call centre', () => {
  let h: E2e;
  let x: Handset;
  let card: IdCard;
  let serials: { auth: string; sign: string };
  let personId: string;
  const callCentre = (path: string, body?: unknown) => h.api('POST', `/callcenter/v1${path}`, body ?? {}, h.callCentre);

  before(async () => {
    h = await startE2e({ ordersIntervalMs: 0 });
    card = await newCard(h);
    x = await preparedHandset(h, 'Phone');
    serials = await issue(x, card);
    assert.equal((await portalLogin(h, x)).status, 201);
  });
  after(() => h?.stop());

  it('the operator finds the caller and suspends: OCSP says certificateHold at once and the portal refuses the login', async () => {
    const found = await callCentre('/lookups', { name: DEFAULT_PERSON.name, birthDate: DEFAULT_PERSON.birthDate });
    assert.equal(found.status, 200, JSON.stringify(found.json));
    personId = String(found.json.personId);
    assert.equal(personId, (await caRecord(h, serials.auth)).personId);
    const held = await callCentre(`/persons/${personId}/suspend`);
    assert.equal(held.status, 200, JSON.stringify(held.json));
    assert.deepEqual([...(held.json.held as string[])].sort(), [serials.auth, serials.sign].sort());
    for (const [hierarchy, serial] of [['auth', serials.auth], ['sign', serials.sign]] as const) {
      const r = await caRecord(h, serial);
      assert.deepEqual([r.status, r.reason], ['held', 6]);
      assert.deepEqual(await ocsp(h, serial, hierarchy), { kind: 'revoked', reason: 'certificateHold' });
    }
    await portalCache();
    const login = await portalLogin(h, x);
    assert.deepEqual([login.status, login.code], [403, 'ERR_RP_CERT_SUSPENDED']);
    const status = await x.app.status();
    assert.deepEqual(status.certificates.map((c) => c.state), ['suspended', 'suspended']);
    assert.match(status.warnings.join('\n'), /user-authentication certificate is suspended \(the call centre held it\): call the call centre to release it/);
  });

  it('a hold orders no deletion and marks nothing in the applet (it may be released)', async () => {
    assert.equal((await h.system.dispatchOrders()).consumed, 0);
    const events: OnlineEvent[] = [];
    await x.app.runOnline({ once: true, onEvent: (e) => events.push(e) });
    assert.deepEqual(events.map((e) => (e.kind === 'sync' ? [e.kind, e.marked, e.wiped] : [e.kind])), [['sync', [], false]]);
    assert.deepEqual(await jpkiOnElement(h, x), ISSUED);
    assert.deepEqual(appletContents(x)?.keys, { '0017': 'key', '001A': 'key' });
    assert.deepEqual(await ordersOf(h, x.seId), []);
    for (const [hierarchy, serial] of [['auth', serials.auth], ['sign', serials.sign]] as const) assert.deepEqual(await ocsp(h, serial, hierarchy), { kind: 'revoked', reason: 'certificateHold' });
  });

  it('found again: the user-authentication certificate is released and the login works; the signature certificate stays held', async () => {
    const released = await callCentre(`/persons/${personId}/release`);
    assert.equal(released.status, 200, JSON.stringify(released.json));
    assert.deepEqual(released.json.released, [serials.auth]);
    assert.deepEqual(await ocsp(h, serials.auth, 'auth'), { kind: 'good' });
    assert.deepEqual(await ocsp(h, serials.sign, 'sign'), { kind: 'revoked', reason: 'certificateHold' });
    await portalCache();
    const login = await portalLogin(h, x);
    assert.deepEqual([login.status, login.serial], [201, serials.auth]);
    // A document signed with the held signature certificate is refused.
    const content = new TextEncoder().encode('moving-in notification');
    const cms = await x.app.signDocument({ content, password: PASSWORD });
    await assert.rejects((await relyingParty(h)).verifySignedDocument({ content, cms }), (e: unknown) => hasCode(e, 'ERR_RP_CERT_SUSPENDED'));
    // The call centre cannot release it either.
    assert.equal((await callCentre(`/persons/${personId}/release`)).json.code, 'ERR_CALLCENTER_NOTHING_TO_DO');
  });

  it('the signature certificate is re-issued by issuing again with the card; the old pair is superseded', async () => {
    const again = await issue(x, card);
    for (const serial of [serials.auth, serials.sign]) assert.deepEqual([(await caRecord(h, serial)).status, (await caRecord(h, serial)).reason], ['revoked', 4]);
    assert.deepEqual(await ocsp(h, again.sign, 'sign'), { kind: 'good' });
    const content = new TextEncoder().encode('moving-in notification');
    const v = await (await relyingParty(h)).verifySignedDocument({ content, cms: await x.app.signDocument({ content, password: PASSWORD }) });
    assert.equal(v.kind, 'phone-sign');
    assert.equal(v.certificate.serialNumber, again.sign);
    // The supersession's events do not wipe the keys just written on the same element.
    await h.system.dispatchOrders();
    await x.app.runOnline({ once: true });
    assert.ok(holdsKeys(x));
    assert.deepEqual(await jpkiOnElement(h, x), ISSUED);
    assert.equal((await portalLogin(h, x)).serial, again.auth);
    serials = again;
  });

  it('lost for good: the call centre revokes (keyCompromise); the deletion is ordered and reaches the phone by push', async () => {
    const revoked = await callCentre(`/persons/${personId}/revoke`);
    assert.equal(revoked.status, 200, JSON.stringify(revoked.json));
    assert.deepEqual([...(revoked.json.revoked as string[])].sort(), [serials.auth, serials.sign].sort());
    assert.deepEqual(await ocsp(h, serials.auth, 'auth'), { kind: 'revoked', reason: 'keyCompromise' });
    const pass = await h.system.dispatchOrders();
    assert.deepEqual([pass.consumed, pass.sent], [2, 1]);
    const pending = (await ordersOf(h, x.seId)).filter((o) => o.state === 'pending');
    assert.equal(pending.length, 1);
    assert.equal(pending[0]!.reason, 1);
    const events: OnlineEvent[] = [];
    await x.app.runOnline({ once: true, onEvent: (e) => events.push(e) });
    assert.ok(events.some((e) => e.kind === 'push-session' && e.purpose === 'delete' && e.result?.wiped === true), JSON.stringify(events));
    assert.ok(!holdsKeys(x));
    assert.deepEqual(await jpkiOnElement(h, x), WIPED);
    const done = (await ordersOf(h, x.seId)).find((o) => o.orderId === pending[0]!.orderId)!;
    assert.deepEqual([done.state, done.deletion], ['done', 'confirmed']);
    assert.equal((await pushRecord(h, pending[0]!.push.messageId!)).status, 'delivered');
  });
});
