import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex } from '../../../src/bytes/index.js';
import { hasCode } from '../../../src/errors/index.js';
import {
  DEFAULT_CA_NAMING,
  POLICY_CARD_AUTH,
  POLICY_CARD_SIGN,
  POLICY_CARD_SIGN_TEST,
  PROJECT_ARC,
  certificatePolicyOids,
  classifyPolicy,
  decodeName,
  decodeOid,
  dnOf,
  encodeName,
  endEntitySubject,
  nameAttributes,
  nameToString,
  parseCertificate,
  policyOid,
  splitPrefectureMunicipality,
  type Dn,
  type PolicyKind,
} from '../../../src/pki/x509/index.js';
import { fromPem, JLIS_SIGN_CA_2023 } from './helpers.js';

describe('policy OIDs', () => {
  const table: [PolicyKind, string, string][] = [
    ['card-sign', '1.2.392.200149.8.5.1.1.20', '1.2.392.200149.8.5.1.0.20'],
    ['card-auth', '1.2.392.200149.8.5.1.3.30', `${PROJECT_ARC}.0.1.30`],
    ['phone-sign', `${PROJECT_ARC}.1.2.20`, `${PROJECT_ARC}.0.2.20`],
    ['phone-auth', `${PROJECT_ARC}.1.2.30`, `${PROJECT_ARC}.0.2.30`],
  ];
  for (const [kind, production, test] of table) {
    it(`${kind}: ${production} / ${test}`, () => {
      assert.equal(policyOid(kind, 'production'), production);
      assert.equal(policyOid(kind, 'test'), test);
      assert.deepEqual(classifyPolicy(production), { kind, mode: 'production' });
      assert.deepEqual(classifyPolicy(test), { kind, mode: 'test' });
    });
  }

  it('J-LIS values are the ones of jpki-ap.md 3.2, PROJECT_ARC is the X.667 UUID arc', () => {
    assert.equal(POLICY_CARD_SIGN, '1.2.392.200149.8.5.1.1.20');
    assert.equal(POLICY_CARD_SIGN_TEST, '1.2.392.200149.8.5.1.0.20');
    assert.equal(POLICY_CARD_AUTH, '1.2.392.200149.8.5.1.3.30');
    assert.equal(PROJECT_ARC, '2.25.70623146399503318900969062166041881797');
    assert.equal(classifyPolicy('1.2.392.200149.8.5.1.1.40'), undefined);
    assert.equal(classifyPolicy(PROJECT_ARC), undefined);
  });

  it('decodes OIDs with arcs beyond 2^53 (X.690 8.19), which the ASN.1 library cannot', () => {
    // DER content of 2.25.70623146399503318900969062166041881797.1.2.20, as openssl asn1parse -genstr writes it
    const content = Uint8Array.from(Buffer.from('69eaa1c2fce5c1dab9cfb598ceade58c89d945010214', 'hex'));
    assert.equal(decodeOid(content), `${PROJECT_ARC}.1.2.20`);
    assert.equal(decodeOid(Uint8Array.of(0x2a, 0x83, 0x08, 0x8c, 0x9b, 0x55, 0x08, 0x05, 0x01, 0x01, 0x14)), '1.2.392.200149.8.5.1.1.20');
    for (const bad of [[], [0x2a, 0x83], [0x2a, 0x80, 0x01]]) {
      assert.throws(() => decodeOid(Uint8Array.from(bad)), (e) => hasCode(e, 'ERR_CERT_DER'));
    }
    assert.deepEqual(certificatePolicyOids(fromPem(JLIS_SIGN_CA_2023)), []);
  });
});

