import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OcspResponder } from '../../../src/services/jpki/ocsp-responder.js';
import type { Queryable, SqlValue } from '../../../src/store/index.js';
import { issueCard, startJpki, type IssuedCard, type JpkiHarness } from '../../helpers/jpki.js';
import { ocspAnswer, ocspRequest } from './fixtures/ocsp-client.js';

/**
 * The pre-signed table's eviction (second chance): an answer served since it was stored outlives an
 * older one that was not, and the answer from memory (`answerFromMemory`, the lean path's) is the one
 * `respond` gives, without reading the database.
 */
describe('JPKI service: the pre-signed OCSP table', () => {
  let h: JpkiHarness;
  let cards: IssuedCard[];
  let reads = 0;
  let db: Queryable;
  let issuer: Uint8Array;

  before(async () => {
    h = await startJpki();
    cards = [await issueCard(h), await issueCard(h), await issueCard(h), await issueCard(h)];
    issuer = h.service.ctx.authority.active('auth').certificate;
    db = {
      query: <T>(sql: string, params?: readonly SqlValue[]) => {
        if (sql.startsWith('SELECT status')) reads++;
        return h.db.query<T>(sql, params);
      },
      execute: (sql, params) => h.db.execute(sql, params),
    };
  });
  after(async () => {
    await h.stop();
  });

  it('evicts the oldest answer not served since, keeping one served since it was stored', async () => {
    const responder = new OcspResponder({ db, authority: h.service.ctx.authority, clock: () => new Date(), maxEntries: 3 });
    const [a, b, c, d] = cards.map((card) => ocspRequest(issuer, card.authSerial)) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    for (const req of [a, b, c]) await responder.respond(req, 'auth');
    assert.equal(responder.size, 3);
    reads = 0;
    assert.ok(responder.answerFromMemory(a, 'auth'), 'a is served from memory');
    await responder.respond(d, 'auth'); // the table is full: one answer goes
    assert.equal(responder.size, 3);
    assert.equal(reads, 1, 'd was read and signed');
    assert.ok(responder.answerFromMemory(a, 'auth'), 'a, the oldest but served, stayed');
    assert.equal(responder.answerFromMemory(b, 'auth'), undefined, 'b, not served since it was stored, went');
    assert.ok(responder.answerFromMemory(c, 'auth'));
    assert.ok(responder.answerFromMemory(d, 'auth'));
    assert.equal(reads, 1, 'nothing else was read');
  });

  it('answers from memory only what respond would answer the same way, and nothing it must sign', async () => {
    const responder = new OcspResponder({ db, authority: h.service.ctx.authority, clock: () => new Date() });
    const req = ocspRequest(issuer, cards[0]!.authSerial);
    assert.equal(responder.answerFromMemory(req, 'auth'), undefined, 'not signed yet: respond must read and sign');
    const signed = await responder.respond(req, 'auth');
    assert.deepEqual(responder.answerFromMemory(req, 'auth'), signed);
    assert.deepEqual(responder.answerFromMemory(req), signed, 'through the hierarchy-less URL');
    assert.equal(responder.answerFromMemory(req, 'sign'), undefined, 'through another hierarchy: respond says unauthorized');
    assert.equal(ocspAnswer(await responder.respond(req, 'sign')).status, 'unauthorized');
    assert.equal(ocspAnswer(responder.answerFromMemory(Uint8Array.of(0x30, 0x00), 'auth')!).status, 'malformedRequest');
    assert.equal(responder.answerFromMemory(ocspRequest(issuer, cards[0]!.authSerial, 'sha256'), 'auth'), undefined, 'a SHA-256 CertID is another key, not signed yet');
  });
});
