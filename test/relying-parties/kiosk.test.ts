import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { toHex } from '../../src/bytes/index.js';
import { IdCard, tokenInfo } from '../../src/devices/id-card/index.js';
import { MemoryCardStore } from '../../src/card/index.js';
import { hasCode } from '../../src/errors/index.js';
import { verifyCompact, type Ed25519Jwk, type Kiosk } from '../../src/relying-parties/index.js';
import type { PcscConnection, PcscSystem } from '../../src/transports/index.js';
import { forEachDialect } from '../helpers/postgres.js';
import { element, generateBoth, tsm, writeCommands } from '../devices/applets/jpki/helpers.js';
import { openssl } from '../services/jpki/support/openssl.js';
import { call, expectRefusals, issuePhoneFor, jsonFaults, newCard, PIN, startWorld, type RpWorld, type TestCard } from './fixtures.js';

/*
 * The kiosk (flow 4, "a kiosk reading the phone like a card"): the library class over a card in
 * process and over the JPKI applet of a secure element in a card runtime (the phone on the NFC reader),
 * and its HTTP API over readers of a PC/SC system in memory. The same transaction through pcscd and
 * vsmartcard's virtual reader is kiosk-pcsc.test.ts.
 */

interface CardLike {
  transmit(c: Uint8Array): Promise<Uint8Array>;
  reset?(): Promise<unknown>;
}

/** A PC/SC system in memory: named readers holding cards (or nothing); a reset disposition resets the card. */
function memoryPcsc(readers: Map<string, CardLike | undefined>): PcscSystem {
  return {
    async listReaders() {
      return [...readers].map(([name, card]) => ({ name, cardPresent: card !== undefined, atr: new Uint8Array(0) }));
    },
    async connect(name): Promise<PcscConnection> {
      const card = readers.get(name);
      if (!card) throw new Error('no card');
      return { reader: name, atr: new Uint8Array(0), protocol: 'T=1', transmit: (c) => card.transmit(c), disconnect: (d) => void (d === 'reset' ? card.reset?.() : undefined) };
    },
    close: () => undefined,
  };
}

async function transport(card: TestCard) {
  const c = await card.power();
  return { transmit: (b: Uint8Array) => c.transmit(b) };
}

/** Checks a certificate of residence with the kiosk's published keys: node, and openssl pkeyutl (Ed25519). */
async function checkJws(w: RpWorld, kiosk: Kiosk, jws: string): Promise<Record<string, unknown>> {
  const keys = (await kiosk.keys()).keys;
  const kid = JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString('utf8')).kid;
  const jwk = keys.find((k) => k.kid === kid) as Ed25519Jwk | undefined;
  assert.ok(jwk, 'the signing key is published');
  const payload = verifyCompact(jws, { kty: jwk.kty, crv: jwk.crv, x: jwk.x });
  assert.ok(payload, 'the JWS verifies');
  const [h, p, s] = jws.split('.');
  writeFileSync(join(w.h.dir, 'jws.input'), `${h}.${p}`);
  writeFileSync(join(w.h.dir, 'jws.sig'), Buffer.from(s!, 'base64url'));
  writeFileSync(join(w.h.dir, 'kiosk.pub.pem'), createPublicKey({ key: { ...jwk }, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string);
  const r = await openssl('pkeyutl', '-verify', '-pubin', '-inkey', join(w.h.dir, 'kiosk.pub.pem'), '-rawin', '-in', join(w.h.dir, 'jws.input'), '-sigfile', join(w.h.dir, 'jws.sig'));
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /Signature Verified Successfully/);
  return JSON.parse(Buffer.from(payload).toString('utf8'));
}

