import { CertificateError } from './errors.js';

/** The 47 prefectures (都道府県); listed because a suffix rule alone misreads 京都府 as 京都. */
export const PREFECTURES: readonly string[] = [
  '北海道', '青森県', '岩手県', '宮城県', '秋田県', '山形県', '福島県', '茨城県', '栃木県', '群馬県',
  '埼玉県', '千葉県', '東京都', '神奈川県', '新潟県', '富山県', '石川県', '福井県', '山梨県', '長野県',
  '岐阜県', '静岡県', '愛知県', '三重県', '滋賀県', '京都府', '大阪府', '兵庫県', '奈良県', '和歌山県',
  '鳥取県', '島根県', '岡山県', '広島県', '山口県', '徳島県', '香川県', '愛媛県', '高知県', '福岡県',
  '佐賀県', '長崎県', '熊本県', '大分県', '宮崎県', '鹿児島県', '沖縄県',
];

/** The 20 designated cities (政令指定都市), whose addresses continue with a ward (区). */
const DESIGNATED_CITIES: readonly string[] = [
  '札幌市', '仙台市', 'さいたま市', '千葉市', '横浜市', '川崎市', '相模原市', '新潟市', '静岡市', '浜松市',
  '名古屋市', '京都市', '大阪市', '堺市', '神戸市', '岡山市', '広島市', '北九州市', '福岡市', '熊本市',
];

export interface PrefectureMunicipality {
  /** e.g. `東京都`. */
  readonly prefecture: string;
  /** e.g. `千代田区`, `横浜市中区`, `北佐久郡軽井沢町`. */
  readonly municipality: string;
  /** What follows, e.g. `永田町1-7-1`. */
  readonly rest: string;
}

function firstAfter(text: string, chars: string): number {
  for (let i = 1; i < text.length; i++) if (chars.includes(text[i]!)) return i;
  return -1;
}

/**
 * Splits an address written from the prefecture (jpki-ap.md 3.2, OID …5.5.5) into the prefecture and
 * the municipality (市区町村) that the signature certificate's subject carries as two L attributes.
 *
 * Rules, in order: a designated city with its ward (`横浜市中区`); a district and its town or village
 * (`北佐久郡軽井沢町`); otherwise the municipality ends at the first 区 or 市 after its first character
 * (so `新宿区市谷…` is `新宿区`, `市川市` is `市川市`, `東村山市` is `東村山市`), except for the few names that
 * end in their own suffix (`四日市市`, `大町町`); only when there is neither, at the first 町 or 村 (`大島町`).
 * `ERR_CERT_ADDRESS` for an address that does not start with a prefecture or has no municipality.
 */
export function splitPrefectureMunicipality(address: string): PrefectureMunicipality {
  const prefecture = PREFECTURES.find((p) => address.startsWith(p));
  if (prefecture === undefined) throw new CertificateError('ERR_CERT_ADDRESS', 'the address does not start with a prefecture');
  const tail = address.slice(prefecture.length);
  const municipality = municipalityOf(tail);
  if (municipality === undefined) throw new CertificateError('ERR_CERT_ADDRESS', 'no municipality after the prefecture');
  return { prefecture, municipality, rest: tail.slice(municipality.length) };
}

function municipalityOf(tail: string): string | undefined {
  const city = DESIGNATED_CITIES.find((c) => tail.startsWith(c));
  if (city !== undefined) {
    const ward = /^[^区\d０-９]{1,5}?区/.exec(tail.slice(city.length));
    return city + (ward?.[0] ?? '');
  }
  const district = /^[^郡市区町村\d０-９]{1,5}郡/.exec(tail);
  if (district !== null) {
    const after = tail.slice(district[0].length);
    const end = firstAfter(after, '町村');
    return end < 0 ? undefined : district[0] + upTo(after, end);
  }
  const wardOrCity = firstAfter(tail, '区市');
  if (wardOrCity > 0) return upTo(tail, wardOrCity);
  const town = firstAfter(tail, '町村');
  return town > 0 ? upTo(tail, town) : undefined;
}

/** Municipalities whose name already ends in their suffix character. */
const DOUBLED: readonly string[] = ['四日市市', '廿日市市', '野々市市', '大町町'];

function upTo(text: string, end: number): string {
  return DOUBLED.find((d) => text.startsWith(d)) ?? text.slice(0, end + 1);
}
