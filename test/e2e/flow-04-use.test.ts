import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../src/app/index.js';
import { ISSUED, jpkiOnElement } from './support/element-status.js';
import { appletContents, caRecord, DEFAULT_PERSON, issue, newCard, ocsp, PASSWORD, portalLogin, preparedHandset, relyingParty, startE2e, type E2e, type Handset } from './support/flows.js';

/**
 * Flow 4, use, end to end: a login at the portal (`/portal/v1`) with the user-authentication key after
 * the PIN, the portal naming the person from the certification service; a document signed with the
 * signature key after the password, accepted by a relying party with the basic four information. The
 * certificates used are good at the CA and in OCSP; use changes nothing on the element (GET STATUS
 * through the ISD: the applet still PERSONALIZED, both keys in it).
 */
describe('flow 4: use', () => {
  let h: E2e;
  let x: Handset;
  let serials: { auth: string; sign: string };

  before(async () => {
    h = await startE2e({ ordersIntervalMs: 0 });
    x = await preparedHandset(h, 'Phone');
    serials = await issue(x, await newCard(h));
  });
  after(() => h?.stop());

  it('logs in at the portal with the PIN; the portal knows who it is', async () => {
    const c = await h.api('POST', '/portal/v1/login/challenges', {});
    const r = await x.app.login({ challenge: new Uint8Array(Buffer.from(String(c.json.challenge), 'base64url')), pin: '2468' });
    const login = await h.api('POST', '/portal/v1/login', { challengeId: c.json.challengeId, certificate: Buffer.from(r.certificate).toString('base64'), signature: Buffer.from(r.signature).toString('base64') });
    assert.equal(login.status, 201, JSON.stringify(login.json));
    const me = await h.get('/portal/v1/me', String(login.json.token));
    assert.equal(me.status, 200, JSON.stringify(me.json));
    assert.equal(JSON.stringify(me.json).includes(DEFAULT_PERSON.name), true);
    // A wrong PIN never reaches the portal.
    await assert.rejects(portalLogin(h, x, '0000'), (e: unknown) => e instanceof AppError && e.code === 'ERR_APP_SECRET_WRONG' && e.triesLeft === 2);
    assert.equal((await portalLogin(h, x)).serial, serials.auth);
  });

  it('signs a document with the password; a relying party accepts it with the basic four information', async () => {
    const content = new TextEncoder().encode('bank account application');
    const v = await (await relyingParty(h)).verifySignedDocument({ content, cms: await x.app.signDocument({ content, password: PASSWORD }) });
    assert.equal(v.kind, 'phone-sign');
    assert.equal(v.certificate.serialNumber, serials.sign);
    assert.equal(v.basicFour.birthDate, DEFAULT_PERSON.birthDate);
    assert.equal(v.basicFour.address, DEFAULT_PERSON.address);
  });

  it('the certificates used are good at the CA and in OCSP; the element is as issuance left it', async () => {
    for (const [hierarchy, serial] of [['auth', serials.auth], ['sign', serials.sign]] as const) {
      const r = await caRecord(h, serial);
      assert.deepEqual([r.status, r.device, r.seId, r.hierarchy], ['good', 'phone', x.seId, hierarchy]);
      assert.deepEqual(await ocsp(h, serial, hierarchy), { kind: 'good' });
    }
    assert.deepEqual(await jpkiOnElement(h, x), ISSUED);
    assert.deepEqual(appletContents(x)?.keys, { '0017': 'key', '001A': 'key' });
  });
});
