import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { pem } from '../helpers/jpki.js';
import { forEachDialect } from '../helpers/postgres.js';
import { keySigner } from '../sdk/fixtures.js';
import { openssl } from '../services/jpki/support/openssl.js';
import { b64, call, expectRefusals, fromB64, issuePhoneFor, jsonFaults, newCard, PASSWORD, PIN, startWorld, type RpWorld, type TestCard } from './fixtures.js';

/*
 * The bank (flow 4, "opening a bank account"): the terms signed with the signature certificate of a
 * card (through its APDUs) or a phone, the CMS completed and verified by the bank, the basic four
 * information read from the certificate, the account in the database; revoked and held certificates
 * refused through OCSP.
 */

async function open(w: RpWorld) {
  const res = await call(w, 'POST', '/bank/v1/account-openings');
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return res.json as { openingId: string; document: { terms: string[] }; content: string; digestInfo: string };
}

async function cardSignature(card: TestCard, digestInfo: string) {
  const client = await card.client();
  await client.verify('password', PASSWORD);
  return { signature: b64(await client.sign('sign', fromB64(digestInfo))), certificate: b64(await client.readCertificate('sign')) };
}

async function accounts(w: RpWorld): Promise<number> {
  return Number((await w.h.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM bank_accounts'))[0]!.n);
}

forEachDialect('bank', (ctx) => {
  let w: RpWorld;
  let card: TestCard;
  before(async () => {
    w = await startWorld({ database: await ctx.freshConfig() });
    card = await newCard(w.h, { name: '田中\u3000美咲', address: '大阪府大阪市北区中之島1-3-20', birthDate: '1985-07-15', sex: 2 });
  });
  after(() => w?.stop());

  it('opens an account with the card’s signature certificate and shows the verified basic four information', async () => {
    const opening = await open(w);
    assert.equal(JSON.parse(Buffer.from(fromB64(opening.content)).toString('utf8')).type, 'jpki-mobile/bank-account-opening/v1');
    assert.ok(opening.document.terms.length >= 3);
    const res = await call(w, 'POST', '/bank/v1/accounts', { openingId: opening.openingId, ...(await cardSignature(card, opening.digestInfo)) });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    assert.deepEqual(res.json.holder, { name: '田中\u3000美咲', address: '大阪府大阪市北区中之島1-3-20', birthDate: '1985-07-15', sex: 2, nameSubstituteMap: '00000', addressSubstituteMap: '0'.repeat([...'大阪府大阪市北区中之島1-3-20'].length) });
    assert.match(res.json.accountNumber, /^[0-9]{7}$/);
    assert.equal(res.json.branchCode, '001');
    assert.equal(res.json.verifiedBy.kind, 'card-sign');
    assert.equal(res.json.verifiedBy.certificateSerial, card.signSerial);
    assert.equal(res.json.status.source, 'ocsp');

    const got = await call(w, 'GET', `/bank/v1/accounts/${res.json.accountId}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.json.holder, res.json.holder);
    assert.equal(got.json.accountNumber, res.json.accountNumber);
    // The signed terms and their signature, checked by openssl.
    const terms = await call(w, 'GET', `/bank/v1/accounts/${res.json.accountId}/terms`);
    assert.deepEqual(terms.bytes, fromB64(opening.content));
    const cms = await call(w, 'GET', `/bank/v1/accounts/${res.json.accountId}/cms`);
    writeFileSync(join(w.h.dir, 'terms.json'), terms.bytes);
    writeFileSync(join(w.h.dir, 'terms.p7s'), cms.bytes);
    writeFileSync(join(w.h.dir, 'bank-sign-ca.pem'), w.anchors.sign.map((d) => pem('CERTIFICATE', d)).join(''));
    const v = await openssl('cms', '-verify', '-binary', '-inform', 'DER', '-in', join(w.h.dir, 'terms.p7s'), '-content', join(w.h.dir, 'terms.json'), '-CAfile', join(w.h.dir, 'bank-sign-ca.pem'), '-out', '/dev/null');
    assert.equal(v.code, 0, v.out);

    const again = await call(w, 'POST', '/bank/v1/accounts', { openingId: opening.openingId, ...(await cardSignature(card, opening.digestInfo)) });
    assert.equal(again.status, 409);
    assert.equal(again.json.code, 'ERR_BANK_OPENING_USED');
  });

  it('opens an account with a phone’s signature certificate (phone-sign)', async () => {
    const owner = await newCard(w.h, { name: '伊藤\u3000健' });
    const phone = await issuePhoneFor(w.h, owner, 'SE-BANK-1');
    const opening = await open(w);
    const signature = keySigner(phone.signKey!)(fromB64(opening.digestInfo)) as Uint8Array;
    const res = await call(w, 'POST', '/bank/v1/accounts', { openingId: opening.openingId, signature: b64(signature), certificate: b64(phone.signCert) });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    assert.equal(res.json.verifiedBy.kind, 'phone-sign');
    assert.equal(res.json.holder.name, '伊藤\u3000健');
  });

  it('refuses a revoked or held signature certificate, and the user-authentication certificate, opening no account', async () => {
    const before = await accounts(w);
    const revoked = await newCard(w.h, { name: '渡辺\u3000翔' });
    const held = await newCard(w.h, { name: '山本\u3000陽' });
    assert.equal((await w.h.api('POST', `/api/v1/certificates/${revoked.signSerial}/revoke`, { reason: 'affiliationChanged' }, w.h.tokens.office)).status, 200);
    assert.equal((await w.h.api('POST', `/api/v1/certificates/${held.signSerial}/hold`, undefined, w.h.tokens.office)).status, 200);

    const o1 = await open(w);
    const r1 = await call(w, 'POST', '/bank/v1/accounts', { openingId: o1.openingId, ...(await cardSignature(revoked, o1.digestInfo)) });
    assert.equal(r1.status, 403);
    assert.equal(r1.json.code, 'ERR_RP_CERT_REVOKED');
    assert.equal(r1.json.reason, 'affiliationChanged');
    const o2 = await open(w);
    const r2 = await call(w, 'POST', '/bank/v1/accounts', { openingId: o2.openingId, ...(await cardSignature(held, o2.digestInfo)) });
    assert.equal(r2.status, 403);
    assert.equal(r2.json.code, 'ERR_RP_CERT_SUSPENDED');
    // The user-authentication key and certificate: a valid signature by a certificate of the wrong kind.
    const o3 = await open(w);
    const client = await card.client();
    await client.verify('pin', PIN);
    const r3 = await call(w, 'POST', '/bank/v1/accounts', { openingId: o3.openingId, signature: b64(await client.sign('auth', fromB64(o3.digestInfo))), certificate: b64(await client.readCertificate('auth')) });
    assert.equal(r3.status, 403);
    assert.equal(r3.json.code, 'ERR_RP_CERT_WRONG_KIND');
    assert.equal(r3.json.certificateKind, 'card-auth');
    assert.equal(await accounts(w), before);
    // A refusal does not use the opening: signed properly, it still opens the account.
    const ok = await call(w, 'POST', '/bank/v1/accounts', { openingId: o3.openingId, ...(await cardSignature(card, o3.digestInfo)) });
    assert.equal(ok.status, 201);
  });

  it('refuses terms brought back after 15 minutes', async () => {
    const opening = await open(w);
    w.shift(15 * 60_000 + 1000);
    try {
      const res = await call(w, 'POST', '/bank/v1/accounts', { openingId: opening.openingId, ...(await cardSignature(card, opening.digestInfo)) });
      assert.equal(res.status, 410);
      assert.equal(res.json.code, 'ERR_BANK_OPENING_EXPIRED');
    } finally {
      w.shift(0);
    }
  });

  it('answers bad inputs with their own 4xx and code, writing nothing', async () => {
    const opening = await open(w);
    const signed = await cardSignature(card, opening.digestInfo);
    const path = '/bank/v1/accounts';
    const field = (json: unknown, name: string, status = 400, code = 'ERR_REQUEST_FIELD') => ({ name, path, json, status, code });
    const good = { openingId: opening.openingId, ...signed };
    const unknown = 'AAAAAAAAAAAAAAAAAAAAAA';
    await expectRefusals(w, [
      ...jsonFaults('/bank/v1/account-openings'),
      ...jsonFaults(path),
      field({ signature: signed.signature, certificate: signed.certificate }, 'no openingId'),
      field({ ...good, openingId: ['x'] }, 'openingId an array'),
      field({ ...good, signature: '%%%' }, 'signature not base64'),
      field({ ...good, certificate: '' }, 'certificate empty'),
      field({ ...good, certificate: 'A'.repeat(11_000) + '==' }, 'certificate oversized'),
      field({ ...good, openingId: unknown }, 'an unknown opening', 404, 'ERR_BANK_OPENING_UNKNOWN'),
      field({ ...good, certificate: b64(Uint8Array.of(0x30, 0x00)) }, 'an empty SEQUENCE for a certificate', 400, 'ERR_RP_CERT_MALFORMED'),
      field({ ...good, signature: b64(new Uint8Array(256).fill(1)) }, 'a signature that does not verify', 400, 'ERR_RP_SIGNATURE_INVALID'),
      { name: 'an unknown account', path: `/bank/v1/accounts/${unknown}`, status: 404, code: 'ERR_BANK_ACCOUNT_UNKNOWN' },
      { name: 'an opening id is not an account', path: `/bank/v1/accounts/${opening.openingId}`, status: 404, code: 'ERR_BANK_ACCOUNT_UNKNOWN' },
      { name: 'an unknown account’s terms', path: `/bank/v1/accounts/${unknown}/terms`, status: 404, code: 'ERR_BANK_ACCOUNT_UNKNOWN' },
      { name: 'an unknown account’s signature', path: `/bank/v1/accounts/${unknown}/cms`, status: 404, code: 'ERR_BANK_ACCOUNT_UNKNOWN' },
      { name: 'a query parameter', path: `/bank/v1/accounts/${unknown}?full=1`, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'PUT', method: 'PUT', path, json: good, status: 405, code: 'ERR_HTTP_METHOD' },
    ]);
  });
});
