import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../src/app/index.js';
import { ISSUED, jpkiOnElement, PREPARED } from './support/element-status.js';
import { appletContents, appletPublicKey, caRecord, issue, newCard, ocsp, PASSWORD, PIN, preparedHandset, startE2e, type E2e, type Handset } from './support/flows.js';
import type { IdCard } from '../../src/devices/id-card/index.js';

/**
 * Flow 3, issuance, end to end: the card held to the phone signs the application after its password,
 * the CA issues both phone certificates linked to the card certificate, the SP-TSM writes them with
 * temporary secrets the app replaces at once by the user's own. Checked: the CA's records, OCSP, the
 * element's contents by GET STATUS through the ISD (the applet PERSONALIZED), the applet's data (its
 * keys: the public keys certified are those of the keys it holds), and that the user's PIN and password
 * are what the applet now takes.
 */
describe('flow 3: issuance with the card', () => {
  let h: E2e;
  let x: Handset;
  let card: IdCard;
  let serials: { auth: string; sign: string };

  before(async () => {
    h = await startE2e({ ordersIntervalMs: 0 });
    x = await preparedHandset(h, 'Phone');
    card = await newCard(h);
  });
  after(() => h?.stop());

  it('a wrong card password says how many tries are left, and nothing is issued', async () => {
    await assert.rejects(x.app.issue({ card, cardPassword: async () => 'WRONG11', newSecrets: async () => ({ pin: PIN, pinConfirm: PIN, password: PASSWORD, passwordConfirm: PASSWORD }) }), (e: unknown) => e instanceof AppError && e.code === 'ERR_APP_CARD_PASSWORD_WRONG' && e.triesLeft === 4);
    assert.equal(x.app.data.certificates, null);
    assert.deepEqual(await jpkiOnElement(h, x), PREPARED);
  });

  it('the CA issues both phone certificates for this element, linked to the card\'s signature certificate; OCSP says good', async () => {
    serials = await issue(x, card);
    const sign = await caRecord(h, serials.sign);
    const auth = await caRecord(h, serials.auth);
    for (const r of [sign, auth]) assert.deepEqual([r.status, r.device, r.seId], ['good', 'phone', x.seId]);
    assert.deepEqual([sign.hierarchy, auth.hierarchy], ['sign', 'auth']);
    assert.equal(sign.personId, auth.personId);
    const cardCert = await caRecord(h, sign.linkedSerial!);
    assert.deepEqual([cardCert.device, cardCert.hierarchy, cardCert.status], ['card', 'sign', 'good']);
    assert.deepEqual(await ocsp(h, serials.sign, 'sign'), { kind: 'good' });
    assert.deepEqual(await ocsp(h, serials.auth, 'auth'), { kind: 'good' });
  });

  it('the applet holds both keys, the four certificates, the PIN and password: the user\'s own', async () => {
    assert.deepEqual(await jpkiOnElement(h, x), ISSUED);
    assert.deepEqual(appletContents(x), { keys: { '0017': 'key', '001A': 'key' }, certificates: ['0001', '0002', '000A', '000B'], pins: ['0018', '001B'] });
    // The public keys certified are those of the private keys the element generated and holds.
    const spki = (pem: string) => new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' }).toString('hex');
    assert.equal(spki((await caRecord(h, serials.auth)).pem), appletPublicKey(x, '0017'));
    assert.equal(spki((await caRecord(h, serials.sign)).pem), appletPublicKey(x, '001A'));
    assert.equal(x.app.flowState('issuance'), 'issued');
    const r = await x.app.login({ challenge: new Uint8Array(32).fill(1), pin: PIN });
    assert.equal(r.via, 'pin');
    // The app keeps copies of its certificates (public) to show their status.
    assert.deepEqual(x.app.data.certificates, serials);
    const status = await x.app.status();
    assert.deepEqual(status.certificates.map((c) => [c.serial, c.state]), [[serials.auth, 'good'], [serials.sign, 'good']]);
  });
});
