import { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } from '@peculiar/asn1-x509';
import { toHex } from '../../bytes/index.js';
import { decodeDer, toDer } from './der.js';
import { CertificateError } from './errors.js';
import {
  OID_COMMON_NAME,
  OID_COUNTRY,
  OID_LOCALITY,
  OID_ORGANIZATION,
  OID_ORGANIZATIONAL_UNIT,
  OID_STATE,
} from './oids.js';

/** The attribute types JPKI names use. */
export type AttributeName = 'C' | 'ST' | 'L' | 'O' | 'OU' | 'CN';
/** One relative distinguished name holding one attribute, e.g. `['OU', 'JPKI for digital signature']`. */
export type Rdn = readonly [AttributeName, string];
/** A distinguished name as its ordered RDNs, most significant (C) first, as they are encoded. */
export type Dn = readonly Rdn[];

export const ATTRIBUTE_OIDS: Readonly<Record<AttributeName, string>> = {
  C: OID_COUNTRY,
  ST: OID_STATE,
  L: OID_LOCALITY,
  O: OID_ORGANIZATION,
  OU: OID_ORGANIZATIONAL_UNIT,
  CN: OID_COMMON_NAME,
};

const NAMES_BY_OID: ReadonlyMap<string, AttributeName> = new Map(
  (Object.entries(ATTRIBUTE_OIDS) as [AttributeName, string][]).map(([n, oid]) => [oid, n]),
);

/** How an attribute value is encoded; `other` covers every string type JPKI does not use. */
export type DirectoryStringType = 'printableString' | 'utf8String' | 'other';

/** One attribute of a decoded name, with its position and encoding kept for the lint. */
export interface NameAttribute {
  /** Index of the RDN holding the attribute. */
  readonly rdn: number;
  readonly type: string;
  readonly shortName: AttributeName | undefined;
  readonly value: string;
  readonly stringType: DirectoryStringType;
}

/**
 * RFC 5280 4.1.2.4: "countryName ... PrintableString"; DirectoryString otherwise, where conforming CAs
 * "MUST use either the PrintableString or UTF8String encoding". JPKI writes C as PrintableString and
 * every other attribute as UTF8String (jpki-ap.md 3.1), and so does this builder.
 *
 *     Name ::= CHOICE { rdnSequence RDNSequence }
 *     RDNSequence ::= SEQUENCE OF RelativeDistinguishedName
 *     RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue
 */
export function name(rdns: Dn): Name {
  if (rdns.length === 0) throw new CertificateError('ERR_CERT_NAME', 'a name needs at least one RDN');
  return new Name(
    rdns.map(([type, value]) => {
      const oid = ATTRIBUTE_OIDS[type];
      if (oid === undefined) throw new CertificateError('ERR_CERT_NAME', `unknown attribute type ${String(type)}`);
      if (typeof value !== 'string' || value.length === 0) {
        throw new CertificateError('ERR_CERT_NAME', `${type} has an empty value`);
      }
      let attributeValue: AttributeValue;
      if (type === 'C') {
        // X.520 / RFC 5280 A.1: countryName is two PrintableString letters (ISO 3166).
        if (!/^[A-Z]{2}$/.test(value)) throw new CertificateError('ERR_CERT_NAME', 'C must be two capital letters');
        attributeValue = new AttributeValue({ printableString: value });
      } else {
        attributeValue = new AttributeValue({ utf8String: value });
      }
      return new RelativeDistinguishedName([new AttributeTypeAndValue({ type: oid, value: attributeValue })]);
    }),
  );
}

/** DER of a name given as RDNs (or already built). */
export function encodeName(value: Dn | Name): Uint8Array {
  return toDer(value instanceof Name ? value : name(value));
}

/** A DER Name, strictly decoded (`ERR_CERT_DER` otherwise). */
export function decodeName(der: Uint8Array): Name {
  return decodeDer(der, Name, 'Name');
}

/** The attributes of a name in encoding order, with their string types. */
export function nameAttributes(value: Name): NameAttribute[] {
  const out: NameAttribute[] = [];
  value.forEach((rdn, index) => {
    for (const atv of rdn) {
      const v = atv.value;
      const stringType: DirectoryStringType =
        v.printableString !== undefined ? 'printableString' : v.utf8String !== undefined ? 'utf8String' : 'other';
      out.push({ rdn: index, type: atv.type, shortName: NAMES_BY_OID.get(atv.type), value: v.toString(), stringType });
    }
  });
  return out;
}

/** The RDNs of a name when every RDN holds one attribute of a known type; undefined otherwise. */
export function dnOf(value: Name): Dn | undefined {
  const attributes = nameAttributes(value);
  if (attributes.length !== value.length) return undefined;
  const out: Rdn[] = [];
  for (const a of attributes) {
    if (a.shortName === undefined) return undefined;
    out.push([a.shortName, a.value]);
  }
  return out;
}

/**
 * RFC 4514 2.1: "the output consists of the string encodings of each RelativeDistinguishedName in the
 * RDNSequence (according to Section 2.2), starting with the last element of the sequence and moving
 * backwards toward the first", separated by commas; 2.4 escapes `"+,;<>\`, a leading `#` or space,
 * a trailing space and NUL. Types without a short name are written as dotted OIDs with `#` and the
 * hex of the value's encoding (2.4), here only for values that are not a DirectoryString.
 */
export function nameToString(value: Name | Dn | Uint8Array): string {
  const n = value instanceof Name ? value : value instanceof Uint8Array ? decodeName(value) : name(value);
  const rdns: string[] = [];
  n.forEach((rdn) => {
    const parts = Array.from(rdn, (atv) => {
      const short = NAMES_BY_OID.get(atv.type);
      const v = atv.value;
      if (v.anyValue !== undefined) return `${atv.type}=#${toHex(new Uint8Array(v.anyValue))}`;
      return `${short ?? atv.type}=${escapeValue(v.toString())}`;
    });
    rdns.push(parts.join('+'));
  });
  return rdns.reverse().join(',');
}

function escapeValue(text: string): string {
  const chars = [...text];
  return chars
    .map((c, i) => {
      if (c === '\0') return '\\00';
      const edge = (i === 0 && (c === '#' || c === ' ')) || (i === chars.length - 1 && c === ' ');
      return edge || '"+,;<>\\'.includes(c) ? '\\' + c : c;
    })
    .join('');
}
