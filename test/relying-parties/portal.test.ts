import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseCertificate } from '../../src/pki/x509/index.js';
import { pem, startJpki, type JpkiHarness } from '../helpers/jpki.js';
import { forEachDialect } from '../helpers/postgres.js';
import { keySigner } from '../sdk/fixtures.js';
import { openssl } from '../services/jpki/support/openssl.js';
import { b64, bearer, call, fromB64, issuePhoneFor, newCard, PASSWORD, PIN, startWorld, type RpWorld, type TestCard } from './fixtures.js';

/*
 * The portal (flow 4, login and applications) against a running certification service: the card signs
 * the login challenge and the application through its JPKI-AP APDUs; status comes from the service's
 * OCSP responder; the stored application is checked by openssl cms -verify.
 */

const CHANGE_OF_ADDRESS = { formId: 'change-of-address', fields: { newAddress: '東京都千代田区霞が関1-1-1', newPostcode: '1000013', moveDate: '2026-04-01' } };

/** The holder's app: a challenge from the portal, the PIN, the card signs its DigestInfo. */
async function loginAnswer(w: RpWorld, card: TestCard) {
  const c = await call(w, 'POST', '/portal/v1/login/challenges');
  assert.equal(c.status, 201, JSON.stringify(c.json));
  const client = await card.client();
  await client.verify('pin', PIN);
  const certificate = await client.readCertificate('auth');
  const signature = await client.sign('auth', fromB64(c.json.digestInfo));
  return { challengeId: c.json.challengeId as string, certificate: b64(certificate), signature: b64(signature) };
}

async function login(w: RpWorld, card: TestCard): Promise<string> {
  const res = await call(w, 'POST', '/portal/v1/login', await loginAnswer(w, card));
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return res.json.token as string;
}

/** The application signed through the card: the password, the signature key, the signature certificate. */
async function signDraft(card: TestCard, digestInfo: string) {
  const client = await card.client();
  await client.verify('password', PASSWORD);
  const signature = await client.sign('sign', fromB64(digestInfo));
  return { signature: b64(signature), certificate: b64(await client.readCertificate('sign')) };
}

