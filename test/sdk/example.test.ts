import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { buildSignedData } from '../../src/sdk/index.js';
import { createPortal, finishLogin, receiveApplication, startLogin } from '../../examples/sdk-portal.js';
import { DEFAULT_PERSON, pem, startJpki, type JpkiHarness } from '../helpers/jpki.js';
import { PASSWORD, PIN, emulatedCard } from './fixtures.js';

/** The example of docs/sdk.md (examples/sdk-portal.ts), run: a card logs in to the portal and files a signed application. */

let h: JpkiHarness;
before(async () => {
  h = await startJpki();
});
after(() => h.stop());

it('runs the documented portal: login with the card, a replay refused, a signed application read', async () => {
  const generations = h.service.ctx.authority.all();
  const anchors = {
    sign: generations.filter((g) => g.hierarchy === 'sign').map((g) => pem('CERTIFICATE', g.certificate)),
    auth: generations.filter((g) => g.hierarchy === 'auth').map((g) => pem('CERTIFICATE', g.certificate)),
  };
  const portal = createPortal(anchors);
  const card = await emulatedCard(h);

  // The holder's app: reads the challenge, has the card sign its DigestInfo after the PIN.
  const { challenge, digestInfo } = await startLogin(portal);
  const client = await card.client();
  await client.verify('pin', PIN);
  const form = {
    challenge,
    certificate: pem('CERTIFICATE', await client.readCertificate('auth')),
    signature: Buffer.from(await client.sign('auth', new Uint8Array(Buffer.from(digestInfo, 'base64')))).toString('base64'),
  };
  const login = await finishLogin(portal, form);
  assert.equal(login.status, 200);
  assert.ok(login.ok && login.body.via === 'card-auth');
  assert.deepEqual(await finishLogin(portal, form), { ok: false, status: 401, body: { code: 'ERR_RP_CHALLENGE_REPLAYED' } });

  // An application signed with the card's signature key (after the password).
  await client.verify('password', PASSWORD);
  const document = new TextEncoder().encode('{"form":"住民票の写しの交付請求"}');
  const cms = await buildSignedData({ content: document, certificate: await client.readCertificate('sign'), signingTime: new Date(), sign: (d) => client.sign('sign', d) });
  const filed = await receiveApplication(portal, document, Buffer.from(cms).toString('base64'));
  assert.equal(filed.status, 200);
  assert.ok(filed.ok && filed.body.applicant.name === DEFAULT_PERSON.name);
  assert.deepEqual(await receiveApplication(portal, new TextEncoder().encode('{"form":"other"}'), Buffer.from(cms).toString('base64')), { ok: false, status: 422, body: { code: 'ERR_RP_CONTENT_MISMATCH' } });
});
