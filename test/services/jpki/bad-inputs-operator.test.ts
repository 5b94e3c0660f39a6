import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { createOperator } from '../../../src/services/jpki/operators.js';
import { startJpki, type IssuedCard, type IssuedPhone, type JpkiHarness } from '../../helpers/jpki.js';
import { forEachDialect } from '../../helpers/postgres.js';
import { expectProblems, jsonCases, tokenCases, type BadCase } from './support/http.js';
import { b64, cardBody, World } from './support/world.js';

/**
 * Issue 3, "Done when" 6 (operator endpoints): for each operator endpoint a table of bad inputs —
 * tokens, JSON, types, members, sizes, base64, DER, signatures, serials, paths — each answered with
 * its own 4xx and problem code as application/problem+json, and nothing written.
 */

const UNKNOWN_SERIAL = '0BADC0DE0BADC0DE0BAD';

forEachDialect('JPKI bad inputs: operator endpoints', (ctx) => {
  let h: JpkiHarness;
  let w: World;
  let disabled: string;
  let card: IssuedCard;
  let phone: IssuedPhone;
  let revoked: IssuedCard;

  before(async () => {
    h = await startJpki({ database: await ctx.freshConfig() });
    w = await World.of(h);
    disabled = await createOperator(h.db, 'office-gone', 'office', new Date());
    await h.db.execute('UPDATE operators SET disabled_at = $2 WHERE id = $1', ['office-gone', new Date().toISOString()]);
    card = await w.card();
    phone = await w.phone(card, 'SE-BAD-1');
    revoked = await w.card();
    await h.api('POST', `/api/v1/certificates/${revoked.signSerial}/revoke`, { reason: 'keyCompromise' }, h.tokens.office);
    await h.api('POST', `/api/v1/certificates/${phone.signSerial}/hold`, undefined, h.tokens.callCentre);
    await h.api('POST', `/api/v1/certificates/${phone.authSerial}/hold`, undefined, h.tokens.callCentre);
  });
  after(async () => {
    await h?.stop();
  });

  it('POST /api/v1/card-certificates', async () => {
    const path = '/api/v1/card-certificates';
    const valid = cardBody(w.key(), w.key());
    const person = (p: Record<string, unknown>) => ({ ...valid, person: { ...valid.person, ...p } });
    const cases: BadCase[] = [
      ...tokenCases(path, 'POST', valid, { disabled, wrongRole: h.tokens.spTsm }),
      { name: 'the call centre', path, json: valid, token: h.tokens.callCentre, status: 403, code: 'ERR_JPKI_FORBIDDEN' },
      ...jsonCases(path, valid),
      { name: 'person.name missing', path, json: { ...valid, person: { ...valid.person, name: undefined } }, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'person.name empty', path, json: person({ name: '' }), status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'person.name of 101 characters', path, json: person({ name: 'あ'.repeat(101) }), status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'person.name a number', path, json: person({ name: 42 }), status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'person.address of 201 characters', path, json: person({ address: '東京都千代田区' + 'あ'.repeat(195) }), status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'person.sex as a string', path, json: person({ sex: '1' }), status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'person.sex 4', path, json: person({ sex: 4 }), status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'person.sex 1.5', path, json: person({ sex: 1.5 }), status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'person.birthDate with slashes', path, json: person({ birthDate: '1990/01/02' }), status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'person.nameSubstituteMap not 0/1', path, json: person({ nameSubstituteMap: '0a000' }), status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'an unknown member in person', path, json: person({ kana: 'ヤマダ' }), status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'cardExpiry a number', path, json: { ...valid, cardExpiry: 20351231 }, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'personId a number', path, json: { ...valid, personId: 7 }, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'personId of 65 characters', path, json: { ...valid, personId: 'p'.repeat(65) }, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'an unknown personId', path, json: { ...valid, personId: 'no-such-person' }, status: 404, code: 'ERR_JPKI_UNKNOWN_PERSON' },
      { name: 'signPublicKey not base64', path, json: { ...valid, signPublicKey: 'not base64!' }, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'signPublicKey unpadded', path, json: { ...valid, signPublicKey: 'QUJD' + 'QQ' }, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'authPublicKey over 1024 bytes', path, json: { ...valid, authPublicKey: b64(randomBytes(1100)) }, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'authPublicKey not DER', path, json: { ...valid, authPublicKey: b64(randomBytes(300)) }, status: 422, code: 'ERR_CERT_DER' },
      { name: 'signPublicKey a truncated SPKI', path, json: { ...valid, signPublicKey: valid.signPublicKey.slice(0, 200) }, status: 422, code: 'ERR_CERT_DER' },
    ];
    await expectProblems(h, cases, h.tokens.office);
  });

  it('POST /api/v1/phone-certificates', async () => {
    const path = '/api/v1/phone-certificates';
    const valid = w.application(card, 'SE-BAD-2').body;
    const cases: BadCase[] = [
      ...tokenCases(path, 'POST', valid, { disabled, wrongRole: h.tokens.office }),
      ...jsonCases(path, valid),
      { name: 'signature missing', path, json: { ...valid, signature: undefined }, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'cardCertificate missing', path, json: { ...valid, cardCertificate: undefined }, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'signature an array', path, json: { ...valid, signature: [1, 2] }, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'application not base64', path, json: { ...valid, application: '{"type":1}' }, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'application over 8192 bytes', path, json: { ...valid, application: b64(randomBytes(8200)) }, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'signature over 512 bytes', path, json: { ...valid, signature: b64(randomBytes(600)) }, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'cardCertificate not DER', path, json: { ...valid, cardCertificate: b64(randomBytes(500)) }, status: 422, code: 'ERR_JPKI_CARD_CERTIFICATE' },
      { name: 'a signature of random bytes', path, json: { ...valid, signature: b64(randomBytes(256)) }, status: 422, code: 'ERR_JPKI_CARD_SIGNATURE' },
      { name: 'a truncated signature', path, json: { ...valid, signature: b64(Buffer.from(valid.signature, 'base64').subarray(0, 128)) }, status: 422, code: 'ERR_JPKI_CARD_SIGNATURE' },
      { name: 'a revoked card certificate', path, json: w.application(revoked, 'SE-BAD-3').body, status: 422, code: 'ERR_JPKI_CARD_CERTIFICATE' },
    ];
    await expectProblems(h, cases, h.tokens.spTsm);
  });

  it('GET /api/v1/certificates/:serial', async () => {
    const path = `/api/v1/certificates/${card.signSerial}`;
    const cases: BadCase[] = [
      ...tokenCases(path, 'GET', undefined, { disabled, wrongRole: 'jpki_nobody_role_token_unknown' }).filter((c) => c.status === 401),
      { name: 'a serial that is not hex', path: '/api/v1/certificates/XYZ', status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'a serial of one digit', path: '/api/v1/certificates/A', status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'a serial of 41 digits', path: `/api/v1/certificates/${'A'.repeat(41)}`, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'a serial with a space', path: '/api/v1/certificates/0B%20AD', status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'bad percent-encoding', path: '/api/v1/certificates/%ZZ', status: 400, code: 'ERR_HTTP_PATH' },
      { name: 'an unknown serial', path: `/api/v1/certificates/${UNKNOWN_SERIAL}`, status: 404, code: 'ERR_JPKI_UNKNOWN_SERIAL' },
      { name: 'POST', method: 'POST', path, json: {}, status: 405, code: 'ERR_HTTP_METHOD' },
      { name: 'DELETE', method: 'DELETE', path, status: 405, code: 'ERR_HTTP_METHOD' },
      { name: 'a sub-resource that does not exist', path: `${path}/owner`, status: 404, code: 'ERR_HTTP_NOT_FOUND' },
    ];
    await expectProblems(h, cases, h.tokens.callCentre);
  });

  it('POST /api/v1/certificates/:serial/revoke', async () => {
    const path = `/api/v1/certificates/${card.authSerial}/revoke`;
    const valid = { reason: 'keyCompromise' };
    const cases: BadCase[] = [
      ...tokenCases(path, 'POST', valid, { disabled, wrongRole: h.tokens.spTsm }),
      ...jsonCases(path, valid),
      { name: 'an unknown reason name', path, json: { reason: 'lostPhone' }, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'a reason code instead of a name', path, json: { reason: 1 }, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'certificateHold', path, json: { reason: 'certificateHold' }, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'a serial that is not hex', path: '/api/v1/certificates/NOTHEX/revoke', json: valid, status: 400, code: 'ERR_REQUEST_FIELD' },
      { name: 'an unknown serial', path: `/api/v1/certificates/${UNKNOWN_SERIAL}/revoke`, json: valid, status: 404, code: 'ERR_JPKI_UNKNOWN_SERIAL' },
      { name: 'an already revoked certificate', path: `/api/v1/certificates/${revoked.signSerial}/revoke`, json: valid, status: 409, code: 'ERR_JPKI_ALREADY_REVOKED' },
      { name: 'GET', method: 'GET', path, status: 405, code: 'ERR_HTTP_METHOD' },
    ];
    await expectProblems(h, cases, h.tokens.office);
  });

  for (const action of ['hold', 'release'] as const) {
    it(`POST /api/v1/certificates/:serial/${action}`, async () => {
      const path = `/api/v1/certificates/${card.authSerial}/${action}`;
      const cases: BadCase[] = [
        ...tokenCases(path, 'POST', undefined, { disabled, wrongRole: h.tokens.spTsm }),
        { name: 'malformed JSON', path, raw: '{', contentType: 'application/json', status: 400, code: 'ERR_HTTP_JSON' },
        { name: 'a body that is not JSON', path, raw: 'reason=keyCompromise', contentType: 'application/x-www-form-urlencoded', status: 415, code: 'ERR_HTTP_MEDIA_TYPE' },
        { name: 'an array', path, json: [], status: 400, code: 'ERR_REQUEST_FIELD' },
        { name: 'a member it does not take', path, json: { reason: 'keyCompromise' }, status: 400, code: 'ERR_REQUEST_FIELD' },
        { name: 'a body over the limit', path, raw: JSON.stringify({ x: 'x'.repeat(70_000) }), contentType: 'application/json', status: 413, code: 'ERR_HTTP_BODY_TOO_LARGE' },
        { name: 'a serial that is not hex', method: 'POST', path: `/api/v1/certificates/G1/${action}`, status: 400, code: 'ERR_REQUEST_FIELD' },
        { name: 'an unknown serial', method: 'POST', path: `/api/v1/certificates/${UNKNOWN_SERIAL}/${action}`, status: 404, code: 'ERR_JPKI_UNKNOWN_SERIAL' },
        { name: 'GET', method: 'GET', path, status: 405, code: 'ERR_HTTP_METHOD' },
        ...(action === 'hold'
          ? [
              { name: 'a held certificate', method: 'POST', path: `/api/v1/certificates/${phone.authSerial}/hold`, status: 409, code: 'ERR_JPKI_ALREADY_HELD' },
              { name: 'a revoked certificate', method: 'POST', path: `/api/v1/certificates/${revoked.signSerial}/hold`, status: 409, code: 'ERR_JPKI_ALREADY_REVOKED' },
            ]
          : [
              { name: 'a certificate that is not held', method: 'POST', path, status: 409, code: 'ERR_JPKI_NOT_HELD' },
              { name: 'a revoked certificate', method: 'POST', path: `/api/v1/certificates/${revoked.signSerial}/release`, status: 409, code: 'ERR_JPKI_NOT_HELD' },
              { name: 'a held signature certificate', method: 'POST', path: `/api/v1/certificates/${phone.signSerial}/release`, status: 409, code: 'ERR_JPKI_RELEASE_SIGNATURE' },
            ]),
      ];
      await expectProblems(h, cases, h.tokens.callCentre);
    });
  }
});
