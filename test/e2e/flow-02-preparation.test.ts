import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAppSigningIdentity, withApplet } from '../../src/app/index.js';
import { hasCode } from '../../src/errors/index.js';
import { elementContents, JPKI_AIDS, jpkiOnElement, NO_JPKI, PREPARED } from './support/element-status.js';
import { appletContents, preparedHandset, startE2e, type E2e, type Handset } from './support/flows.js';
import { installApp, newPhone } from '../app/helpers.js';

/**
 * Flow 2, app and applet preparation, end to end: the app installed on a phone made by its maker,
 * its push token, its app instance at the SP-TSM, the SEI-TSM's and SP-TSM's scripts relayed by the OS's
 * SE agent. Checked: the SEI's record of the element, the element's contents by GET STATUS through the
 * ISD under SCP03 (none of JPKI before; after, the JPKI security domain PERSONALIZED, the applet
 * SELECTABLE and extradited to it, its load file with the ISD), the applet's data (empty), and the
 * access rule at work (the app reaches the applet, another app on the same phone does not).
 */
describe('flow 2: app and applet preparation', () => {
  let h: E2e;
  let x: Handset;

  before(async () => {
    h = await startE2e({ ordersIntervalMs: 0 });
    x = await preparedHandset(h, 'Phone');
  });
  after(() => h?.stop());

  it('the SEI-TSM has the element prepared, with the app\'s certificate hash in its access rule', async () => {
    const r = await h.get(`/tsm/v1/elements/${x.seId}`, h.admin);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.state, 'prepared');
    assert.equal(r.json.apsdAid, 'D392F000260253440001');
    assert.equal(r.json.appCertificateHash, x.app.certificateHash);
    assert.equal(x.app.flowState('preparation'), 'ready');
    assert.match(x.app.data.pushToken ?? '', /^[A-Za-z0-9_-]{43}$/);
  });

  it('GET STATUS through the ISD: nothing of JPKI on a new phone; after preparation the JPKI domain, and the applet extradited to it, holding nothing yet', async () => {
    const fresh = await newPhone(h, 'New Phone');
    assert.deepEqual(await jpkiOnElement(h, fresh), NO_JPKI, 'as the maker made it');
    const app = await installApp(h, fresh);
    assert.deepEqual(await jpkiOnElement(h, fresh), NO_JPKI, 'installing the app changes nothing on the element');
    assert.equal((await app.prepare()).session.state, 'completed');
    assert.deepEqual(await jpkiOnElement(h, fresh), PREPARED);

    const c = await elementContents(h, x);
    assert.equal(c.isd.state, 'SECURED');
    assert.deepEqual([c.apsd!.state, c.apsd!.sd], ['PERSONALIZED', c.isd.aid]);
    assert.deepEqual([c.applet!.state, c.applet!.sd, c.applet!.loadFile], ['SELECTABLE', JPKI_AIDS.apsd, JPKI_AIDS.loadFile]);
    assert.deepEqual([c.loadFile!.state, c.loadFile!.sd], ['LOADED', c.isd.aid]);
    assert.ok(c.applications.some((e) => e.aid === 'A00000015141434C00' && e.state === 'SELECTABLE'), 'the ARA-M holding the rule');
    // What GET STATUS cannot show: the applet's data (no key, certificate or PIN yet).
    assert.deepEqual(appletContents(x), { keys: {}, certificates: [], pins: [] });
  });

  it('the app reaches the applet through the OMAPI; an app signed with another certificate is refused', async () => {
    assert.equal(await withApplet(x.app.openSeService(), (c) => c.tokenLabel()), 'JPKIAPGPSETOKEN');
    const other = createAppSigningIdentity({ commonName: 'not the JPKI app' });
    await x.phone.installApp({ packageName: 'com.example.other', signingCertificates: [other.certificate] });
    await assert.rejects(withApplet(x.phone.openSeService('com.example.other'), async () => undefined), (e: unknown) => hasCode(e, 'ERR_OMAPI_ACCESS_DENIED'));
  });
});
