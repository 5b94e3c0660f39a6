import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { hasCode } from '../../../src/errors/index.js';
import {
  caValidity,
  cardCertificateValidity,
  cardValidityBound,
  jstDate,
  ocspResponderValidity,
  phoneCertificateValidity,
} from '../../../src/pki/x509/index.js';

const iso = (d: Date): string => d.toISOString();

describe('card certificate validity (jpki-ap.md 3.3): the 5th birthday after issuance, 14:59:59Z', () => {
  const table: { label: string; issuedAt: string; birthDate: string; cardExpiry?: string; cap?: string; notAfter: string }[] = [
    { label: 'birthday already passed this year', issuedAt: '2026-03-10T01:00:00Z', birthDate: '1990-01-02', notAfter: '2031-01-02T14:59:59.000Z' },
    { label: 'birthday still to come this year', issuedAt: '2026-03-10T01:00:00Z', birthDate: '1990-06-15', notAfter: '2030-06-15T14:59:59.000Z' },
    { label: 'issued on the birthday (it does not count)', issuedAt: '2026-06-15T03:00:00Z', birthDate: '1990-06-15', notAfter: '2031-06-15T14:59:59.000Z' },
    { label: 'issued the day before the birthday', issuedAt: '2026-06-14T03:00:00Z', birthDate: '1990-06-15', notAfter: '2030-06-15T14:59:59.000Z' },
    // 2026-03-14T15:30Z is 2026-03-15 00:30 JST: the birthday is the issuance day in Japan.
    { label: 'JST midnight edge: after midnight JST is the birthday', issuedAt: '2026-03-14T15:30:00Z', birthDate: '2000-03-15', notAfter: '2031-03-15T14:59:59.000Z' },
    { label: 'JST midnight edge: 23:59:59 JST the day before', issuedAt: '2026-03-14T14:59:59Z', birthDate: '2000-03-15', notAfter: '2030-03-15T14:59:59.000Z' },
    { label: '29 February, 5th birthday in a common year', issuedAt: '2026-03-10T01:00:00Z', birthDate: '2000-02-29', notAfter: '2031-02-28T14:59:59.000Z' },
    { label: '29 February, 5th birthday in a leap year', issuedAt: '2027-03-01T01:00:00Z', birthDate: '2000-02-29', notAfter: '2032-02-29T14:59:59.000Z' },
    { label: '29 February, issued on 28 February of a common year', issuedAt: '2027-02-28T01:00:00Z', birthDate: '2000-02-29', notAfter: '2032-02-29T14:59:59.000Z' },
    { label: 'capped by the card expiry', issuedAt: '2026-03-10T01:00:00Z', birthDate: '1990-01-02', cardExpiry: '2029-08-31', notAfter: '2029-08-31T14:59:59.000Z' },
    { label: 'card expiry after the 5th birthday does not extend', issuedAt: '2026-03-10T01:00:00Z', birthDate: '1990-01-02', cardExpiry: '2036-01-02', notAfter: '2031-01-02T14:59:59.000Z' },
    { label: 'capped by the authentication certificate', issuedAt: '2026-03-10T01:00:00Z', birthDate: '1990-01-02', cap: '2030-05-05T14:59:59Z', notAfter: '2030-05-05T14:59:59.000Z' },
  ];
  for (const row of table) {
    it(row.label, () => {
      const v = cardCertificateValidity({
        issuedAt: new Date(row.issuedAt),
        birthDate: row.birthDate,
        cardExpiry: row.cardExpiry ?? '2099-12-31',
        ...(row.cap === undefined ? {} : { notAfterCap: new Date(row.cap) }),
      });
      assert.equal(iso(v.notAfter), row.notAfter);
      assert.equal(iso(v.notBefore), new Date(row.issuedAt).toISOString());
    });
  }

  it('truncates notBefore to the second', () => {
    const v = cardCertificateValidity({ issuedAt: new Date('2026-03-10T01:00:00.789Z'), birthDate: '1990-01-02', cardExpiry: '2099-12-31' });
    assert.equal(iso(v.notBefore), '2026-03-10T01:00:00.000Z');
  });

  it('refuses impossible inputs with ERR_CERT_VALIDITY', () => {
    const base = { issuedAt: new Date('2026-03-10T01:00:00Z'), birthDate: '1990-01-02', cardExpiry: '2035-01-01' };
    for (const change of [
      { cardExpiry: '2026-03-09' }, // card expired before issuance
      { cardExpiry: '2035-02-30' },
      { birthDate: '1990-13-01' },
      { issuedAt: new Date(Number.NaN) },
    ]) {
      assert.throws(() => cardCertificateValidity({ ...base, ...change }), (e) => hasCode(e, 'ERR_CERT_VALIDITY'), JSON.stringify(change));
    }
  });

  it('property: notAfter is 14:59:59Z of the holder’s birthday, with exactly five birthdays after the issuance day', () => {
    const day = (min: number, max: number) =>
      fc.integer({ min: Date.UTC(min, 0, 1), max: Date.UTC(max, 11, 31) }).map((t) => new Date(t).toISOString().slice(0, 10));
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2040, 0, 1) }), day(1920, 2019), (t, birthDate) => {
        const issuedAt = new Date(t);
        const v = cardCertificateValidity({ issuedAt, birthDate, cardExpiry: '2099-12-31' });
        assert.equal(iso(v.notAfter).slice(10), 'T14:59:59.000Z');
        const end = iso(v.notAfter).slice(0, 10);
        const md = birthDate.slice(5);
        const leapFallback = md === '02-29' && end.slice(5) === '02-28';
        assert.ok(end.slice(5) === md || leapFallback, `${end} is not the birthday ${birthDate}`);
        const issued = jstDate(issuedAt);
        let birthdays = 0;
        for (let y = Number(issued.slice(0, 4)); y <= Number(end.slice(0, 4)); y++) {
          const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
          const b = `${y}-${md === '02-29' && !leap ? '02-28' : md}`;
          if (b > issued && b <= end) birthdays++;
        }
        assert.equal(birthdays, 5);
        assert.ok(v.notAfter.getTime() <= cardValidityBound(issuedAt).getTime(), 'within the bound for an unknown birthday');
      }),
      { numRuns: 300 },
    );
  });
});

