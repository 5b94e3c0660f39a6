import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { Authority } from '../../../src/services/jpki/authority.js';
import { verifyAudit, type DatabaseConfig } from '../../../src/store/index.js';
import { startJpki, writePem, type JpkiHarness } from '../../helpers/jpki.js';
import { forEachDialect } from '../../helpers/postgres.js';
import { restartJpki } from './support/harness.js';
import { openssl } from './support/openssl.js';
import { fetchCrl, verifyChain } from './support/revocation.js';
import { assertStates, tracked } from './support/status.js';
import { certificateRow } from './support/store.js';
import { World } from './support/world.js';

/**
 * Issue 3 (CA key generations): `Authority.rotate` on the same database and a restart. What the old
 * generation issued stays verifiable and is still answered by OCSP and by its own CRL; new issuance
 * comes from the new generation, including phones authorised by an old-generation card certificate.
 */

forEachDialect('JPKI CA rotation', (ctx) => {
  let h: JpkiHarness;
  let w: World;
  let config: DatabaseConfig;
  const ca = (hierarchy: string, generation: number) => join(h.dir, `${hierarchy}-${generation}.pem`);

  before(async () => {
    config = await ctx.freshConfig();
    h = await startJpki({ database: config });
    w = await World.of(h);
  });
  after(async () => {
    await h?.stop();
  });

  it('keeps the old generation verifiable and answered while new issuance uses the new one', async () => {
    const old = await w.card();
    const oldPhone = await w.phone(old, 'SE-ROTATE-1');
    const gone = await w.card({ name: '田中\u3000次郎', sex: 1 });
    assert.equal((await h.api('POST', `/api/v1/certificates/${gone.signSerial}/revoke`, { reason: 'keyCompromise' }, h.tokens.office)).status, 200);

    assert.equal(await Authority.rotate(h.db, 'sign', new Date(), { passphrase: h.passphrase }), 'sign/2');
    h = await restartJpki(h, config);
    w = await World.of(h);
    h.exportCa();

    for (const file of ['1.crt', '2.crt', '2.pem', '2-ocsp.crt', '1-ocsp.crt']) {
      const res = await fetch(`${h.url}/ca/sign/${file}`);
      assert.equal(res.status, 200, file);
    }
    // Old certificates still chain to generation 1.
    const oldSign = writePem(h, 'old-sign.pem', old.signCert);
    assert.ok((await verifyChain(ca('sign', 1), oldSign)).ok);

    // New issuance: signature certificates from generation 2 (authentication is not rotated).
    const fresh = await w.card({ name: '中村\u3000三郎', sex: 1 });
    const freshSign = writePem(h, 'fresh-sign.pem', fresh.signCert);
    assert.ok((await verifyChain(ca('sign', 2), freshSign)).ok);
    assert.equal((await verifyChain(ca('sign', 1), freshSign)).ok, false);
    assert.equal(Number((await certificateRow(h.db, fresh.signSerial)).generation), 2);
    assert.equal(Number((await certificateRow(h.db, fresh.authSerial)).generation), 1);
    assert.match((await openssl('x509', '-in', freshSign, '-noout', '-ext', 'crlDistributionPoints')).stdout, new RegExp(`URI:${h.url}/crl/sign/2\\.crl`));

    // A card certificate of generation 1 still authorises a phone; the phone's comes from generation 2.
    const newPhone = await w.phone(old, 'SE-ROTATE-2');
    assert.deepEqual(new Set(newPhone.superseded), new Set([oldPhone.signSerial, oldPhone.authSerial]));
    const newPhoneSign = writePem(h, 'new-phone-sign.pem', newPhone.signCert);
    assert.ok((await verifyChain(ca('sign', 2), newPhoneSign)).ok);
    const cardEnd = (await certificateRow(h.db, old.signSerial)).not_after;
    assert.ok((await certificateRow(h.db, newPhone.signSerial)).not_after <= cardEnd, 'the phone does not outlive its card certificate');

    const o = tracked(old, { sign: 1 });
    const g = tracked(gone, { sign: 1 });
    const f = tracked(fresh, { sign: 2 });
    const op = tracked(oldPhone, { sign: 1 });
    const np = tracked(newPhone, { sign: 2 });
    await assertStates(h, [
      [o.sign, 'good', 'old card signature (generation 1)'],
      [g.sign, 1, 'revoked before the rotation (generation 1)'],
      [op.sign, 4, 'old phone signature superseded (generation 1)'],
      [op.auth, 4, 'old phone authentication superseded'],
      [f.sign, 'good', 'new card signature (generation 2)'],
      [np.sign, 'good', 'new phone signature (generation 2)'],
      [np.auth, 'good', 'new phone authentication'],
    ]);

    // Revoking the generation-1 card certificate cascades to the generation-2 phone certificate;
    // each generation's CRL lists only its own certificates.
    assert.equal((await h.api('POST', `/api/v1/certificates/${old.signSerial}/revoke`, { reason: 'keyCompromise' }, h.tokens.office)).status, 200);
    await assertStates(h, [
      [o.sign, 1, 'old card signature revoked (generation 1)'],
      [np.sign, 5, 'cascade to the generation-2 phone signature'],
      [np.auth, 5, 'cascade to the phone authentication'],
      [f.sign, 'good', 'new card signature'],
    ]);
    const crl1 = await fetchCrl(h.url, h.dir, 'sign', 1, ca('sign', 1));
    const crl2 = await fetchCrl(h.url, h.dir, 'sign', 2, ca('sign', 2));
    assert.ok(crl1.verified && crl2.verified);
    assert.deepEqual(new Set(crl1.entries.keys()), new Set([gone.signSerial, oldPhone.signSerial, old.signSerial]));
    assert.deepEqual(new Set(crl2.entries.keys()), new Set([newPhone.signSerial]));
    assert.match((await verifyChain(ca('sign', 1), oldSign, crl1.pemPath)).out, /certificate revoked/);
    assert.ok((await verifyChain(ca('sign', 2), freshSign, crl2.pemPath)).ok);

    assert.equal((await verifyAudit(h.db)).ok, true);
  });
});
