import type { Name } from '@peculiar/asn1-x509';
import type { Report } from './lint-context.js';
import { REAL_JLIS_ORGANIZATIONS, REAL_JLIS_SUBSTRINGS } from './naming.js';
import { nameAttributes, type AttributeName } from './names.js';

/**
 * Checks one distinguished name wherever it appears (subject, issuer, directoryName):
 * RFC 5280 4.1.2.4 string types as JPKI writes them (C PrintableString, the rest UTF8String) →
 * `DN_STRING_TYPE`; one attribute per RDN, non-empty values, C=JP → `DN_VALUE`; and nothing that
 * names the real J-LIS (jpki-ap.md 7: "never reuse the real CA names") → `REAL_JLIS_NAME`.
 */
export function lintDn(name: Name, where: string, add: Report): void {
  const attributes = nameAttributes(name);
  if (attributes.length === 0) add('DN_VALUE', `${where} is empty`);
  if (attributes.length !== name.length) add('DN_VALUE', `${where} has a multi-valued RDN`);
  for (const a of attributes) {
    const label = `${where} ${a.shortName ?? a.type}`;
    const wanted = a.shortName === 'C' ? 'printableString' : 'utf8String';
    if (a.stringType !== wanted) add('DN_STRING_TYPE', `${label} must be a ${wanted}`);
    if (a.value.length === 0) add('DN_VALUE', `${label} is empty`);
    if (a.shortName === 'C' && a.value !== 'JP') add('DN_VALUE', `${label} is not JP`);
    if (
      REAL_JLIS_SUBSTRINGS.some((s) => a.value.includes(s)) ||
      (a.shortName === 'O' && REAL_JLIS_ORGANIZATIONS.includes(a.value))
    ) {
      add('REAL_JLIS_NAME', `${label} reuses the real J-LIS name "${a.value}"`);
    }
  }
}

/** The attribute types of a name, one per RDN, in order (undefined for an unknown type). */
export function nameShape(name: Name): (AttributeName | undefined)[] {
  return nameAttributes(name).map((a) => a.shortName);
}

/** True when a name is one attribute per RDN with exactly the types of `shape`, in order. */
export function hasShape(name: Name, shape: readonly AttributeName[]): boolean {
  const actual = nameShape(name);
  return name.length === actual.length && actual.length === shape.length && actual.every((t, i) => t === shape[i]);
}