describe('names', () => {
  it('writes C as PrintableString and the rest as UTF8String, one attribute per RDN, in order', () => {
    const der = encodeName([['C', 'JP'], ['O', '公的']]);
    assert.equal(toHex(der), '301E310B3009060355040613024A50310F300D060355040A0C06E585ACE79A84');
    const attrs = nameAttributes(decodeName(der));
    assert.deepEqual(
      attrs.map((a) => [a.shortName, a.value, a.stringType]),
      [
        ['C', 'JP', 'printableString'],
        ['O', '公的', 'utf8String'],
      ],
    );
  });

  it('round-trips the default CA names and the end-entity subjects', () => {
    const dns: Dn[] = [
      DEFAULT_CA_NAMING.sign.subject,
      DEFAULT_CA_NAMING.auth.subjectAltName,
      endEntitySubject('sign', '8439ABCDEF0123456789', '東京都千代田区永田町1-7-1'),
      endEntitySubject('auth', '8439ABCDEF0123456789'),
    ];
    for (const dn of dns) assert.deepEqual(dnOf(decodeName(encodeName(dn))), dn);
    assert.deepEqual(endEntitySubject('auth', 'X'), [['C', 'JP'], ['CN', 'X']]);
  });

  it('prints RFC 4514 strings: last RDN first, special characters escaped', () => {
    assert.equal(
      nameToString(DEFAULT_CA_NAMING.sign.subject),
      'OU=jpki-mobile emulation - not J-LIS,OU=JPKI for digital signature,O=JPKI-MOBILE,C=JP',
    );
    assert.equal(nameToString([['C', 'JP'], ['CN', ' a,b+c;"d"<e>\\ ']]), 'CN=\\ a\\,b\\+c\\;\\"d\\"\\<e\\>\\\\\\ ,C=JP');
    assert.equal(nameToString([['CN', '#1']]), 'CN=\\#1');
    assert.equal(
      parseCertificate(fromPem(JLIS_SIGN_CA_2023)).subjectString,
      'OU=Japan Agency for Local Authority Information Systems,OU=JPKI for digital signature,O=JPKI,C=JP',
    );
  });

  it('refuses empty names and values, and a C that is not two capital letters', () => {
    for (const dn of [[], [['O', '']], [['C', 'jp']], [['C', 'JPN']], [['XX', 'a']]] as unknown as Dn[]) {
      assert.throws(() => encodeName(dn), (e) => hasCode(e, 'ERR_CERT_NAME'), JSON.stringify(dn));
    }
    assert.throws(() => endEntitySubject('auth', ''), (e) => hasCode(e, 'ERR_CERT_NAME'));
    assert.throws(() => endEntitySubject('sign', 'X'), (e) => hasCode(e, 'ERR_CERT_PARAMS'));
  });

  it('decodes strictly (ERR_CERT_DER on trailing bytes or a non-minimal length)', () => {
    const der = encodeName([['C', 'JP']]);
    assert.throws(() => decodeName(Uint8Array.from([...der, 0])), (e) => hasCode(e, 'ERR_CERT_DER'));
    const longForm = Uint8Array.from([0x30, 0x81, der.length - 2, ...der.subarray(2)]);
    assert.throws(() => decodeName(longForm), (e) => hasCode(e, 'ERR_CERT_DER'));
  });
});

describe('prefecture and municipality of an address', () => {
  const table: [string, string, string, string][] = [
    ['東京都千代田区永田町1-7-1', '東京都', '千代田区', '永田町1-7-1'],
    ['東京都新宿区市谷本村町5-1', '東京都', '新宿区', '市谷本村町5-1'],
    ['京都府京都市中京区寺町通御池上る上本能寺前町488', '京都府', '京都市中京区', '寺町通御池上る上本能寺前町488'],
    ['神奈川県横浜市中区日本大通1', '神奈川県', '横浜市中区', '日本大通1'],
    ['千葉県市川市八幡1-1-1', '千葉県', '市川市', '八幡1-1-1'],
    ['東京都東村山市本町1-2-3', '東京都', '東村山市', '本町1-2-3'],
    ['三重県四日市市諏訪町1-5', '三重県', '四日市市', '諏訪町1-5'],
    ['長野県大町市大町3887', '長野県', '大町市', '大町3887'],
    ['長野県北佐久郡軽井沢町大字軽井沢1323', '長野県', '北佐久郡軽井沢町', '大字軽井沢1323'],
    ['佐賀県杵島郡大町町大字大町5017', '佐賀県', '杵島郡大町町', '大字大町5017'],
    ['東京都大島町元町1-1-14', '東京都', '大島町', '元町1-1-14'],
    ['北海道札幌市中央区北1条西2丁目', '北海道', '札幌市中央区', '北1条西2丁目'],
    ['大阪府堺市堺区南瓦町3-1', '大阪府', '堺市堺区', '南瓦町3-1'],
  ];
  for (const [address, prefecture, municipality, rest] of table) {
    it(address, () => assert.deepEqual(splitPrefectureMunicipality(address), { prefecture, municipality, rest }));
  }

  it('refuses an address without a prefecture or a municipality (ERR_CERT_ADDRESS)', () => {
    for (const address of ['千代田区永田町1-7-1', '東京', 'Tokyo', '東京都', '東京都1-2-3']) {
      assert.throws(() => splitPrefectureMunicipality(address), (e) => hasCode(e, 'ERR_CERT_ADDRESS'), address);
    }
  });
});