forEachDialect('kiosk', (ctx) => {
  let w: RpWorld;
  let card: TestCard;
  before(async () => {
    w = await startWorld({ database: await ctx.freshConfig() });
    card = await newCard(w.h, { name: '中村\u3000誠', address: '京都府京都市中京区寺町通御池上る上本能寺前町488', birthDate: '1972-11-03' });
  });
  after(() => w?.stop());

  it('issues a certificate of residence to a card: wrong PIN with tries left, then the right one; signed by the kiosk', async () => {
    const session = await w.kiosk.begin({ transport: await transport(card) });
    assert.equal(session.holder, 'card');
    assert.equal(session.tokenLabel, 'JPKIAPICCTOKEN2');
    assert.equal(session.state, 'pin-required');
    assert.equal(session.triesLeft, 3);
    await assert.rejects(w.kiosk.enterPin(session.sessionId, '0000'), (e) => hasCode(e, 'ERR_KIOSK_PIN_INCORRECT') && (e as { triesLeft?: number }).triesLeft === 2);
    assert.equal(w.kiosk.view(session.sessionId).triesLeft, 2);
    await assert.rejects(w.kiosk.enterPin(session.sessionId, '12a4'), (e) => hasCode(e, 'ERR_KIOSK_PIN_FORMAT'));
    assert.equal(w.kiosk.view(session.sessionId).triesLeft, 2, 'a malformed PIN costs no try');
    const residence = await w.kiosk.enterPin(session.sessionId, PIN);
    assert.equal(w.kiosk.view(session.sessionId).state, 'done');
    const doc = await checkJws(w, w.kiosk, residence.jws);
    assert.deepEqual(doc, residence.document);
    assert.equal(doc.type, 'jpki-mobile/certificate-of-residence/v1');
    assert.deepEqual(doc.resident, { name: '中村\u3000誠', address: '京都府京都市中京区寺町通御池上る上本能寺前町488', birthDate: '1972-11-03', sex: 1 });
    assert.deepEqual((doc.verification as { holder: string; certificateSerial: string }).holder, 'card');
    assert.equal((doc.verification as { certificateSerial: string }).certificateSerial, card.authSerial);
    // Kept, and readable again by its id.
    const again = await call(w, 'GET', `/kiosk/v1/certificates-of-residence/${residence.issuanceId}`);
    assert.equal(again.status, 200);
    assert.equal(again.json.jws, residence.jws);
    assert.equal(again.json.holder, 'card');
  });

  it('blocks the PIN after three wrong ones, and refuses the blocked card at the next transaction', async () => {
    const blocked = await newCard(w.h, { name: '小林\u3000優' });
    const one = await blocked.power();
    const t = { transmit: (b: Uint8Array) => one.transmit(b) };
    const s = await w.kiosk.begin({ transport: t });
    await assert.rejects(w.kiosk.enterPin(s.sessionId, '1111'), (e) => hasCode(e, 'ERR_KIOSK_PIN_INCORRECT'));
    await assert.rejects(w.kiosk.enterPin(s.sessionId, '2222'), (e) => hasCode(e, 'ERR_KIOSK_PIN_INCORRECT') && (e as { triesLeft?: number }).triesLeft === 1);
    await assert.rejects(w.kiosk.enterPin(s.sessionId, '3333'), (e) => hasCode(e, 'ERR_KIOSK_PIN_BLOCKED') && (e as { triesLeft?: number }).triesLeft === 0);
    assert.equal(w.kiosk.view(s.sessionId).state, 'failed');
    assert.equal(w.kiosk.view(s.sessionId).failure?.code, 'ERR_KIOSK_PIN_BLOCKED');
    await assert.rejects(w.kiosk.enterPin(s.sessionId, PIN), (e) => hasCode(e, 'ERR_KIOSK_SESSION_STATE'));
    await assert.rejects(w.kiosk.begin({ transport: t }), (e) => hasCode(e, 'ERR_KIOSK_PIN_BLOCKED'));
  });

  it('refuses a revoked card certificate after the PIN (ERR_RP_CERT_REVOKED), issuing nothing', async () => {
    const revoked = await newCard(w.h, { name: '加藤\u3000恵' });
    assert.equal((await w.h.api('POST', `/api/v1/certificates/${revoked.authSerial}/revoke`, { reason: 'keyCompromise' }, w.h.tokens.office)).status, 200);
    const count = Number((await w.h.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM kiosk_issuances'))[0]!.n);
    const s = await w.kiosk.begin({ transport: await transport(revoked) });
    await assert.rejects(w.kiosk.enterPin(s.sessionId, PIN), (e) => hasCode(e, 'ERR_RP_CERT_REVOKED'));
    assert.equal(w.kiosk.view(s.sessionId).state, 'failed');
    assert.equal(Number((await w.h.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM kiosk_issuances'))[0]!.n), count);
  });

  it('tells a card without JPKI and an unknown token apart', async () => {
    const noJpki = { transmit: async () => Uint8Array.of(0x6a, 0x82) };
    await assert.rejects(w.kiosk.begin({ transport: noJpki }), (e) => hasCode(e, 'ERR_KIOSK_NOT_JPKI'));
    const odd = structuredClone(card.state);
    (odd.jpki.files as unknown as Record<string, string>)['0006'] = toHex(tokenInfo({ label: 'JPKIAPXYZTOKEN', serialNumber: '0000000000000001' }));
    const other = new IdCard(odd, new MemoryCardStore(structuredClone(odd)));
    await other.powerOn();
    await assert.rejects(w.kiosk.begin({ transport: { transmit: (b) => other.transmit(b) } }), (e) => hasCode(e, 'ERR_KIOSK_TOKEN_UNKNOWN'));
  });
});

describe('kiosk: a phone on the NFC reader (the JPKI applet of a secure element)', () => {
  let w: RpWorld;
  before(async () => {
    w = await startWorld();
  });
  after(() => w?.stop());

  it('answers like a card but for its token label: phone-auth verified, a certificate of residence issued', async () => {
    const owner = await newCard(w.h, { name: '吉田\u3000彩', sex: 2 });
    // Flow 3 in short: keys generated in the applet, phone certificates issued for them on the card's signature, written by the SP-TSM.
    const e = await element();
    const t = await tsm(e);
    const keys = await generateBoth(t);
    const phone = await issuePhoneFor(w.h, owner, 'SE-KIOSK-1', keys);
    const active = (h: string) => w.h.service.ctx.authority.all().find((g) => g.hierarchy === h && g.state === 'active')!.certificate;
    const written = await t.manage(writeCommands({ sign: phone.signCert, auth: phone.authCert, signCa: active('sign'), authCa: active('auth') }));
    assert.ok(written.sws.every((sw) => sw === 0x9000));
    e.iface = 'contactless';

    const s = await w.kiosk.begin({ transport: e });
    assert.equal(s.holder, 'phone');
    assert.equal(s.tokenLabel, 'JPKIAPGPSETOKEN');
    assert.equal(s.triesLeft, 3);
    const residence = await w.kiosk.enterPin(s.sessionId, PIN);
    const doc = await checkJws(w, w.kiosk, residence.jws);
    assert.equal((doc.resident as { name: string }).name, '吉田\u3000彩');
    assert.deepEqual((doc.verification as { holder: string; certificateSerial: string }).holder, 'phone');
    assert.equal((doc.verification as { certificateSerial: string }).certificateSerial, phone.authSerial);
  });
});

describe('kiosk HTTP API over PC/SC readers', () => {
  let w: RpWorld;
  let card: TestCard;
  const readers = new Map<string, CardLike | undefined>();
  before(async () => {
    w = await startWorld({ kiosk: { pcsc: async () => memoryPcsc(readers) } });
    card = await newCard(w.h);
    readers.set('Reader A', await card.power());
    readers.set('Reader B', undefined);
  });
  after(() => w?.stop());

  it('runs a transaction: session, wrong PIN (403 with triesLeft), PIN, result; one transaction per reader', async () => {
    const list = await call(w, 'GET', '/kiosk/v1/readers');
    assert.deepEqual(list.json, {
      readers: [
        { name: 'Reader A', cardPresent: true, kind: 'pcsc' },
        { name: 'Reader B', cardPresent: false, kind: 'pcsc' },
      ],
      pcsc: { available: true },
    });
    const s = await call(w, 'POST', '/kiosk/v1/sessions', { reader: 'Reader A' });
    assert.equal(s.status, 201, JSON.stringify(s.json));
    assert.equal(s.json.holder, 'card');
    assert.equal(s.json.state, 'pin-required');
    const id = s.json.sessionId as string;
    const busy = await call(w, 'POST', '/kiosk/v1/sessions', { reader: 'Reader A' });
    assert.equal(busy.status, 409);
    assert.equal(busy.json.code, 'ERR_KIOSK_READER_BUSY');
    const pending = await call(w, 'GET', `/kiosk/v1/sessions/${id}/result`);
    assert.equal(pending.status, 409);
    assert.equal(pending.json.code, 'ERR_KIOSK_SESSION_STATE');

    const wrong = await call(w, 'POST', `/kiosk/v1/sessions/${id}/pin`, { pin: '9999' });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.json.code, 'ERR_KIOSK_PIN_INCORRECT');
    assert.equal(wrong.json.triesLeft, 2);
    const malformed = await call(w, 'POST', `/kiosk/v1/sessions/${id}/pin`, { pin: '12345' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.json.code, 'ERR_KIOSK_PIN_FORMAT');
    assert.equal((await call(w, 'GET', `/kiosk/v1/sessions/${id}`)).json.triesLeft, 2);

    const done = await call(w, 'POST', `/kiosk/v1/sessions/${id}/pin`, { pin: PIN });
    assert.equal(done.status, 200, JSON.stringify(done.json));
    assert.equal(done.json.state, 'done');
    const result = await call(w, 'GET', `/kiosk/v1/sessions/${id}/result`);
    assert.equal(result.status, 200);
    assert.equal(result.json.document.resident.name, card.state.holder.person.name);
    await checkJws(w, w.kiosk, result.json.jws);
    const keys = await call(w, 'GET', '/kiosk/v1/keys');
    assert.equal(keys.json.keys[0].kty, 'OKP');
    assert.equal(keys.json.keys[0].alg, 'EdDSA');
    // The reader is free again.
    const next = await call(w, 'POST', '/kiosk/v1/sessions', { reader: 'Reader A' });
    assert.equal(next.status, 201);
    assert.equal((await call(w, 'DELETE', `/kiosk/v1/sessions/${next.json.sessionId}`)).status, 204);
    assert.equal((await call(w, 'GET', `/kiosk/v1/sessions/${next.json.sessionId}`)).json.code, 'ERR_KIOSK_SESSION_UNKNOWN');
  });

  it('answers bad inputs with their own 4xx and code, writing nothing', async () => {
    const s = await call(w, 'POST', '/kiosk/v1/sessions', { reader: 'Reader A' });
    const id = s.json.sessionId as string;
    const unknown = 'AAAAAAAAAAAAAAAAAAAAAA';
    try {
      await expectRefusals(w, [
        ...jsonFaults('/kiosk/v1/sessions'),
        { name: 'no reader', path: '/kiosk/v1/sessions', json: {}, status: 400, code: 'ERR_REQUEST_FIELD' },
        { name: 'reader a number', path: '/kiosk/v1/sessions', json: { reader: 1 }, status: 400, code: 'ERR_REQUEST_FIELD' },
        { name: 'reader too long', path: '/kiosk/v1/sessions', json: { reader: 'R'.repeat(201) }, status: 400, code: 'ERR_REQUEST_FIELD' },
        { name: 'an unknown reader', path: '/kiosk/v1/sessions', json: { reader: 'Reader Z' }, status: 404, code: 'ERR_KIOSK_READER_NOT_FOUND' },
        { name: 'an empty reader', path: '/kiosk/v1/sessions', json: { reader: 'Reader B' }, status: 409, code: 'ERR_KIOSK_NO_CARD' },
        ...jsonFaults(`/kiosk/v1/sessions/${id}/pin`),
        { name: 'no pin', path: `/kiosk/v1/sessions/${id}/pin`, json: {}, status: 400, code: 'ERR_REQUEST_FIELD' },
        { name: 'pin a number', path: `/kiosk/v1/sessions/${id}/pin`, json: { pin: 1234 }, status: 400, code: 'ERR_REQUEST_FIELD' },
        { name: 'pin too long', path: `/kiosk/v1/sessions/${id}/pin`, json: { pin: '1'.repeat(17) }, status: 400, code: 'ERR_REQUEST_FIELD' },
        { name: 'pin of letters', path: `/kiosk/v1/sessions/${id}/pin`, json: { pin: 'abcd' }, status: 400, code: 'ERR_KIOSK_PIN_FORMAT' },
        { name: 'an unknown session', path: `/kiosk/v1/sessions/${unknown}/pin`, json: { pin: PIN }, status: 404, code: 'ERR_KIOSK_SESSION_UNKNOWN' },
        { name: 'an unknown session', path: `/kiosk/v1/sessions/${unknown}`, status: 404, code: 'ERR_KIOSK_SESSION_UNKNOWN' },
        { name: 'an unknown session', path: `/kiosk/v1/sessions/${unknown}/result`, status: 404, code: 'ERR_KIOSK_SESSION_UNKNOWN' },
        { name: 'an unknown session', method: 'DELETE', path: `/kiosk/v1/sessions/${unknown}`, status: 404, code: 'ERR_KIOSK_SESSION_UNKNOWN' },
        { name: 'an unknown certificate of residence', path: `/kiosk/v1/certificates-of-residence/${unknown}`, status: 404, code: 'ERR_KIOSK_ISSUANCE_UNKNOWN' },
        { name: 'a query parameter', path: '/kiosk/v1/keys?all=1', status: 400, code: 'ERR_REQUEST_FIELD' },
      ]);
      assert.equal((await call(w, 'GET', `/kiosk/v1/sessions/${id}`)).json.triesLeft, 3, 'no PIN try was spent');
    } finally {
      await call(w, 'DELETE', `/kiosk/v1/sessions/${id}`);
    }
  });
});