async function sessions(w: RpWorld): Promise<number> {
  return Number((await w.h.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM portal_sessions'))[0]!.n);
}

forEachDialect('portal', (ctx) => {
  let w: RpWorld;
  let card: TestCard;
  before(async () => {
    w = await startWorld({ database: await ctx.freshConfig() });
    card = await newCard(w.h);
  });
  after(() => w?.stop());

  it('logs in with the card: the challenge signed through the card, a session as an HttpOnly cookie and a token, the person from the service', async () => {
    const answer = await loginAnswer(w, card);
    const res = await call(w, 'POST', '/portal/v1/login', answer);
    assert.equal(res.status, 201, JSON.stringify(res.json));
    const token = res.json.token as string;
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(res.json.session.holder, 'card');
    assert.equal(res.json.session.certificateSerial, card.authSerial);
    const cookie = res.headers.get('set-cookie')!;
    assert.match(cookie, new RegExp(`^jpki_portal_session=${token}; Path=/portal/v1; Max-Age=1800; HttpOnly; SameSite=Strict$`));
    // Stored hashed, never as the token itself.
    const rows = await w.h.db.query<{ token_hash: string }>('SELECT token_hash FROM portal_sessions WHERE id = $1', [res.json.session.id]);
    assert.equal(rows[0]!.token_hash, createHash('sha256').update(token).digest('hex'));
    assert.equal((await w.h.db.query('SELECT id FROM portal_sessions WHERE token_hash = $1', [token])).length, 0);

    for (const headers of [bearer(token), { cookie: `other=1; jpki_portal_session=${token}` }]) {
      const me = await call(w, 'GET', '/portal/v1/me', undefined, headers);
      assert.equal(me.status, 200, JSON.stringify(me.json));
      assert.equal(me.json.holder, 'card');
      assert.equal(me.json.certificate.serial, card.authSerial);
      assert.match(me.json.certificate.subject, /(^|,)C=JP(,|$)/);
      assert.deepEqual(me.json.person, { personId: card.personId, name: card.state.holder.person.name, address: card.state.holder.person.address, birthDate: card.state.holder.person.birthDate, sex: 1, source: 'jpki-service' });
    }
  });

  it('takes each challenge once: a replayed answer is refused, an unknown challenge id too', async () => {
    const answer = await loginAnswer(w, card);
    assert.equal((await call(w, 'POST', '/portal/v1/login', answer)).status, 201);
    const count = await sessions(w);
    const replay = await call(w, 'POST', '/portal/v1/login', answer);
    assert.equal(replay.status, 401);
    assert.equal(replay.json.code, 'ERR_RP_CHALLENGE_REPLAYED');
    const unknown = await call(w, 'POST', '/portal/v1/login', { ...answer, challengeId: 'AAAAAAAAAAAAAAAAAAAAAA' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.code, 'ERR_PORTAL_CHALLENGE_UNKNOWN');
    assert.equal(await sessions(w), count);
  });

  it('ends sessions: after their lifetime (30 minutes), and at logout, when the cookie is cleared', async () => {
    const token = await login(w, card);
    w.shift(30 * 60_000 + 1000);
    try {
      const expired = await call(w, 'GET', '/portal/v1/me', undefined, bearer(token));
      assert.equal(expired.status, 401);
      assert.equal(expired.json.code, 'ERR_PORTAL_SESSION_EXPIRED');
      assert.equal(expired.headers.get('www-authenticate'), 'Bearer realm="portal"');
    } finally {
      w.shift(0);
    }
    const other = await login(w, card);
    const out = await call(w, 'POST', '/portal/v1/logout', undefined, { cookie: `jpki_portal_session=${other}` });
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie')!, /^jpki_portal_session=; Path=\/portal\/v1; Max-Age=0; HttpOnly; SameSite=Strict$/);
    const gone = await call(w, 'GET', '/portal/v1/me', undefined, bearer(other));
    assert.equal(gone.status, 401);
    assert.equal(gone.json.code, 'ERR_PORTAL_UNAUTHENTICATED');
    assert.equal((await call(w, 'POST', '/portal/v1/logout', undefined, bearer(other))).json.code, 'ERR_PORTAL_UNAUTHENTICATED');
  });

  it('lets one of two concurrent uses of an answer or a draft win', async () => {
    const answer = await loginAnswer(w, card);
    const logins = await Promise.all([1, 2, 3].map(() => call(w, 'POST', '/portal/v1/login', answer)));
    assert.deepEqual(logins.map((r) => r.status).sort(), [201, 401, 401]);
    const token = logins.find((r) => r.status === 201)!.json.token as string;
    const draft = (await call(w, 'POST', '/portal/v1/applications/drafts', CHANGE_OF_ADDRESS, bearer(token))).json;
    const signed = await signDraft(card, draft.digestInfo);
    const submissions = await Promise.all([1, 2, 3].map(() => call(w, 'POST', '/portal/v1/applications', { draftId: draft.draftId, ...signed }, bearer(token))));
    assert.deepEqual(submissions.map((r) => r.status).sort(), [201, 409, 409]);
    const rows = await w.h.db.query('SELECT id FROM portal_applications WHERE draft_id = $1', [draft.draftId]);
    assert.equal(rows.length, 1);
  });

  it('refuses an answer after the challenge expired (5 minutes)', async () => {
    const answer = await loginAnswer(w, card);
    w.shift(5 * 60_000 + 1000);
    try {
      const res = await call(w, 'POST', '/portal/v1/login', answer);
      assert.equal(res.status, 401);
      assert.equal(res.json.code, 'ERR_RP_CHALLENGE_EXPIRED');
    } finally {
      w.shift(0);
    }
  });

  it('refuses the signature certificate, a signature by another key, and an expired certificate, each with its code', async () => {
    const count = await sessions(w);
    const answer = await loginAnswer(w, card);
    const client = await card.client();
    await client.verify('password', PASSWORD);
    const signCert = b64(await client.readCertificate('sign'));
    const wrongKind = await call(w, 'POST', '/portal/v1/login', { ...answer, certificate: signCert });
    assert.equal(wrongKind.status, 403);
    assert.equal(wrongKind.json.code, 'ERR_RP_CERT_WRONG_KIND');
    assert.equal(wrongKind.json.certificateKind, 'card-sign');

    const other = await newCard(w.h);
    const otherAnswer = await loginAnswer(w, other);
    const forged = await call(w, 'POST', '/portal/v1/login', { ...answer, signature: otherAnswer.signature });
    assert.equal(forged.status, 401);
    assert.equal(forged.json.code, 'ERR_RP_SIGNATURE_INVALID');

    const notAfter = parseCertificate(fromB64(answer.certificate)).notAfter;
    w.shift(notAfter.getTime() - Date.now() + 86_400_000);
    try {
      const late = await loginAnswer(w, card);
      const expired = await call(w, 'POST', '/portal/v1/login', late);
      assert.equal(expired.status, 403);
      assert.equal(expired.json.code, 'ERR_RP_CERT_EXPIRED');
    } finally {
      w.shift(0);
    }
    assert.equal(await sessions(w), count);
  });

  it('refuses a suspended user-authentication certificate (ERR_RP_CERT_SUSPENDED) and a revoked one with its reason', async () => {
    const held = await newCard(w.h);
    const revoked = await newCard(w.h);
    assert.equal((await w.h.api('POST', `/api/v1/certificates/${held.authSerial}/hold`, undefined, w.h.tokens.callCentre)).status, 200);
    assert.equal((await w.h.api('POST', `/api/v1/certificates/${revoked.authSerial}/revoke`, { reason: 'keyCompromise' }, w.h.tokens.office)).status, 200);
    const count = await sessions(w);
    const suspended = await call(w, 'POST', '/portal/v1/login', await loginAnswer(w, held));
    assert.equal(suspended.status, 403);
    assert.equal(suspended.json.code, 'ERR_RP_CERT_SUSPENDED');
    assert.equal(suspended.json.reason, 'certificateHold');
    const gone = await call(w, 'POST', '/portal/v1/login', await loginAnswer(w, revoked));
    assert.equal(gone.status, 403);
    assert.equal(gone.json.code, 'ERR_RP_CERT_REVOKED');
    assert.equal(gone.json.reason, 'keyCompromise');
    assert.match(gone.json.revokedAt, /^\d{4}-\d\d-\d\dT/);
    assert.equal(await sessions(w), count);
  });

  it('logs in with a phone (phone-auth) and lists the person’s card and phone certificates with their states', async () => {
    const owner = await newCard(w.h, { name: '佐藤\u3000花子', sex: 2 });
    // The phone's keys are held here as a secure element holds them: they sign the DigestInfo given.
    const phone = await issuePhoneFor(w.h, owner, 'SE-PORTAL-1');
    const c = await call(w, 'POST', '/portal/v1/login/challenges');
    const signature = keySigner(phone.authKey!)(fromB64(c.json.digestInfo)) as Uint8Array;
    const res = await call(w, 'POST', '/portal/v1/login', { challengeId: c.json.challengeId, certificate: b64(phone.authCert), signature: b64(signature) });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    assert.equal(res.json.session.holder, 'phone');
    const token = res.json.token as string;
    assert.equal((await w.h.api('POST', `/api/v1/certificates/${phone.signSerial}/hold`, undefined, w.h.tokens.callCentre)).status, 200);
    const mine = await call(w, 'GET', '/portal/v1/me/certificates', undefined, bearer(token));
    assert.equal(mine.status, 200, JSON.stringify(mine.json));
    assert.equal(mine.json.personId, owner.personId);
    const byKey = Object.fromEntries(mine.json.certificates.map((x: { holder: string; use: string; status: string; reason: string | null; thisSession: boolean }) => [`${x.holder}/${x.use}`, `${x.status}/${x.reason ?? ''}/${x.thisSession}`]));
    assert.deepEqual(byKey, {
      'card/signature': 'good//false',
      'card/user-authentication': 'good//false',
      'phone/signature': 'held/certificateHold/false',
      'phone/user-authentication': 'good//true',
    });
    const me = await call(w, 'GET', '/portal/v1/me', undefined, bearer(token));
    assert.equal(me.json.person.name, '佐藤\u3000花子');
    assert.equal(me.json.person.sex, 2);
  });

  it('files an application signed through the card: stored with its CMS, which openssl cms -verify accepts', async () => {
    const token = await login(w, card);
    const forms = await call(w, 'GET', '/portal/v1/forms');
    assert.deepEqual(
      forms.json.forms.map((f: { id: string }) => f.id),
      ['change-of-address', 'childcare-allowance'],
    );
    const draft = await call(w, 'POST', '/portal/v1/applications/drafts', CHANGE_OF_ADDRESS, bearer(token));
    assert.equal(draft.status, 201, JSON.stringify(draft.json));
    const content = fromB64(draft.json.content);
    assert.deepEqual(JSON.parse(Buffer.from(content).toString('utf8')), draft.json.document);
    assert.equal(draft.json.document.type, 'jpki-mobile/portal-application/v1');
    assert.equal(draft.json.document.draftId, draft.json.draftId);
    assert.equal(fromB64(draft.json.digestInfo).length, 51);

    const filed = await call(w, 'POST', '/portal/v1/applications', { draftId: draft.json.draftId, ...(await signDraft(card, draft.json.digestInfo)) }, bearer(token));
    assert.equal(filed.status, 201, JSON.stringify(filed.json));
    assert.equal(filed.json.signer.kind, 'card-sign');
    assert.equal(filed.json.signer.serial, card.signSerial);
    assert.deepEqual(filed.json.applicant, { name: card.state.holder.person.name, address: card.state.holder.person.address, birthDate: card.state.holder.person.birthDate, sex: 1 });

    const id = filed.json.applicationId as string;
    const listed = await call(w, 'GET', '/portal/v1/applications', undefined, bearer(token));
    assert.ok(listed.json.applications.some((a: { applicationId: string }) => a.applicationId === id));
    const stored = await call(w, 'GET', `/portal/v1/applications/${id}/content`, undefined, bearer(token));
    assert.equal(stored.contentType, 'application/json');
    assert.deepEqual(stored.bytes, content);
    const cms = await call(w, 'GET', `/portal/v1/applications/${id}/cms`, undefined, bearer(token));
    assert.equal(cms.contentType, 'application/pkcs7-signature');
    const dir = w.h.dir;
    writeFileSync(join(dir, 'app.json'), stored.bytes);
    writeFileSync(join(dir, 'app.p7s'), cms.bytes);
    writeFileSync(join(dir, 'sign-ca.pem'), w.anchors.sign.map((d) => pem('CERTIFICATE', d)).join(''));
    const verified = await openssl('cms', '-verify', '-binary', '-inform', 'DER', '-in', join(dir, 'app.p7s'), '-content', join(dir, 'app.json'), '-CAfile', join(dir, 'sign-ca.pem'), '-out', '/dev/null');
    assert.equal(verified.code, 0, verified.out);
    assert.match(verified.out, /Verification successful/);
    // The same signature over another document fails.
    writeFileSync(join(dir, 'other.json'), Buffer.concat([stored.bytes, Buffer.from(' ')]));
    const other = await openssl('cms', '-verify', '-binary', '-inform', 'DER', '-in', join(dir, 'app.p7s'), '-content', join(dir, 'other.json'), '-CAfile', join(dir, 'sign-ca.pem'), '-out', '/dev/null');
    assert.notEqual(other.code, 0);

    const again = await call(w, 'POST', '/portal/v1/applications', { draftId: draft.json.draftId, ...(await signDraft(card, draft.json.digestInfo)) }, bearer(token));
    assert.equal(again.status, 409);
    assert.equal(again.json.code, 'ERR_PORTAL_DRAFT_USED');
  });

  it('refuses applications signed with the wrong key or certificate, by another person, held, or too late', async () => {
    const token = await login(w, card);
    const count = async () => Number((await w.h.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM portal_applications'))[0]!.n);
    const before = await count();
    const draft = async () => (await call(w, 'POST', '/portal/v1/applications/drafts', CHANGE_OF_ADDRESS, bearer(token))).json;
    const submit = (body: unknown) => call(w, 'POST', '/portal/v1/applications', body, bearer(token));

    // The user-authentication key and certificate: a valid signature, the wrong kind of certificate.
    const d1 = await draft();
    const client = await card.client();
    await client.verify('pin', PIN);
    const authSig = b64(await client.sign('auth', fromB64(d1.digestInfo)));
    const authCert = b64(await client.readCertificate('auth'));
    const wrongKind = await submit({ draftId: d1.draftId, signature: authSig, certificate: authCert });
    assert.equal(wrongKind.status, 403);
    assert.equal(wrongKind.json.code, 'ERR_RP_CERT_WRONG_KIND');
    // The authentication key's signature with the signature certificate.
    const signed = await signDraft(card, d1.digestInfo);
    const wrongKey = await submit({ draftId: d1.draftId, signature: authSig, certificate: signed.certificate });
    assert.equal(wrongKey.status, 400);
    assert.equal(wrongKey.json.code, 'ERR_RP_SIGNATURE_INVALID');
    // Another person's card signs the draft of this session.
    const stranger = await newCard(w.h, { name: '鈴木\u3000一郎' });
    const mismatch = await submit({ draftId: d1.draftId, ...(await signDraft(stranger, d1.digestInfo)) });
    assert.equal(mismatch.status, 403);
    assert.equal(mismatch.json.code, 'ERR_PORTAL_SIGNER_MISMATCH');
    // Too late: the draft lives 15 minutes.
    const d2 = await draft();
    w.shift(15 * 60_000 + 1000);
    try {
      const late = await call(w, 'POST', '/portal/v1/applications', { draftId: d2.draftId, ...(await signDraft(card, d2.digestInfo)) }, bearer(await login(w, card)));
      assert.equal(late.status, 410);
      assert.equal(late.json.code, 'ERR_PORTAL_DRAFT_EXPIRED');
    } finally {
      w.shift(0);
    }
    // A held signature certificate.
    const heldCard = await newCard(w.h, { name: '高橋\u3000次郎' });
    const heldToken = await login(w, heldCard);
    assert.equal((await w.h.api('POST', `/api/v1/certificates/${heldCard.signSerial}/hold`, undefined, w.h.tokens.office)).status, 200);
    const d3 = (await call(w, 'POST', '/portal/v1/applications/drafts', CHANGE_OF_ADDRESS, bearer(heldToken))).json;
    const held = await call(w, 'POST', '/portal/v1/applications', { draftId: d3.draftId, ...(await signDraft(heldCard, d3.digestInfo)) }, bearer(heldToken));
    assert.equal(held.status, 403);
    assert.equal(held.json.code, 'ERR_RP_CERT_SUSPENDED');
    // Another account's draft and application are not found.
    const foreign = await call(w, 'POST', '/portal/v1/applications', { draftId: d1.draftId, ...signed }, bearer(heldToken));
    assert.equal(foreign.status, 404);
    assert.equal(foreign.json.code, 'ERR_PORTAL_DRAFT_UNKNOWN');
    assert.equal(await count(), before);
  });
});

describe('portal: a certificate of a CA it does not trust', () => {
  let w: RpWorld;
  let elsewhere: JpkiHarness;
  before(async () => {
    w = await startWorld();
    elsewhere = await startJpki();
  });
  after(async () => {
    await w?.stop();
    await elsewhere?.stop();
  });

  it('is refused with ERR_RP_CERT_ISSUER_UNKNOWN', async () => {
    const stranger = await newCard(elsewhere);
    const res = await call(w, 'POST', '/portal/v1/login', await loginAnswer(w, stranger));
    assert.equal(res.status, 403);
    assert.equal(res.json.code, 'ERR_RP_CERT_ISSUER_UNKNOWN');
  });
});
