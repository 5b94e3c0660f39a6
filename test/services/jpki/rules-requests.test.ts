import assert from 'node:assert/strict';
import { randomBytes, sign, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { encodeHolderRevocationRequest } from '../../../src/services/jpki/application.js';
import { verifyAudit } from '../../../src/store/index.js';
import { holderRevocation, startJpki, type IssuedPhone, type JpkiHarness } from '../../helpers/jpki.js';
import { forEachDialect } from '../../helpers/postgres.js';
import { openssl } from './support/openssl.js';
import { assertStates, tracked } from './support/status.js';
import { assertUnchanged, outboxRows, snapshot } from './support/store.js';
import { b64, pemToDer, watchSigners, World } from './support/world.js';

/**
 * Issue 3, "Done when" 4 (signed requests): revocation by the holder from the phone (flow 7) and what
 * phone issuance (flow 3) refuses — each refusal with its status and code, nothing signed or written.
 */

/** A holder revocation request signed with any key (the right one is the phone's authentication key). */
function signedRequest(serial: string, key: KeyObject, options: { time?: Date; nonce?: string; reason?: string } = {}) {
  const request = encodeHolderRevocationRequest({
    serial,
    reason: (options.reason ?? 'cessationOfOperation') as 'cessationOfOperation',
    nonce: options.nonce ?? randomBytes(16).toString('base64url'),
    time: options.time ?? new Date(),
  });
  return { request: b64(request), signature: b64(sign('sha256', request, key)) };
}

forEachDialect('JPKI rules: holder revocation from the phone, and what phone issuance refuses', (ctx) => {
  let h: JpkiHarness;
  let w: World;
  let shift = 0;

  before(async () => {
    h = await startJpki({ database: await ctx.freshConfig(), clock: () => new Date(Date.now() + shift) });
    w = await World.of(h);
  });
  after(async () => {
    await h?.stop();
  });

  async function refused(path: string, body: unknown, status: number, code: string, token?: string): Promise<void> {
    const signatures = watchSigners(h);
    const before = await snapshot(h.db);
    const res = await h.api('POST', path, body, token);
    assert.equal(res.status, status, `${code}: ${JSON.stringify(res.json)}`);
    assert.equal(res.contentType, 'application/problem+json');
    assert.equal(res.json.code, code);
    assert.equal(signatures.count(), 0, `${code}: nothing signed`);
    await assertUnchanged(h.db, before, code);
  }
  const holder = (body: unknown, status: number, code: string) => refused('/api/v1/holder/revocations', body, status, code);
  const phoneIssuance = (body: unknown, status: number, code: string) => refused('/api/v1/phone-certificates', body, status, code, h.tokens.spTsm);

  it('the holder revokes both phone certificates with the phone authentication key; deletion of the keys is ordered', async () => {
    const card = await w.card();
    const phone = await w.phone(card, 'SE-HOLDER-1');
    const outbox0 = (await outboxRows(h.db)).length;
    const request = holderRevocation(phone, 'keyCompromise');
    const res = await h.api('POST', '/api/v1/holder/revocations', request);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.deepEqual(new Set(res.json.revoked), new Set([phone.signSerial, phone.authSerial]));
    const events = (await outboxRows(h.db)).slice(outbox0);
    assert.ok(events.length > 0 && events.every((e) => e.kind === 'phone-keys-delete' && e.se_id === 'SE-HOLDER-1' && Number(e.reason) === 1));
    assert.deepEqual(new Set(events.flatMap((e) => JSON.parse(e.serials) as string[])), new Set([phone.signSerial, phone.authSerial]));
    const c = tracked(card);
    const p = tracked(phone);
    await assertStates(h, [
      [p.sign, 1, 'phone signature'],
      [p.auth, 1, 'phone authentication'],
      [c.sign, 'good', 'the card is not touched'],
      [c.auth, 'good', 'the card is not touched'],
    ]);
    // The same request again: refused, nothing written.
    await holder(request, 409, 'ERR_JPKI_ALREADY_REVOKED');
    // A nonce spent once cannot be spent again, even by the next phone of the same holder.
    const next = await w.phone(card, 'SE-HOLDER-2');
    const reused = JSON.parse(Buffer.from(request.request, 'base64').toString('utf8')) as { nonce: string };
    await holder(holderRevocation(next, 'cessationOfOperation', { nonce: reused.nonce }), 409, 'ERR_JPKI_APPLICATION_REPLAYED');
  });

  it('refuses a stale or future request, another key, and certificates that are not a phone authentication certificate', async () => {
    const card = await w.card();
    const phone: IssuedPhone = await w.phone(card, 'SE-HOLDER-3');
    await holder(holderRevocation(phone, 'cessationOfOperation', { time: new Date(Date.now() - 10 * 60_000) }), 422, 'ERR_JPKI_APPLICATION_STALE');
    await holder(holderRevocation(phone, 'cessationOfOperation', { time: new Date(Date.now() + 10 * 60_000) }), 422, 'ERR_JPKI_APPLICATION_STALE');
    await holder(signedRequest(phone.authSerial, w.otherKey(phone.authKey)), 422, 'ERR_JPKI_HOLDER_SIGNATURE');
    await holder(signedRequest(phone.authSerial, phone.signKey), 422, 'ERR_JPKI_HOLDER_SIGNATURE');
    await holder(signedRequest(phone.signSerial, phone.signKey), 422, 'ERR_JPKI_HOLDER_SIGNATURE');
    await holder(signedRequest(card.authSerial, card.authKey), 422, 'ERR_JPKI_HOLDER_SIGNATURE');
    await holder(signedRequest('0BADC0DE0BADC0DE', phone.authKey), 422, 'ERR_JPKI_HOLDER_SIGNATURE');
    await holder(signedRequest(phone.authSerial, phone.authKey, { reason: 'superseded' }), 422, 'ERR_JPKI_APPLICATION');
    // A held (lost, then found) phone may still be revoked by its holder.
    assert.equal((await h.api('POST', `/api/v1/certificates/${phone.authSerial}/hold`, undefined, h.tokens.callCentre)).status, 200);
    const res = await h.api('POST', '/api/v1/holder/revocations', holderRevocation(phone));
    assert.equal(res.status, 200);
    const p = tracked(phone);
    await assertStates(h, [
      [p.sign, 5, 'phone signature'],
      [p.auth, 5, 'held phone authentication'],
    ]);
  });

  it('phone issuance refuses a held or revoked card certificate', async () => {
    const held = await w.card();
    assert.equal((await h.api('POST', `/api/v1/certificates/${held.signSerial}/hold`, undefined, h.tokens.callCentre)).status, 200);
    await phoneIssuance(w.application(held, 'SE-ISSUE-1').body, 422, 'ERR_JPKI_CARD_CERTIFICATE');
    const revoked = await w.card();
    assert.equal((await h.api('POST', `/api/v1/certificates/${revoked.signSerial}/revoke`, { reason: 'keyCompromise' }, h.tokens.office)).status, 200);
    await phoneIssuance(w.application(revoked, 'SE-ISSUE-1').body, 422, 'ERR_JPKI_CARD_CERTIFICATE');
  });

  it('phone issuance refuses a forged card signature, a replayed, stale or malformed application', async () => {
    const card = await w.card();
    await phoneIssuance(w.application(card, 'SE-ISSUE-2', { signWith: card.authKey }).body, 422, 'ERR_JPKI_CARD_SIGNATURE');
    await phoneIssuance(w.application(card, 'SE-ISSUE-2', { signWith: w.otherKey(card.signKey) }).body, 422, 'ERR_JPKI_CARD_SIGNATURE');
    await phoneIssuance(w.application(card, 'SE-ISSUE-2', { time: new Date(Date.now() - 10 * 60_000) }).body, 422, 'ERR_JPKI_APPLICATION_STALE');
    const app = w.application(card, 'SE-ISSUE-2');
    assert.equal((await h.api('POST', '/api/v1/phone-certificates', app.body, h.tokens.spTsm)).status, 201);
    await phoneIssuance(app.body, 409, 'ERR_JPKI_APPLICATION_REPLAYED');
    for (const document of ['not json', '{"type":"jpki-mobile/phone-issuance/v1"}', '[]']) {
      const bytes = Buffer.from(document);
      await phoneIssuance({ ...app.body, application: b64(bytes), signature: b64(sign('sha256', bytes, card.signKey)) }, 422, 'ERR_JPKI_APPLICATION');
    }
  });

  it('phone issuance refuses a card certificate this service did not issue as a card signature certificate', async () => {
    const card = await w.card();
    const phone = await w.phone(card, 'SE-ISSUE-3');
    // The card authentication certificate, and a phone signature certificate, signed with their own keys.
    await phoneIssuance(w.application(card, 'SE-ISSUE-4', { cardCertificate: card.authCert, signWith: card.authKey }).body, 422, 'ERR_JPKI_CARD_CERTIFICATE');
    await phoneIssuance(w.application(card, 'SE-ISSUE-4', { cardCertificate: phone.signCert, signWith: phone.signKey }).body, 422, 'ERR_JPKI_CARD_CERTIFICATE');
    await phoneIssuance(w.application(card, 'SE-ISSUE-4', { cardCertificate: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]) }).body, 422, 'ERR_JPKI_CARD_CERTIFICATE');
    // A look-alike: a CA with this service's signature CA name (another key) certifies the card key, with the card's serial.
    const dir = h.dir;
    const caKey = join(dir, 'forger.key');
    const cardKey = join(dir, 'card.key');
    writeFileSync(caKey, w.otherKey(card.signKey).export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(cardKey, card.signKey.export({ type: 'pkcs8', format: 'pem' }));
    const subject = (await openssl('x509', '-in', h.exportCa().sign, '-noout', '-subject', '-nameopt', 'compat')).stdout.replace(/^subject=/, '').trim();
    const steps = [
      ['req', '-x509', '-new', '-key', caKey, '-subj', subject, '-days', '30', '-out', join(dir, 'forger.pem')],
      ['req', '-new', '-key', cardKey, '-subj', '/C=JP/CN=FORGED', '-out', join(dir, 'card.csr')],
      ['x509', '-req', '-in', join(dir, 'card.csr'), '-CA', join(dir, 'forger.pem'), '-CAkey', caKey, '-set_serial', `0x${card.signSerial}`, '-days', '30', '-out', join(dir, 'forged.pem')],
    ];
    for (const args of steps) assert.equal((await openssl(...args)).code, 0, args.join(' '));
    const issuerHash = (await openssl('x509', '-in', join(dir, 'forged.pem'), '-noout', '-issuer_hash')).stdout;
    assert.equal(issuerHash, (await openssl('x509', '-in', h.exportCa().sign, '-noout', '-subject_hash')).stdout, 'the look-alike names the real CA');
    const forged = pemToDer(readFileSync(join(dir, 'forged.pem'), 'utf8'));
    await phoneIssuance(w.application(card, 'SE-ISSUE-4', { cardCertificate: forged }).body, 422, 'ERR_JPKI_CARD_CERTIFICATE');
    // A self-signed certificate of the card key.
    assert.equal((await openssl('req', '-x509', '-new', '-key', cardKey, '-subj', '/C=JP/CN=SELF', '-days', '30', '-out', join(dir, 'self.pem'))).code, 0);
    await phoneIssuance(w.application(card, 'SE-ISSUE-4', { cardCertificate: pemToDer(readFileSync(join(dir, 'self.pem'), 'utf8')) }).body, 422, 'ERR_JPKI_CARD_CERTIFICATE');
  });

  it('phone issuance refuses a card certificate past its validity', async () => {
    const card = await w.card({}, { cardExpiry: new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10) });
    shift = 5 * 86_400_000;
    try {
      await phoneIssuance(w.application(card, 'SE-ISSUE-5', { time: new Date(Date.now() + shift) }).body, 422, 'ERR_JPKI_CARD_CERTIFICATE');
    } finally {
      shift = 0;
    }
  });

  it('leaves an audit chain that verifies', async () => {
    assert.equal((await verifyAudit(h.db)).ok, true);
  });
});
