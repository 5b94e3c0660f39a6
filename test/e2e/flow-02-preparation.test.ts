import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAppSigningIdentity, withApplet } from '../../src/app/index.js';
import { hasCode } from '../../src/errors/index.js';
import { appletContents, preparedHandset, startE2e, type E2e, type Handset } from './support/flows.js';

/**
 * Flow 2, app and applet preparation, end to end: the app installed on a phone made by its maker,
 * its push token, its app instance at the SP-TSM, the SEI-TSM's and SP-TSM's scripts relayed by the OS's
 * SE agent. Checked: the SEI's record of the element, the element's registry (the JPKI security domain,
 * the applet extradited to it, empty), and the access rule at work (the app reaches the applet, another
 * app on the same phone does not).
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

  it('the registry holds the JPKI security domain and the applet associated with it, holding nothing yet', () => {
    const registry = x.element.state.registry;
    const apsd = registry.find((e) => e.kind === 'application' && e.aid.toUpperCase() === 'D392F000260253440001');
    const applet = registry.find((e) => e.kind === 'application' && e.aid.toUpperCase() === 'D392F000260100000001');
    assert.ok(apsd && applet && applet.kind === 'application');
    assert.equal(applet.sd.toUpperCase(), 'D392F000260253440001');
    assert.deepEqual(appletContents(x), { keys: {}, certificates: [], pins: [] });
  });

  it('the app reaches the applet through the OMAPI; an app signed with another certificate is refused', async () => {
    assert.equal(await withApplet(x.app.openSeService(), (c) => c.tokenLabel()), 'JPKIAPGPSETOKEN');
    const other = createAppSigningIdentity({ commonName: 'not the JPKI app' });
    await x.phone.installApp({ packageName: 'com.example.other', signingCertificates: [other.certificate] });
    await assert.rejects(withApplet(x.phone.openSeService('com.example.other'), async () => undefined), (e: unknown) => hasCode(e, 'ERR_OMAPI_ACCESS_DENIED'));
  });
});
