import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { buildSignedData, RelyingParty, RelyingPartyError } from '../../src/sdk/index.js';
import { Authority } from '../../src/services/jpki/authority.js';
import { issueCard, startJpki, type IssuedCard, type JpkiHarness } from '../helpers/jpki.js';
import { restartJpki } from '../services/jpki/support/harness.js';
import { anchorsOf, keySigner } from './fixtures.js';

/**
 * Every live CA generation is a trust anchor (jpki-ap.md 3.1): after `ca rotate`, signatures by
 * certificates of the old generation and of the new one are both accepted by a relying party that
 * configures both, and the old one is refused by a party that dropped it.
 */

let h: JpkiHarness;
let dbDir: string;
let old: IssuedCard;
let fresh: IssuedCard;
const DOCUMENT = new TextEncoder().encode('口座開設申込書\n');

before(async () => {
  dbDir = mkdtempSync(join(tmpdir(), 'sdk-generations-'));
  const database = { kind: 'sqlite' as const, path: join(dbDir, 'jpki.db') };
  h = await startJpki({ database });
  old = await issueCard(h);
  assert.equal(await Authority.rotate(h.db, 'sign', new Date(), { passphrase: h.passphrase }), 'sign/2');
  h = await restartJpki(h, database);
  fresh = await issueCard(h, { name: '渡辺\u3000直子', sex: 2 });
});
after(async () => {
  await h.stop();
  rmSync(dbDir, { recursive: true, force: true });
});

it('accepts documents signed under both signature CA generations, naming the generation, and refuses a dropped one', async () => {
  const anchors = anchorsOf(h);
  assert.deepEqual(anchors.sign!.map((a) => (a as { label: string }).label), ['sign-1', 'sign-2']);
  // The restart moved the service to another port: the URLs written in the old certificates are gone,
  // so status goes to the responder the party configures (as a platform operator's would be).
  const rp = new RelyingParty({ trustAnchors: anchors, status: { ocsp: { url: `${h.url}/ocsp` }, crl: { enabled: false } } });
  const sign = async (c: IssuedCard) => buildSignedData({ content: DOCUMENT, certificate: c.signCert, signingTime: new Date(), sign: keySigner(c.signKey) });
  const a = await rp.verifySignedDocument({ content: DOCUMENT, cms: await sign(old) });
  const b = await rp.verifySignedDocument({ content: DOCUMENT, cms: await sign(fresh) });
  assert.deepEqual([a.issuer.label, b.issuer.label], ['sign-1', 'sign-2']);
  assert.notEqual(a.issuer.keyIdentifier, b.issuer.keyIdentifier);
  assert.equal(a.issuer.subject, b.issuer.subject, 'the generations share a name');
  assert.deepEqual([a.status.source, b.status.source], ['ocsp', 'ocsp']);

  const onlyNew = new RelyingParty({ trustAnchors: { sign: [anchors.sign![1]!] }, status: { ocsp: { url: `${h.url}/ocsp` } } });
  await assert.rejects(onlyNew.verifySignedDocument({ content: DOCUMENT, cms: await sign(old) }), (e) => e instanceof RelyingPartyError && e.code === 'ERR_RP_CERT_ISSUER_UNKNOWN');
  assert.equal((await onlyNew.verifySignedDocument({ content: DOCUMENT, cms: await sign(fresh) })).kind, 'card-sign');
});
