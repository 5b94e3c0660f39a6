import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

/**
 * The architecture as ranks: a module may import from a folder of lower rank, or from its own
 * top-level folder, and from nothing else. Codecs and crypto sit at the bottom and never see devices,
 * services, the store or the apps. A new top-level folder under src/ must be given a rank here.
 */
export const LAYER_RANKS: Readonly<Record<string, number>> = {
  errors: 0,
  bytes: 1,
  tlv: 2,
  apdu: 2,
  crypto: 3,
  pki: 4,
  card: 5,
  devices: 6,
  transports: 6,
  store: 6,
  services: 7,
  sdk: 7,
  app: 8,
  'relying-parties': 8,
  web: 9,
  cli: 10,
  'index.ts': 11,
};

/**
 * Folders whose code does no I/O (style rule 1), with the only packages they may import: node:crypto
 * and node:buffer everywhere, and the ASN.1 schema libraries in pki/.
 */
const PURE_BUILTINS = ['node:crypto', 'node:buffer'];
const ASN1_PACKAGES = ['@peculiar/asn1-schema', '@peculiar/asn1-x509', '@peculiar/asn1-ocsp', '@peculiar/asn1-rsa', '@peculiar/asn1-cms', '@peculiar/asn1-csr'];
export const PURE_LAYERS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['errors', new Set(PURE_BUILTINS)],
  ['bytes', new Set(PURE_BUILTINS)],
  ['tlv', new Set(PURE_BUILTINS)],
  ['apdu', new Set(PURE_BUILTINS)],
  ['crypto', new Set(PURE_BUILTINS)],
  ['pki', new Set([...PURE_BUILTINS, ...ASN1_PACKAGES])],
]);

export interface Violation {
  file: string;
  specifier: string;
  reason: string;
}

const IMPORT_RE = /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;(=])import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

/** Every module specifier a TypeScript source imports or re-exports. */
export function importSpecifiers(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(IMPORT_RE)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

function topFolder(srcRoot: string, file: string): string {
  const rel = relative(srcRoot, file);
  return rel.split(sep)[0]!;
}

/** Checks one file's imports; `srcRoot` is the absolute path of src/. */
export function checkFile(srcRoot: string, file: string, source: string): Violation[] {
  const violations: Violation[] = [];
  const from = topFolder(srcRoot, file);
  const fromRank = LAYER_RANKS[from];
  if (fromRank === undefined) {
    return [{ file, specifier: '', reason: `src/${from} has no rank in LAYER_RANKS (test/helpers/layers.ts)` }];
  }
  for (const specifier of importSpecifiers(source)) {
    if (specifier.startsWith('.')) {
      const target = resolve(file, '..', specifier);
      if (!target.startsWith(srcRoot + sep)) {
        violations.push({ file, specifier, reason: 'imports from outside src/' });
        continue;
      }
      const to = topFolder(srcRoot, target);
      const toRank = LAYER_RANKS[to];
      if (toRank === undefined) violations.push({ file, specifier, reason: `src/${to} has no rank` });
      else if (to !== from && toRank >= fromRank) {
        violations.push({ file, specifier, reason: `${from} (rank ${fromRank}) may not import ${to} (rank ${toRank})` });
      }
    } else {
      const allowed = PURE_LAYERS.get(from);
      if (allowed && !allowed.has(specifier)) {
        violations.push({ file, specifier, reason: `${from} is I/O-free: only ${[...allowed].join(', ')} allowed` });
      }
    }
  }
  return violations;
}

export function listTypeScript(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listTypeScript(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

export function checkTree(srcRoot: string): Violation[] {
  return listTypeScript(srcRoot).flatMap((f) => checkFile(srcRoot, f, readFileSync(f, 'utf8')));
}
