import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { JpkiService } from '../../../src/services/jpki/service.js';
import { openDatabase, type DatabaseConfig } from '../../../src/store/index.js';
import { startJpki, writePem, type IssuedCard, type IssuedPhone, type JpkiHarness } from '../../helpers/jpki.js';
import { forEachDialect } from '../../helpers/postgres.js';
import { openssl } from './support/openssl.js';
import { fetchCrl, verifyChain, type CrlView } from './support/revocation.js';
import { World } from './support/world.js';

/**
 * Issue 3, "Done when" 3: every CRL verifies with `openssl crl -CAfile`, lists revoked and held
 * certificates with their reasons, takes a new CRL number on every re-issue, drops a released hold,
 * and makes `openssl verify -crl_check` reject a revoked certificate and accept a good one.
 */

forEachDialect('JPKI CRLs, read by openssl', (ctx) => {
  let h: JpkiHarness;
  let w: World;
  let ca: ReturnType<JpkiHarness['exportCa']>;
  let config: DatabaseConfig;
  let shift = 0;
  let a: IssuedCard;
  let b: IssuedCard;
  let phone: IssuedPhone;
  const f: Record<string, string> = {};
  const crl = (hierarchy: 'sign' | 'auth'): Promise<CrlView> => fetchCrl(h.url, h.dir, hierarchy, 1, ca[hierarchy]);
  const numbers: Record<'sign' | 'auth', number[]> = { sign: [], auth: [] };
  async function both(): Promise<{ sign: CrlView; auth: CrlView }> {
    const sign = await crl('sign');
    const auth = await crl('auth');
    assert.ok(sign.verified, sign.text);
    assert.ok(auth.verified, auth.text);
    numbers.sign.push(sign.number);
    numbers.auth.push(auth.number);
    return { sign, auth };
  }

  before(async () => {
    config = await ctx.freshConfig();
    h = await startJpki({ database: config, clock: () => new Date(Date.now() + shift) });
    w = await World.of(h);
    ca = h.exportCa();
    a = await w.card();
    b = await w.card({ name: '佐藤\u3000花子', address: '大阪府大阪市北区中之島1-3-20', birthDate: '1985-06-30', sex: 2 });
    phone = await w.phone(a, 'SE-CRL-1');
    f.aSign = writePem(h, 'a-sign.pem', a.signCert);
    f.bSign = writePem(h, 'b-sign.pem', b.signCert);
    f.phoneAuth = writePem(h, 'phone-auth.pem', phone.authCert);
  });
  after(async () => {
    await h?.stop();
  });

  it('starts empty, verified by openssl crl -CAfile, with a day between thisUpdate and nextUpdate', async () => {
    const { sign, auth } = await both();
    for (const c of [sign, auth]) {
      assert.equal(c.entries.size, 0);
      assert.match(c.text, /No Revoked Certificates/);
      assert.equal(c.nextUpdate.getTime() - c.lastUpdate.getTime(), 24 * 3_600_000);
      assert.ok(Math.abs(c.lastUpdate.getTime() - Date.now()) < 60_000);
    }
    // Unchanged: the same CRL is served again, no new number.
    const again = await crl('sign');
    assert.equal(again.number, sign.number);
    assert.deepEqual(again.der, sign.der);
    // Each CRL is signed by its own hierarchy's CA only.
    const wrongCa = await openssl('crl', '-inform', 'DER', '-in', sign.derPath, '-CAfile', ca.auth, '-noout');
    assert.notEqual(wrongCa.code, 0);
    assert.doesNotMatch(wrongCa.out, /verify OK/);
  });

  it('lists revoked and held certificates with their reasons; openssl verify -crl_check rejects them and accepts a good one', async () => {
    assert.equal((await h.api('POST', `/api/v1/certificates/${b.signSerial}/revoke`, { reason: 'keyCompromise' }, h.tokens.office)).status, 200);
    assert.equal((await h.api('POST', `/api/v1/certificates/${phone.authSerial}/hold`, undefined, h.tokens.callCentre)).status, 200);
    assert.equal((await h.api('POST', `/api/v1/certificates/${b.authSerial}/revoke`, { reason: 'cessationOfOperation' }, h.tokens.office)).status, 200);
    const { sign, auth } = await both();
    assert.deepEqual([...sign.entries], [[b.signSerial, 'Key Compromise']]);
    assert.deepEqual(new Map(auth.entries), new Map([[phone.authSerial, 'Certificate Hold'], [b.authSerial, 'Cessation Of Operation']]));

    const revoked = await verifyChain(ca.sign, f.bSign!, sign.pemPath);
    assert.equal(revoked.ok, false);
    assert.match(revoked.out, /certificate revoked/);
    const held = await verifyChain(ca.auth, f.phoneAuth!, auth.pemPath);
    assert.equal(held.ok, false);
    assert.match(held.out, /certificate revoked/);
    const good = await verifyChain(ca.sign, f.aSign!, sign.pemPath);
    assert.ok(good.ok, good.out);
    // Without the CRL check openssl accepts the revoked one: the refusal above is the CRL's doing.
    assert.ok((await verifyChain(ca.sign, f.bSign!)).ok);
  });

  it('drops a released hold from the next CRL', async () => {
    assert.equal((await h.api('POST', `/api/v1/certificates/${phone.authSerial}/release`, undefined, h.tokens.callCentre)).status, 200);
    const { auth } = await both();
    assert.equal(auth.entries.has(phone.authSerial), false);
    assert.equal(auth.entries.get(b.authSerial), 'Cessation Of Operation');
    const released = await verifyChain(ca.auth, f.phoneAuth!, auth.pemPath);
    assert.ok(released.ok, released.out);
  });

  it('follows a revocation committed by another service instance at once, with the cascade to the phone', async () => {
    const db = await openDatabase(config);
    const second = await JpkiService.open({ db, passphrase: h.passphrase, baseUrl: h.url });
    try {
      await second.revoke({ kind: 'office', id: 'office-2' }, a.signSerial, 3);
    } finally {
      second.close();
      await db.close();
    }
    const { sign, auth } = await both();
    assert.equal(sign.entries.get(a.signSerial), 'Affiliation Changed');
    assert.equal(sign.entries.get(phone.signSerial), 'Affiliation Changed');
    assert.equal(auth.entries.get(phone.authSerial), 'Affiliation Changed');
    const now = await verifyChain(ca.sign, f.aSign!, sign.pemPath);
    assert.match(now.out, /certificate revoked/);
  });

  it('took a larger CRL number at every re-issue', () => {
    for (const hierarchy of ['sign', 'auth'] as const) {
      const n = numbers[hierarchy];
      assert.equal(n.length, 4);
      for (let i = 1; i < n.length; i++) assert.ok(n[i]! > n[i - 1]!, `${hierarchy}: ${n.join(' < ')}`);
    }
  });

  it('re-issues an unchanged CRL once half its validity has passed, with the next number', async () => {
    const before = await crl('auth');
    shift = 13 * 3_600_000;
    try {
      const later = await crl('auth');
      assert.ok(later.verified, later.text);
      assert.equal(later.number, before.number + 1);
      assert.ok(later.lastUpdate.getTime() - before.lastUpdate.getTime() >= 13 * 3_600_000 - 2_000);
      assert.deepEqual(later.entries, before.entries);
    } finally {
      shift = 0;
    }
  });
});