describe('phone, CA and OCSP responder validity', () => {
  it('a phone certificate ends with its card certificate, never later', () => {
    const cardNotAfter = new Date('2031-01-02T14:59:59Z');
    const v = phoneCertificateValidity({ issuedAt: new Date('2026-05-01T02:03:04.5Z'), cardCertificateNotAfter: cardNotAfter });
    assert.equal(iso(v.notBefore), '2026-05-01T02:03:04.000Z');
    assert.equal(iso(v.notAfter), iso(cardNotAfter));
    assert.throws(
      () => phoneCertificateValidity({ issuedAt: new Date('2031-01-03T00:00:00Z'), cardCertificateNotAfter: cardNotAfter }),
      (e) => hasCode(e, 'ERR_CERT_VALIDITY'),
    );
  });

  it('a CA lasts 10 years to the day before the anniversary, like the real J-LIS CAs (jpki-ap.md 3.1)', () => {
    assert.equal(iso(caValidity(new Date('2023-07-16T00:50:27Z')).notAfter), '2033-07-15T14:59:59.000Z'); // sign_ca_2023
    assert.equal(iso(caValidity(new Date('2015-10-20T03:08:13Z')).notAfter), '2025-10-19T14:59:59.000Z'); // auth_ca_2015
    // 2023-07-15T15:30Z is already 2023-07-16 in Japan
    assert.equal(iso(caValidity(new Date('2023-07-15T15:30:00Z')).notAfter), '2033-07-15T14:59:59.000Z');
  });

  it('an OCSP responder lasts one year, capped by its CA', () => {
    const issuedAt = new Date('2026-03-10T01:00:00Z');
    assert.equal(iso(ocspResponderValidity({ issuedAt, caNotAfter: new Date('2033-07-15T14:59:59Z') }).notAfter), '2027-03-09T14:59:59.000Z');
    assert.equal(iso(ocspResponderValidity({ issuedAt, caNotAfter: new Date('2026-12-31T14:59:59Z') }).notAfter), '2026-12-31T14:59:59.000Z');
  });

  it('the bound for an unknown birthday is the 5th anniversary, one day more for 29 February', () => {
    assert.equal(iso(cardValidityBound(new Date('2026-03-14T15:30:00Z'))), '2031-03-15T14:59:59.000Z');
    assert.equal(iso(cardValidityBound(new Date('2027-02-28T01:00:00Z'))), '2032-02-29T14:59:59.000Z');
  });
});
