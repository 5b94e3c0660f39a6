import assert from 'node:assert/strict';
import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { after, before, it } from 'node:test';
import { startJpki, type JpkiHarness } from '../../helpers/jpki.js';
import { forEachDialect } from '../../helpers/postgres.js';
import { assertUnchanged, snapshot } from './support/store.js';
import { b64, cardBody, spkiDer, watchSigners, World } from './support/world.js';

/**
 * Issue 3, "Done when" 1 (lint): issuance whose input breaks its profile is refused with a 422 and the
 * specific code, before anything is signed (the CA keys are watched) or written (rows, statuses, audit
 * head). The last case reaches the lint itself: a certificate that would outlive its CA.
 */

const generate = promisify(generateKeyPair);

async function refused(h: JpkiHarness, path: string, body: unknown, token: string, code: string): Promise<void> {
  const signatures = watchSigners(h);
  const before = await snapshot(h.db);
  const res = await h.api('POST', path, body, token);
  assert.equal(res.status, 422, `${code}: ${JSON.stringify(res.json)}`);
  assert.equal(res.contentType, 'application/problem+json');
  assert.equal(res.json.code, code);
  assert.equal(signatures.count(), 0, `${code}: nothing is signed`);
  await assertUnchanged(h.db, before, code);
}

forEachDialect('JPKI lint: issuance that breaks a profile is refused before signing', (ctx) => {
  let h: JpkiHarness;
  let w: World;
  let small: KeyObject;
  let exponent3: KeyObject;
  let ec: KeyObject;

  before(async () => {
    h = await startJpki({ database: await ctx.freshConfig() });
    w = await World.of(h);
    [small, exponent3, ec] = await Promise.all([
      generate('rsa', { modulusLength: 1024, publicExponent: 65537 }).then((k) => k.privateKey),
      generate('rsa', { modulusLength: 2048, publicExponent: 3 }).then((k) => k.privateKey),
      generate('ec', { namedCurve: 'P-256' }).then((k) => k.privateKey),
    ]);
  });
  after(async () => {
    await h?.stop();
  });

  const cases: readonly { name: string; code: string; body: (w: World) => unknown }[] = [
    { name: 'an address without a prefecture', code: 'ERR_CERT_ADDRESS', body: (w) => cardBody(w.key(), w.key(), { address: '千代田区永田町1-7-1' }) },
    { name: 'an address with no municipality', code: 'ERR_CERT_ADDRESS', body: (w) => cardBody(w.key(), w.key(), { address: '東京都' }) },
    { name: 'a 1024-bit signature key', code: 'ERR_CERT_KEY_SIZE', body: (w) => cardBody(small, w.key()) },
    { name: 'a 1024-bit authentication key', code: 'ERR_CERT_KEY_SIZE', body: (w) => cardBody(w.key(), small) },
    { name: 'a key with exponent 3', code: 'ERR_CERT_KEY_EXPONENT', body: (w) => cardBody(exponent3, w.key()) },
    { name: 'an EC key', code: 'ERR_CERT_KEY_NOT_RSA', body: (w) => cardBody(w.key(), ec) },
    { name: 'a key that is not DER', code: 'ERR_CERT_DER', body: (w) => ({ ...cardBody(w.key(), w.key()), signPublicKey: b64(Buffer.from('not a SubjectPublicKeyInfo')) }) },
    { name: 'a birth date in the future', code: 'ERR_BASIC_FOUR_BIRTH_DATE', body: (w) => cardBody(w.key(), w.key(), { birthDate: '2999-01-01' }) },
    { name: 'a birth date that does not exist', code: 'ERR_BASIC_FOUR_BIRTH_DATE', body: (w) => cardBody(w.key(), w.key(), { birthDate: '1990-02-30' }) },
    { name: 'a name substitute map of the wrong length', code: 'ERR_BASIC_FOUR_SUBSTITUTE_MAP', body: (w) => cardBody(w.key(), w.key(), { nameSubstituteMap: '01' }) },
    { name: 'an expired card', code: 'ERR_JPKI_CARD_EXPIRED', body: (w) => cardBody(w.key(), w.key(), {}, { cardExpiry: '2020-01-01' }) },
  ];

  for (const c of cases) {
    it(`card issuance with ${c.name}: 422 ${c.code}, nothing signed or written`, async () => {
      await refused(h, '/api/v1/card-certificates', c.body(w), h.tokens.office, c.code);
    });
  }

  it('phone issuance with a 1024-bit or exponent-3 key from the SE: 422, nothing signed, the nonce not spent', async () => {
    const card = await w.card();
    const weak = w.application(card, 'SE-LINT-1', { signPublicKey: spkiDer(small), nonce: 'lint-nonce-0000000001' });
    await refused(h, '/api/v1/phone-certificates', weak.body, h.tokens.spTsm, 'ERR_CERT_KEY_SIZE');
    const e3 = w.application(card, 'SE-LINT-1', { authPublicKey: spkiDer(exponent3) });
    await refused(h, '/api/v1/phone-certificates', e3.body, h.tokens.spTsm, 'ERR_CERT_KEY_EXPONENT');
    // The refused application's nonce was not consumed: a good application may carry it.
    const good = w.application(card, 'SE-LINT-1', { nonce: 'lint-nonce-0000000001' });
    assert.equal((await h.api('POST', '/api/v1/phone-certificates', good.body, h.tokens.spTsm)).status, 201);
  });

  it('the watch and the snapshot see a successful issuance (so the refusals above can fail)', async () => {
    const signatures = watchSigners(h);
    const before = await snapshot(h.db);
    const res = await h.api('POST', '/api/v1/card-certificates', cardBody(w.key(), w.key()), h.tokens.office);
    assert.equal(res.status, 201);
    assert.equal(signatures.count(), 2);
    assert.notDeepEqual(await snapshot(h.db), before);
  });

  it('the lint refuses a card certificate that would outlive its CA (ERR_CERT_LINT), nothing signed or written', async () => {
    // A CA made 9.5 years ago ends in half a year; a card certificate runs to the 5th birthday.
    let shift = -9.5 * 365 * 86_400_000;
    const old = await startJpki({ database: await ctx.freshConfig(), clock: () => new Date(Date.now() + shift) });
    try {
      shift = 0;
      await refused(old, '/api/v1/card-certificates', cardBody(w.key(), w.key()), old.tokens.office, 'ERR_CERT_LINT');
    } finally {
      await old.stop();
    }
  });
});
