import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GeneralName, GeneralNames, OtherName } from '@peculiar/asn1-x509';
import fc from 'fast-check';
import { fromHex, toHex } from '../../../src/bytes/index.js';
import { hasCode } from '../../../src/errors/index.js';
import {
  BASIC_FOUR_OIDS,
  OID_JPKI_BIRTH_DATE,
  OID_JPKI_NAME,
  basicFourFromGeneralNames,
  basicFourGeneralNames,
  basicFourOtherName,
  decodeBasicFour,
  decodeJpkiBirthDate,
  encodeBasicFourOtherName,
  encodeJpkiBirthDate,
  eraOf,
  issueCertificate,
  validateBasicFour,
  type BasicFour,
} from '../../../src/pki/x509/index.js';
import { BASIC_FOUR, makePki } from './helpers.js';

const NOW = new Date('2026-03-14T15:30:00Z');

describe('birth date EYYYYMMDD (jpki-ap.md 3.2, OID 1.2.392.200149.8.5.5.4)', () => {
  const vectors: [string, string][] = [
    ['1990-01-02', '419900102'], // jpki-ap.md 3.2 example and the ZKM fixture
    ['1989-01-07', '319890107'], // last day of Showa
    ['1989-01-08', '419890108'], // first day of Heisei
    ['2019-04-30', '420190430'], // last day of Heisei
    ['2019-05-01', '520190501'], // first day of Reiwa
    ['1926-12-24', '219261224'],
    ['1926-12-25', '319261225'],
    ['1912-07-29', '119120729'],
    ['1912-07-30', '219120730'],
    ['1868-01-25', '118680125'],
    ['1868-01-24', '018680124'], // before Meiji: unknown era
  ];
  for (const [date, encoded] of vectors) {
    it(`${date} ↔ ${encoded}`, () => {
      assert.equal(encodeJpkiBirthDate(date), encoded);
      assert.deepEqual(decodeJpkiBirthDate(encoded), { date, era: Number(encoded[0]) });
    });
  }

  it('refuses malformed text, impossible dates and an era digit that does not match the date', () => {
    for (const bad of ['41990010', '4199001020', 'x19900102', '619900102', '419900230', '319900102', '019900102', '2019-05-01']) {
      assert.throws(() => decodeJpkiBirthDate(bad), (e) => hasCode(e, 'ERR_BASIC_FOUR_BIRTH_DATE'), bad);
    }
    assert.throws(() => eraOf('1990-02-30'), (e) => hasCode(e, 'ERR_BASIC_FOUR_BIRTH_DATE'));
  });

  it('encode and decode are inverse over every date from 1800 to 2100', () => {
    const day = fc.integer({ min: Date.UTC(1800, 0, 1), max: Date.UTC(2100, 11, 31) }).map((t) => new Date(t).toISOString().slice(0, 10));
    fc.assert(
      fc.property(day, (date) => {
        const text = encodeJpkiBirthDate(date);
        assert.match(text, /^[0-5]\d{8}$/);
        assert.equal(decodeJpkiBirthDate(text).date, date);
      }),
      { numRuns: 500 },
    );
  });
});

