import { after, before, it } from 'node:test';
import { forEachDialect } from '../helpers/postgres.js';
import { b64, bearer, call, expectRefusals, fromB64, jsonFaults, newCard, PIN, startWorld, type RpWorld } from './fixtures.js';

/*
 * Bad inputs for every portal endpoint: each is answered with its own 4xx and problem code as
 * application/problem+json, and nothing is written (no challenge consumed, no session, draft or
 * application, no audit entry).
 */

const GARBAGE_DER = b64(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01));
const UNKNOWN_ID = 'AAAAAAAAAAAAAAAAAAAAAA';
const UNKNOWN_TOKEN = 'A'.repeat(43);

forEachDialect('portal bad inputs', (ctx) => {
  let w: RpWorld;
  let token: string;
  let answer: { challengeId: string; certificate: string; signature: string };
  let draftId: string;
  let signCert: string;

  before(async () => {
    w = await startWorld({ database: await ctx.freshConfig() });
    const card = await newCard(w.h);
    const client = await card.client();
    await client.verify('pin', PIN);
    const c1 = await call(w, 'POST', '/portal/v1/login/challenges');
    const authCert = b64(await client.readCertificate('auth'));
    const res = await call(w, 'POST', '/portal/v1/login', { challengeId: c1.json.challengeId, certificate: authCert, signature: b64(await client.sign('auth', fromB64(c1.json.digestInfo))) });
    token = res.json.token;
    // An unanswered challenge, with a genuine certificate and a signature over it (for the field cases).
    const c2 = await call(w, 'POST', '/portal/v1/login/challenges');
    answer = { challengeId: c2.json.challengeId, certificate: authCert, signature: b64(await client.sign('auth', fromB64(c2.json.digestInfo))) };
    const draft = await call(w, 'POST', '/portal/v1/applications/drafts', { formId: 'change-of-address', fields: { newAddress: '東京都港区1-1', newPostcode: '1050001', moveDate: '2026-04-01' } }, bearer(token));
    draftId = draft.json.draftId;
    await client.verify('password', 'ABC123');
    signCert = b64(await client.readCertificate('sign'));
  });
  after(() => w?.stop());

  it('POST /portal/v1/login/challenges', async () => {
    await expectRefusals(w, jsonFaults('/portal/v1/login/challenges'));
  });

  it('POST /portal/v1/login', async () => {
    const path = '/portal/v1/login';
    const field = (json: unknown, name: string, status = 400, code = 'ERR_REQUEST_FIELD') => ({ name, path, json, status, code });
    await expectRefusals(w, [
      ...jsonFaults(path),
      field({}, 'nothing'),
      field({ certificate: answer.certificate, signature: answer.signature }, 'no challengeId'),
      field({ ...answer, challengeId: 7 }, 'challengeId a number'),
      field({ ...answer, challengeId: 'x'.repeat(65) }, 'challengeId too long'),
      field({ ...answer, certificate: undefined }, 'no certificate'),
      field({ ...answer, certificate: '***' }, 'certificate not base64'),
      field({ ...answer, certificate: 'MIIB' + 'A' }, 'certificate not padded'),
      field({ ...answer, certificate: 'A'.repeat(12_000) }, 'certificate oversized'),
      field({ ...answer, signature: '' }, 'signature empty'),
      field({ ...answer, signature: ['AAAA'] }, 'signature an array'),
      field({ ...answer, signature: 'QUJD' + '='.repeat(3) }, 'signature with too much padding'),
      field({ ...answer, challengeId: UNKNOWN_ID }, 'an unknown challenge', 404, 'ERR_PORTAL_CHALLENGE_UNKNOWN'),
      field({ ...answer, certificate: GARBAGE_DER }, 'a certificate that is not DER X.509', 400, 'ERR_RP_CERT_MALFORMED'),
      field({ ...answer, signature: b64(new Uint8Array(256)) }, 'a signature of zeros', 401, 'ERR_RP_SIGNATURE_INVALID'),
      field({ ...answer, signature: b64(Uint8Array.of(1, 2, 3)) }, 'a short signature', 401, 'ERR_RP_SIGNATURE_INVALID'),
      { name: 'GET', path, status: 405, code: 'ERR_HTTP_METHOD' },
    ]);
  });

  it('POST /portal/v1/logout, GET /portal/v1/me and /me/certificates: no, malformed or unknown sessions', async () => {
    const session = bearer(token);
    for (const [method, path] of [
      ['POST', '/portal/v1/logout'],
      ['GET', '/portal/v1/me'],
      ['GET', '/portal/v1/me/certificates'],
    ] as const) {
      await expectRefusals(w, [
        { name: 'no session', method, path, status: 401, code: 'ERR_PORTAL_UNAUTHENTICATED' },
        { name: 'an unknown token', method, path, headers: bearer(UNKNOWN_TOKEN), status: 401, code: 'ERR_PORTAL_UNAUTHENTICATED' },
        { name: 'a malformed bearer token', method, path, headers: { authorization: `Bearer ${token}x` }, status: 401, code: 'ERR_PORTAL_UNAUTHENTICATED' },
        { name: 'Basic credentials', method, path, headers: { authorization: 'Basic YTpi' }, status: 401, code: 'ERR_PORTAL_UNAUTHENTICATED' },
        { name: 'a malformed cookie', method, path, headers: { cookie: 'jpki_portal_session=../../etc' }, status: 401, code: 'ERR_PORTAL_UNAUTHENTICATED' },
        { name: 'another cookie only', method, path, headers: { cookie: `session=${token}` }, status: 401, code: 'ERR_PORTAL_UNAUTHENTICATED' },
      ]);
    }
    await expectRefusals(w, [
      ...jsonFaults('/portal/v1/logout', { headers: session }).filter((c) => c.code !== 'ERR_HTTP_BODY_TOO_LARGE'),
      { name: 'a query parameter', path: '/portal/v1/me?x=1', headers: session, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'a query parameter', path: '/portal/v1/me/certificates?all', headers: session, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'DELETE', method: 'DELETE', path: '/portal/v1/me', headers: session, status: 405, code: 'ERR_HTTP_METHOD' },
    ]);
  });

  it('GET /portal/v1/forms/:formId', async () => {
    await expectRefusals(w, [
      { name: 'an unknown form', path: '/portal/v1/forms/marriage', status: 404, code: 'ERR_PORTAL_FORM_UNKNOWN' },
      { name: 'bad percent-encoding', path: '/portal/v1/forms/%zz', status: 400, code: 'ERR_HTTP_PATH' },
      { name: 'a query parameter', path: '/portal/v1/forms?x=1', status: 400, code: 'ERR_REQUEST_FIELD' },
    ]);
  });

  it('POST /portal/v1/applications/drafts', async () => {
    const path = '/portal/v1/applications/drafts';
    const session = bearer(token);
    const good = { newAddress: '東京都港区1-1', newPostcode: '1050001', moveDate: '2026-04-01' };
    const form = (fields: unknown, name: string, status = 400, code = 'ERR_PORTAL_FORM_FIELD') => ({ name, path, headers: session, json: { formId: 'change-of-address', fields }, status, code });
    await expectRefusals(w, [
      { name: 'no session', path, json: { formId: 'change-of-address', fields: good }, status: 401, code: 'ERR_PORTAL_UNAUTHENTICATED' },
      ...jsonFaults(path, { headers: session }),
      { name: 'no formId', path, headers: session, json: { fields: good }, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'formId a number', path, headers: session, json: { formId: 1, fields: good }, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'an unknown form', path, headers: session, json: { formId: 'marriage', fields: good }, status: 404, code: 'ERR_PORTAL_FORM_UNKNOWN' },
      form(undefined, 'no fields'),
      form([], 'fields an array'),
      form('newAddress', 'fields a string'),
      form({ ...good, spouse: 'x' }, 'an unknown field'),
      form({ newPostcode: '1050001', moveDate: '2026-04-01' }, 'a required field missing'),
      form({ ...good, newAddress: 42 }, 'a number for text'),
      form({ ...good, newAddress: '   ' }, 'blank text'),
      form({ ...good, newAddress: 'a\u0000b' }, 'a control character'),
      form({ ...good, newAddress: 'あ'.repeat(201) }, 'text too long'),
      form({ ...good, moveDate: '2026-02-30' }, 'a date that does not exist'),
      form({ ...good, moveDate: '01/04/2026' }, 'a date in another format'),
      form({ ...good, newPostcode: '105-0001' }, 'digits with a dash'),
      form({ ...good, newPostcode: '１０５０００１' }, 'full-width digits'),
      { name: 'a choice not offered', path, headers: session, json: { formId: 'childcare-allowance', fields: { childName: '太郎', childBirthDate: '2024-01-01', relationship: 'uncle', bankCode: '0001', accountNumber: '1234567' } }, status: 400, code: 'ERR_PORTAL_FORM_FIELD' },
    ]);
  });

  it('POST /portal/v1/applications', async () => {
    const path = '/portal/v1/applications';
    const session = bearer(token);
    const submit = (json: unknown, name: string, status = 400, code = 'ERR_REQUEST_FIELD') => ({ name, path, headers: session, json, status, code });
    const sig = b64(new Uint8Array(256).fill(7));
    await expectRefusals(w, [
      { name: 'no session', path, json: { draftId, signature: sig, certificate: signCert }, status: 401, code: 'ERR_PORTAL_UNAUTHENTICATED' },
      ...jsonFaults(path, { headers: session }),
      submit({ signature: sig, certificate: signCert }, 'no draftId'),
      submit({ draftId, certificate: signCert }, 'no signature'),
      submit({ draftId, signature: sig }, 'no certificate'),
      submit({ draftId, signature: 'not base64!', certificate: signCert }, 'signature not base64'),
      submit({ draftId, signature: b64(new Uint8Array(600)), certificate: signCert }, 'signature oversized'),
      submit({ draftId, signature: sig, certificate: true }, 'certificate a boolean'),
      submit({ draftId: UNKNOWN_ID, signature: sig, certificate: signCert }, 'an unknown draft', 404, 'ERR_PORTAL_DRAFT_UNKNOWN'),
      submit({ draftId, signature: sig, certificate: GARBAGE_DER }, 'a certificate that is not DER X.509', 400, 'ERR_RP_CERT_MALFORMED'),
      submit({ draftId, signature: sig, certificate: signCert }, 'a signature that does not verify', 400, 'ERR_RP_SIGNATURE_INVALID'),
    ]);
  });

  it('GET /portal/v1/applications/:id, /content, /cms', async () => {
    const session = bearer(token);
    for (const suffix of ['', '/content', '/cms']) {
      await expectRefusals(w, [
        { name: 'no session', path: `/portal/v1/applications/${UNKNOWN_ID}${suffix}`, status: 401, code: 'ERR_PORTAL_UNAUTHENTICATED' },
        { name: 'an unknown application', path: `/portal/v1/applications/${UNKNOWN_ID}${suffix}`, headers: session, status: 404, code: 'ERR_PORTAL_APPLICATION_UNKNOWN' },
        { name: 'a draft id is not an application', path: `/portal/v1/applications/${draftId}${suffix}`, headers: session, status: 404, code: 'ERR_PORTAL_APPLICATION_UNKNOWN' },
        { name: 'bad percent-encoding', path: `/portal/v1/applications/%E0%A4%A${suffix}`, headers: session, status: 400, code: 'ERR_HTTP_PATH' },
      ]);
    }
  });
});
