import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { toHex } from '../../../src/bytes/index.js';
import { SeiTsm, type SessionDocument } from '../../../src/services/tsm/index.js';
import { newPhone, registerApp, relayClient, startTsm, type App, type Phone, type TsmHarness } from './helpers.js';

/**
 * Every endpoint of /tsm/v1 refuses what it should, with a specific status and problem code, and
 * changes nothing when it does.
 */

interface Case {
  readonly name: string;
  readonly method: 'GET' | 'POST';
  readonly path: () => string;
  readonly body?: () => unknown;
  readonly token?: () => string | undefined;
  readonly headers?: Record<string, string>;
  readonly status: number;
  readonly code: string;
}

describe('TSM HTTP API: bad inputs', () => {
  let h: TsmHarness;
  let ready: { phone: Phone; app: App };
  let fresh: { phone: Phone; app: App };
  let session: SessionDocument;
  before(async () => {
    h = await startTsm();
    const p1 = await newPhone(h);
    ready = { phone: p1, app: await registerApp(h, p1) };
    assert.equal((await relayClient(h, p1, ready.app).run({ seId: p1.seId, purpose: 'prepare' })).session.state, 'completed');
    const p2 = await newPhone(h);
    fresh = { phone: p2, app: await registerApp(h, p2) };
    session = (await h.api('POST', '/tsm/v1/sessions', { appInstanceId: fresh.app.appInstanceId, seId: p2.seId, purpose: 'prepare' }, fresh.app.credential)).json as SessionDocument;
  });
  after(() => h.stop());

  const admin = () => h.jpki.tokens.admin;
  const cred = () => fresh.app.credential;
  const cplc = () => toHex(fresh.phone.cplc);
  const batch = (n: number | string) => () => `/tsm/v1/sessions/${session.sessionId}/batches/${n}`;
  const zeroSerial = () => toHex(fresh.phone.cplc).slice(0, 24) + '00000000' + toHex(fresh.phone.cplc).slice(32);
  const otherCplc = () => '4A5053454A4D' + toHex(randomBytes(36));
  const gp = '404142434445464748494A4B4C4D4E4F';
  const keys = (k: string) => ({ kvn: '30', enc: k, mac: k, dek: k });

  const cases: Case[] = [
    // POST /tsm/v1/elements (maker → SEI, admin operator)
    { name: 'element: no operator token', method: 'POST', path: () => '/tsm/v1/elements', body: () => ({ cplc: otherCplc(), profile: 'development' }), status: 401, code: 'ERR_JPKI_UNAUTHENTICATED' },
    { name: 'element: an office token', method: 'POST', path: () => '/tsm/v1/elements', body: () => ({ cplc: otherCplc(), profile: 'development' }), token: () => h.jpki.tokens.office, status: 403, code: 'ERR_JPKI_FORBIDDEN' },
    { name: 'element: malformed JSON', method: 'POST', path: () => '/tsm/v1/elements', body: () => '{"cplc":', token: admin, status: 400, code: 'ERR_HTTP_JSON' },
    { name: 'element: not JSON', method: 'POST', path: () => '/tsm/v1/elements', body: () => 'cplc', token: admin, headers: { 'content-type': 'text/plain' }, status: 415, code: 'ERR_HTTP_MEDIA_TYPE' },
    { name: 'element: unknown member', method: 'POST', path: () => '/tsm/v1/elements', body: () => ({ cplc: otherCplc(), profile: 'development', colour: 'red' }), token: admin, status: 400, code: 'ERR_REQUEST_FIELD' },
    { name: 'element: CPLC of 41 bytes', method: 'POST', path: () => '/tsm/v1/elements', body: () => ({ cplc: otherCplc().slice(2), profile: 'development' }), token: admin, status: 400, code: 'ERR_REQUEST_FIELD' },
    { name: 'element: CPLC with a zero IC serial', method: 'POST', path: () => '/tsm/v1/elements', body: () => ({ cplc: zeroSerial(), profile: 'development' }), token: admin, status: 400, code: 'ERR_TSM_CPLC' },
    { name: 'element: unknown profile', method: 'POST', path: () => '/tsm/v1/elements', body: () => ({ cplc: otherCplc(), profile: 'test' }), token: admin, status: 400, code: 'ERR_REQUEST_FIELD' },
    { name: 'element: production without keys', method: 'POST', path: () => '/tsm/v1/elements', body: () => ({ cplc: otherCplc(), profile: 'production' }), token: admin, status: 422, code: 'ERR_TSM_ISD_KEYS' },
    { name: 'element: production with the GP test key', method: 'POST', path: () => '/tsm/v1/elements', body: () => ({ cplc: otherCplc(), profile: 'production', isdKeys: keys(gp) }), token: admin, status: 422, code: 'ERR_TSM_ISD_KEYS' },
    { name: 'element: development with keys', method: 'POST', path: () => '/tsm/v1/elements', body: () => ({ cplc: otherCplc(), profile: 'development', isdKeys: keys(toHex(randomBytes(16))) }), token: admin, status: 422, code: 'ERR_TSM_ISD_KEYS' },
    { name: 'element: a key of 15 bytes', method: 'POST', path: () => '/tsm/v1/elements', body: () => ({ cplc: otherCplc(), profile: 'production', isdKeys: keys(toHex(randomBytes(15))) }), token: admin, status: 400, code: 'ERR_REQUEST_FIELD' },
    { name: 'element: registered twice', method: 'POST', path: () => '/tsm/v1/elements', body: () => ({ cplc: cplc(), profile: 'development' }), token: admin, status: 409, code: 'ERR_TSM_ELEMENT_EXISTS' },
    { name: 'element: a body over 64 KiB', method: 'POST', path: () => '/tsm/v1/elements', body: () => ({ cplc: 'A'.repeat(70_000), profile: 'development' }), token: admin, status: 413, code: 'ERR_HTTP_BODY_TOO_LARGE' },
    { name: 'element: unknown one', method: 'GET', path: () => '/tsm/v1/elements/4A505345-00000001-0001', token: admin, status: 404, code: 'ERR_TSM_UNKNOWN_ELEMENT' },
    // POST /tsm/v1/app-certificates (admin)
    { name: 'app certificate: not a SHA-256', method: 'POST', path: () => '/tsm/v1/app-certificates', body: () => ({ sha256: 'AB', label: 'x' }), token: admin, status: 400, code: 'ERR_REQUEST_FIELD' },
    { name: 'app certificate: no token', method: 'POST', path: () => '/tsm/v1/app-certificates', body: () => ({ sha256: 'AB'.repeat(32), label: 'x' }), status: 401, code: 'ERR_JPKI_UNAUTHENTICATED' },
    // POST /tsm/v1/app-instances (the app)
    { name: 'app: unknown element', method: 'POST', path: () => '/tsm/v1/app-instances', body: () => ({ cplc: otherCplc(), appCertificateHash: h.appCertificateHash }), status: 404, code: 'ERR_TSM_UNKNOWN_ELEMENT' },
    { name: 'app: a certificate the SP does not serve', method: 'POST', path: () => '/tsm/v1/app-instances', body: () => ({ cplc: cplc(), appCertificateHash: toHex(randomBytes(32)) }), status: 403, code: 'ERR_TSM_APP_NOT_ALLOWED' },
    { name: 'app: malformed JSON', method: 'POST', path: () => '/tsm/v1/app-instances', body: () => '[', status: 400, code: 'ERR_HTTP_JSON' },
    { name: 'app: no certificate hash', method: 'POST', path: () => '/tsm/v1/app-instances', body: () => ({ cplc: cplc() }), status: 400, code: 'ERR_REQUEST_FIELD' },
    { name: 'app: a push token with a space', method: 'POST', path: () => '/tsm/v1/app-instances', body: () => ({ cplc: cplc(), appCertificateHash: h.appCertificateHash, pushToken: 'a b' }), status: 400, code: 'ERR_REQUEST_FIELD' },
    // POST /tsm/v1/sessions
    { name: 'session: no credential', method: 'POST', path: () => '/tsm/v1/sessions', body: () => ({ appInstanceId: fresh.app.appInstanceId, seId: fresh.phone.seId, purpose: 'prepare' }), status: 401, code: 'ERR_TSM_UNAUTHENTICATED' },
    { name: 'session: a credential nobody holds', method: 'POST', path: () => '/tsm/v1/sessions', body: () => ({ appInstanceId: fresh.app.appInstanceId, seId: fresh.phone.seId, purpose: 'prepare' }), token: () => `tsmapp_${randomBytes(32).toString('base64url')}`, status: 401, code: 'ERR_TSM_UNAUTHENTICATED' },
    { name: 'session: a malformed credential', method: 'POST', path: () => '/tsm/v1/sessions', body: () => ({ appInstanceId: fresh.app.appInstanceId, seId: fresh.phone.seId, purpose: 'prepare' }), token: () => 'tsmapp_short', status: 401, code: 'ERR_TSM_UNAUTHENTICATED' },
    { name: 'session: another app instance', method: 'POST', path: () => '/tsm/v1/sessions', body: () => ({ appInstanceId: ready.app.appInstanceId, seId: fresh.phone.seId, purpose: 'prepare' }), token: cred, status: 403, code: 'ERR_TSM_FORBIDDEN' },
    { name: 'session: another element', method: 'POST', path: () => '/tsm/v1/sessions', body: () => ({ appInstanceId: fresh.app.appInstanceId, seId: ready.phone.seId, purpose: 'prepare' }), token: cred, status: 403, code: 'ERR_TSM_FORBIDDEN' },
    { name: 'session: unknown purpose', method: 'POST', path: () => '/tsm/v1/sessions', body: () => ({ appInstanceId: fresh.app.appInstanceId, seId: fresh.phone.seId, purpose: 'erase' }), token: cred, status: 400, code: 'ERR_REQUEST_FIELD' },
    { name: 'session: issuance before preparation', method: 'POST', path: () => '/tsm/v1/sessions', body: () => ({ appInstanceId: fresh.app.appInstanceId, seId: fresh.phone.seId, purpose: 'issue' }), token: cred, status: 409, code: 'ERR_TSM_NOT_PREPARED' },
    { name: 'session: preparation twice', method: 'POST', path: () => '/tsm/v1/sessions', body: () => ({ appInstanceId: ready.app.appInstanceId, seId: ready.phone.seId, purpose: 'prepare' }), token: () => ready.app.credential, status: 409, code: 'ERR_TSM_ALREADY_PREPARED' },
    // GET /tsm/v1/sessions/:id
    { name: 'session: unknown id', method: 'GET', path: () => `/tsm/v1/sessions/ses_${'0'.repeat(32)}`, token: cred, status: 404, code: 'ERR_TSM_UNKNOWN_SESSION' },
    { name: 'session: malformed id', method: 'GET', path: () => '/tsm/v1/sessions/..%2Fetc', token: cred, status: 404, code: 'ERR_TSM_UNKNOWN_SESSION' },
    { name: 'session: another app\'s session', method: 'GET', path: () => `/tsm/v1/sessions/${session.sessionId}`, token: () => ready.app.credential, status: 404, code: 'ERR_TSM_UNKNOWN_SESSION' },
    // POST /tsm/v1/sessions/:id/batches/:seq
    { name: 'batch: malformed JSON', method: 'POST', path: batch(1), body: () => '{"responses":[', token: cred, status: 400, code: 'ERR_HTTP_JSON' },
    { name: 'batch: responses not an array', method: 'POST', path: batch(1), body: () => ({ responses: '9000' }), token: cred, status: 400, code: 'ERR_REQUEST_FIELD' },
    { name: 'batch: a response that is not hex', method: 'POST', path: batch(1), body: () => ({ responses: ['90ZZ'] }), token: cred, status: 400, code: 'ERR_REQUEST_FIELD' },
    { name: 'batch: a response of one byte', method: 'POST', path: batch(1), body: () => ({ responses: ['90'] }), token: cred, status: 400, code: 'ERR_REQUEST_FIELD' },
    { name: 'batch: an unknown member', method: 'POST', path: batch(1), body: () => ({ responses: [], extra: 1 }), token: cred, status: 400, code: 'ERR_REQUEST_FIELD' },
    { name: 'batch: a malformed error code', method: 'POST', path: batch(1), body: () => ({ responses: [], error: { code: 'Bad Code' } }), token: cred, status: 400, code: 'ERR_REQUEST_FIELD' },
    { name: 'batch: more responses than steps', method: 'POST', path: batch(1), body: () => ({ responses: ['9000', '9000', '9000'] }), token: cred, status: 400, code: 'ERR_TSM_BATCH_RESPONSES' },
    { name: 'batch: stopped with no reason', method: 'POST', path: batch(1), body: () => ({ responses: ['9000'] }), token: cred, status: 400, code: 'ERR_TSM_BATCH_RESPONSES' },
    { name: 'batch: an error after every step', method: 'POST', path: batch(1), body: () => ({ responses: ['9000', '9000'], error: { code: 'late' } }), token: cred, status: 400, code: 'ERR_TSM_BATCH_RESPONSES' },
    { name: 'batch: number not a number', method: 'POST', path: batch('one'), body: () => ({ responses: [] }), token: cred, status: 400, code: 'ERR_REQUEST_FIELD' },
    { name: 'batch: number 0', method: 'POST', path: batch(0), body: () => ({ responses: [] }), token: cred, status: 400, code: 'ERR_REQUEST_FIELD' },
    { name: 'batch: a number ahead', method: 'POST', path: batch(7), body: () => ({ responses: [] }), token: cred, status: 409, code: 'ERR_TSM_BATCH_SEQUENCE' },
    { name: 'batch: wrong credential', method: 'POST', path: batch(1), body: () => ({ responses: [] }), token: () => ready.app.credential, status: 404, code: 'ERR_TSM_UNKNOWN_SESSION' },
    { name: 'batch: a body over 1 MiB', method: 'POST', path: batch(1), body: () => ({ responses: ['90'.repeat(600_000)] }), token: cred, status: 413, code: 'ERR_HTTP_BODY_TOO_LARGE' },
    { name: 'batch: GET is not allowed', method: 'GET', path: batch(1), token: cred, status: 405, code: 'ERR_HTTP_METHOD' },
    // POST /tsm/v1/sessions/:id/signature
    { name: 'signature: the session awaits none', method: 'POST', path: () => `/tsm/v1/sessions/${session.sessionId}/signature`, body: () => ({ signature: 'AAAA', cardCertificate: 'AAAA' }), token: cred, status: 409, code: 'ERR_TSM_NOT_AWAITING_SIGNATURE' },
    { name: 'signature: not base64', method: 'POST', path: () => `/tsm/v1/sessions/${session.sessionId}/signature`, body: () => ({ signature: '***', cardCertificate: 'AAAA' }), token: cred, status: 400, code: 'ERR_REQUEST_FIELD' },
    { name: 'signature: a signature over 512 bytes', method: 'POST', path: () => `/tsm/v1/sessions/${session.sessionId}/signature`, body: () => ({ signature: Buffer.alloc(600).toString('base64'), cardCertificate: 'AAAA' }), token: cred, status: 400, code: 'ERR_REQUEST_FIELD' },
    // GET /tsm/v1/sessions/:id/trace and the list
    { name: 'trace: no credential', method: 'GET', path: () => `/tsm/v1/sessions/${session.sessionId}/trace`, status: 401, code: 'ERR_JPKI_UNAUTHENTICATED' },
    { name: 'trace: another app\'s session', method: 'GET', path: () => `/tsm/v1/sessions/${session.sessionId}/trace`, token: () => ready.app.credential, status: 404, code: 'ERR_TSM_UNKNOWN_SESSION' },
    { name: 'sessions list: an app credential', method: 'GET', path: () => '/tsm/v1/sessions', token: cred, status: 401, code: 'ERR_JPKI_UNAUTHENTICATED' },
    { name: 'sessions list: a bad limit', method: 'GET', path: () => '/tsm/v1/sessions?limit=0', token: admin, status: 400, code: 'ERR_REQUEST_FIELD' },
  ];

  for (const c of cases) {
    it(`${c.name}: ${c.status} ${c.code}`, async () => {
      const res = await h.api(c.method, c.path(), c.body?.(), c.token?.(), c.headers);
      assert.deepEqual([res.status, res.json?.code], [c.status, c.code], JSON.stringify(res.json));
    });
  }

  it('refused requests changed nothing: the session is still at batch 1 and takes its answer', async () => {
    const doc = (await h.api('GET', `/tsm/v1/sessions/${session.sessionId}`, undefined, cred())).json as SessionDocument;
    assert.deepEqual(doc.batch, session.batch);
    const outcome = await relayClient(h, fresh.phone, fresh.app).resume(session.sessionId);
    assert.equal(outcome.session.state, 'completed');
  });

  it('lists sessions for an operator, and the SEI-TSM refuses development elements unless told to accept them', async () => {
    const list = await h.api('GET', `/tsm/v1/sessions?seId=${fresh.phone.seId}&limit=5`, undefined, admin());
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.sessions.map((s: { state: string; purpose: string }) => [s.purpose, s.state]), [['prepare', 'completed']]);
    const strict = new SeiTsm({ db: h.jpki.db, masterSecret: new Uint8Array(randomBytes(32)) });
    await assert.rejects(strict.registerElement({ cplc: Buffer.from(otherCplc(), 'hex'), profile: 'development', maker: 'x' }), { code: 'ERR_TSM_DEVELOPMENT_ELEMENT' });
  });
});