describe('basic four otherNames', () => {
  it('one entry encodes byte-exactly as A0 len 06 0A 2A 83 08 8C 9B 55 08 05 05 01 A0 len 0C len <UTF-8>', () => {
    // 山 E5B1B1, 田 E794B0, U+3000 E38080, 太 E5A4AA, 郎 E9838E
    assert.equal(
      toHex(encodeBasicFourOtherName(OID_JPKI_NAME, '山田\u3000太郎')),
      'A01F060A2A83088C9B5508050501A0110C0FE5B1B1E794B0E38080E5A4AAE9838E',
    );
    // the ZKM fixture value b'\x0c\x09419900102'
    assert.equal(toHex(encodeBasicFourOtherName(OID_JPKI_BIRTH_DATE, '419900102')), 'A019060A2A83088C9B5508050504A00B0C09343139393030313032');
  });

  it("the six entries come in the real card's order: 5.5.1, 5.5.4, 5.5.3, 5.5.5, 5.5.2, 5.5.6, maps all 0 by default", () => {
    const names = [...basicFourGeneralNames(BASIC_FOUR, NOW)];
    assert.deepEqual(
      names.map((n) => n.otherName!.typeId.split('.').slice(-1)[0]),
      ['1', '4', '3', '5', '2', '6'],
    );
    const values = names.map((n) => new TextDecoder().decode(new Uint8Array(n.otherName!.value).subarray(2)));
    assert.deepEqual(values, ['山田\u3000太郎', '419900102', '1', '東京都千代田区永田町1-7-1', '00000', '000000000000000']);
  });

  it('decodes back what it encodes, Japanese text included', () => {
    const b: BasicFour = { ...BASIC_FOUR, sex: 2, nameSubstituteMap: '01000', addressSubstituteMap: '000000000000001' };
    assert.deepEqual(basicFourFromGeneralNames(basicFourGeneralNames(b, NOW)), b);
  });

  it('round-trips through an issued card-sign certificate, and an auth certificate has none', () => {
    const pki = makePki(NOW);
    const sign = pki.request('card-sign');
    const signDer = issueCertificate({ profile: 'card-sign', ...sign });
    assert.deepEqual(decodeBasicFour(signDer), { ...BASIC_FOUR, nameSubstituteMap: '00000', addressSubstituteMap: '000000000000000' });
    const auth = pki.request('card-auth');
    assert.equal(decodeBasicFour(issueCertificate({ profile: 'card-auth', ...auth })), undefined);
    assert.equal(decodeBasicFour(pki.signCa.der), undefined, 'a directoryName SAN carries no basic four');
  });

  it('decodes strictly: exactly the six, in order, well-formed, else ERR_BASIC_FOUR_FORMAT', () => {
    const good = [...basicFourGeneralNames(BASIC_FOUR, NOW)];
    const swapped = [good[0]!, good[2]!, good[1]!, ...good.slice(3)];
    const extra = [...good, new GeneralName({ dNSName: 'example.jp' })];
    const replace = (i: number, value: string): GeneralName[] => good.map((n, j) => (j === i ? basicFourOtherName(BASIC_FOUR_OIDS[i]!, value) : n));
    const cases: [string, GeneralName[]][] = [
      ['five entries', good.slice(0, 5)],
      ['wrong order', swapped],
      ['an extra name', extra],
      ['sex 4', replace(2, '4')],
      ['birth date with the wrong era', replace(1, '319900102')],
      ['a map of the wrong length', replace(4, '0000')],
      ['a map with 2', replace(5, '000000000000002')],
      ['empty name', replace(0, '')],
    ];
    for (const [label, names] of cases) {
      assert.throws(() => basicFourFromGeneralNames(new GeneralNames(names)), (e) => hasCode(e, 'ERR_BASIC_FOUR_FORMAT'), label);
    }
    // a value that is not a UTF8String (a PrintableString 13 ...)
    const printable = good.map((n, j) =>
      j === 2 ? new GeneralName({ otherName: new OtherName({ typeId: BASIC_FOUR_OIDS[2]!, value: fromHex('130131').slice().buffer }) }) : n,
    );
    assert.throws(() => basicFourFromGeneralNames(new GeneralNames(printable)), (e) => hasCode(e, 'ERR_BASIC_FOUR_FORMAT'));
    assert.equal(basicFourFromGeneralNames(new GeneralNames([new GeneralName({ dNSName: 'example.jp' })])), undefined);
  });
});

describe('basic four validation', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['empty name', { name: '' }, 'ERR_BASIC_FOUR_NAME'],
    ['101-character name', { name: '山'.repeat(101) }, 'ERR_BASIC_FOUR_NAME'],
    ['lone surrogate in the name', { name: '山\uD800' }, 'ERR_BASIC_FOUR_NAME'],
    ['empty address', { address: '' }, 'ERR_BASIC_FOUR_ADDRESS'],
    ['201-character address', { address: '東'.repeat(201) }, 'ERR_BASIC_FOUR_ADDRESS'],
    ['30 February', { birthDate: '1990-02-30' }, 'ERR_BASIC_FOUR_BIRTH_DATE'],
    ['not a date', { birthDate: '19900102' }, 'ERR_BASIC_FOUR_BIRTH_DATE'],
    ['born tomorrow (JST)', { birthDate: '2026-03-16' }, 'ERR_BASIC_FOUR_BIRTH_DATE'],
    ['sex 0', { sex: 0 }, 'ERR_BASIC_FOUR_SEX'],
    ['sex 4', { sex: 4 }, 'ERR_BASIC_FOUR_SEX'],
    ['name map too short', { nameSubstituteMap: '0000' }, 'ERR_BASIC_FOUR_SUBSTITUTE_MAP'],
    ['name map with 2', { nameSubstituteMap: '00200' }, 'ERR_BASIC_FOUR_SUBSTITUTE_MAP'],
    ['address map too long', { addressSubstituteMap: '0'.repeat(16) }, 'ERR_BASIC_FOUR_SUBSTITUTE_MAP'],
  ];
  for (const [label, change, code] of cases) {
    it(`${label} → ${code}`, () => {
      assert.throws(() => validateBasicFour({ ...BASIC_FOUR, ...change } as unknown as BasicFour, NOW), (e) => hasCode(e, code));
    });
  }

  it('accepts the limits: 100 and 200 characters (counted as code points), born today in JST', () => {
    const name = '𠮷'.repeat(100); // outside the BMP: 200 UTF-16 units, 100 characters
    const v = validateBasicFour({ ...BASIC_FOUR, name, address: '東京都' + '一'.repeat(197), birthDate: '2026-03-15' }, NOW);
    assert.equal(v.nameSubstituteMap, '0'.repeat(100));
    assert.equal(v.addressSubstituteMap.length, 200);
  });
});
