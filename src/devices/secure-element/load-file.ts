import { createHash } from 'node:crypto';
import { bytesEqual, toHex } from '../../bytes/index.js';
import { decodeTlv, decodeTlvList, encodeTlv, tlv, TlvError, type Tlv } from '../../tlv/index.js';
import type { AppletPackage } from './contract.js';
import { SecureElementError } from './errors.js';

/*
 * The load file format of the element. GP Card Spec 11.6.2.3 (Table 11-58) fixes the Load File:
 * optional DAP blocks 'E2', then the Load File Data Block in 'C4' (or ciphered in 'D4'). What the Load
 * File Data Block holds is the runtime environment's business (a Java Card CAP file, a MULTOS ALU;
 * GP Card Spec 9.3.1). Here the applications are code of the project, named by the element's
 * catalogue, so the data block is a *package image* that names the package and proves which one:
 *
 *   FE L                package image ('FE': proprietary use, GP Card Spec 11.1.11)
 *      80 01 01         image format 1
 *      4F L  AID        Executable Load File AID, 5..16 bytes
 *      81 L  name       package name, UTF-8, 1..64 bytes
 *      CE 02 MJ MN      version, major and minor (GP Card Spec Table 11-37 tag)
 *      A2 L             one per Executable Module, in order:
 *         4F L AID      module AID, 5..16 bytes
 *         81 L name     module name, UTF-8, 1..64 bytes
 *      82 20 hash       SHA-256 of the package's canonical description
 *
 * The canonical description is the UTF-8 JSON text
 *   {"format":"jpki-mobile/se-package/v1","aid":"<HEX>","name":"…","version":[MJ,MN],
 *    "modules":[{"aid":"<HEX>","name":"…"},…]}
 * with keys in that order, AIDs in uppercase hex, no spaces. LOAD accepts a data block only when it
 * is byte for byte the image of a catalogue package (so the hash names the package the element will
 * run), and INSTALL [for load] may carry SHA-256 of the data block (GP Card Spec C.2), checked at the
 * last LOAD.
 */

export const PACKAGE_IMAGE_FORMAT = 1;
export const PACKAGE_DESCRIPTION_FORMAT = 'jpki-mobile/se-package/v1';
const MAX_NAME = 64;

/** What a package image says. */
export interface PackageImage {
  readonly aid: Uint8Array;
  readonly name: string;
  readonly version: readonly [number, number];
  readonly modules: readonly { readonly aid: Uint8Array; readonly name: string }[];
  /** SHA-256 of the canonical description. */
  readonly descriptionHash: Uint8Array;
}

function bad(message: string, cause?: unknown): SecureElementError {
  return new SecureElementError('ERR_SE_LOAD_FILE', message, cause === undefined ? undefined : { cause });
}

function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function checkAid(aid: Uint8Array, what: string): void {
  if (aid.length < 5 || aid.length > 16) throw bad(`${what} AID is ${aid.length} bytes, not 5..16`);
}

function checkName(name: string, what: string): Uint8Array {
  const bytes = utf8.encode(name);
  if (bytes.length < 1 || bytes.length > MAX_NAME) throw bad(`${what} name is ${bytes.length} bytes of UTF-8, not 1..${MAX_NAME}`);
  return bytes;
}

/** The canonical description of a package (see above), as bytes. */
export function packageDescription(pkg: AppletPackage): Uint8Array {
  const text = JSON.stringify({
    format: PACKAGE_DESCRIPTION_FORMAT,
    aid: toHex(pkg.aid),
    name: pkg.name,
    version: [pkg.version[0], pkg.version[1]],
    modules: pkg.modules.map((m) => ({ aid: toHex(m.aid), name: m.name })),
  });
  return utf8.encode(text);
}

/** The Load File Data Block of a package: its package image. */
export function loadFileDataBlock(pkg: AppletPackage): Uint8Array {
  checkAid(pkg.aid, 'package');
  const [major, minor] = pkg.version;
  if (![major, minor].every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) throw bad('package version numbers are bytes');
  if (pkg.modules.length === 0) throw bad('a package has at least one module');
  const modules = pkg.modules.map((m) => {
    checkAid(m.aid, 'module');
    return tlv(0xa2, [tlv(0x4f, m.aid), tlv(0x81, checkName(m.name, 'module'))]);
  });
  return encodeTlv(
    tlv(0xfe, [
      tlv(0x80, Uint8Array.of(PACKAGE_IMAGE_FORMAT)),
      tlv(0x4f, pkg.aid),
      tlv(0x81, checkName(pkg.name, 'package')),
      tlv(0xce, Uint8Array.of(major, minor)),
      ...modules,
      tlv(0x82, sha256(packageDescription(pkg))),
    ]),
  );
}

/** SHA-256 of the Load File Data Block: the hash INSTALL [for load] carries (GP Card Spec C.2). */
export function loadFileDataBlockHash(pkg: AppletPackage): Uint8Array {
  return sha256(loadFileDataBlock(pkg));
}

/** The whole Load File for LOAD: `C4 <Load File Data Block>` (no DAP block). */
export function buildLoadFile(pkg: AppletPackage): Uint8Array {
  return encodeTlv(tlv(0xc4, loadFileDataBlock(pkg)));
}

/** SHA-256 of bytes (the element checks a loaded data block against the INSTALL [for load] hash). */
export function dataBlockHash(dataBlock: Uint8Array): Uint8Array {
  return sha256(dataBlock);
}

/** Whether `dataBlock` is exactly the package image of `pkg`. */
export function isImageOf(dataBlock: Uint8Array, pkg: AppletPackage): boolean {
  return bytesEqual(dataBlock, loadFileDataBlock(pkg));
}

function only(children: readonly Tlv[], tag: number, what: string): Uint8Array {
  const found = children.filter((c) => c.tag === tag);
  if (found.length !== 1) throw bad(`the package image has ${found.length} ${what} field(s), not one`);
  return found[0]!.value;
}

function nameOf(bytes: Uint8Array, what: string): string {
  if (bytes.length < 1 || bytes.length > MAX_NAME) throw bad(`${what} name is not 1..${MAX_NAME} bytes`);
  try {
    return strictUtf8.decode(bytes);
  } catch (err) {
    throw bad(`${what} name is not UTF-8`, err);
  }
}

/** Reads a package image (the Load File Data Block); `ERR_SE_LOAD_FILE` for anything else. */
export function parsePackageImage(dataBlock: Uint8Array): PackageImage {
  let root: Tlv;
  try {
    root = decodeTlv(dataBlock, { maxDepth: 3 });
  } catch (err) {
    if (err instanceof TlvError) throw bad(`the Load File Data Block is not BER-TLV (${err.code})`, err);
    throw err;
  }
  if (root.tag !== 0xfe || !root.constructed) throw bad('the Load File Data Block is not a package image (FE)');
  const c = root.children;
  const format = only(c, 0x80, 'format');
  if (format.length !== 1 || format[0] !== PACKAGE_IMAGE_FORMAT) throw bad('unknown package image format');
  const aid = only(c, 0x4f, 'AID');
  checkAid(aid, 'package');
  const version = only(c, 0xce, 'version');
  if (version.length !== 2) throw bad('the version is 2 bytes');
  const hash = only(c, 0x82, 'hash');
  if (hash.length !== 32) throw bad('the description hash is 32 bytes (SHA-256)');
  const modules = c
    .filter((m) => m.tag === 0xa2)
    .map((m) => {
      if (!m.constructed) throw bad('a module is a constructed A2');
      const mAid = only(m.children, 0x4f, 'module AID');
      checkAid(mAid, 'module');
      return { aid: new Uint8Array(mAid), name: nameOf(only(m.children, 0x81, 'module name'), 'module') };
    });
  if (modules.length === 0) throw bad('the package image names no module');
  const known = new Set([0x80, 0x4f, 0x81, 0xce, 0xa2, 0x82]);
  if (c.some((x) => !known.has(x.tag))) throw bad('the package image has an unknown field');
  return {
    aid: new Uint8Array(aid),
    name: nameOf(only(c, 0x81, 'name'), 'package'),
    version: [version[0]!, version[1]!],
    modules,
    descriptionHash: new Uint8Array(hash),
  };
}

/**
 * Splits a complete Load File (GP Card Spec Table 11-58) into its parts. DAP blocks ('E2') are
 * reported so the element can refuse them (DAP verification is not implemented); a ciphered block
 * ('D3'/'D4') is refused here.
 */
export function parseLoadFile(loadFile: Uint8Array): { readonly dapBlocks: number; readonly dataBlock: Uint8Array } {
  let items: Tlv[];
  try {
    items = decodeTlvList(loadFile, { maxDepth: 2 });
  } catch (err) {
    if (err instanceof TlvError) throw bad(`the load file is not BER-TLV (${err.code})`, err);
    throw err;
  }
  let dapBlocks = 0;
  let dataBlock: Uint8Array | undefined;
  for (const item of items) {
    if (item.tag === 0xe2 && dataBlock === undefined) dapBlocks++;
    else if (item.tag === 0xc4 && dataBlock === undefined) dataBlock = new Uint8Array(item.value);
    else if (item.tag === 0xd3 || item.tag === 0xd4) throw bad('ciphered Load File Data Blocks are not supported');
    else throw bad(`unexpected ${item.tag.toString(16).toUpperCase()} in the load file`);
  }
  if (dataBlock === undefined || dataBlock.length === 0) throw bad('the load file has no Load File Data Block (C4)');
  return { dapBlocks, dataBlock };
}

/** For a tool: the LOAD command data blocks of a load file, `size` bytes each (GP Card Spec 11.6). */
export function loadBlocks(loadFile: Uint8Array, size = 0xef): Uint8Array[] {
  if (!Number.isInteger(size) || size < 1 || size > 0xff) throw bad('a LOAD block is 1..255 bytes');
  const blocks: Uint8Array[] = [];
  for (let at = 0; at < loadFile.length; at += size) blocks.push(loadFile.slice(at, at + size));
  if (blocks.length > 256) throw bad('more than 256 LOAD blocks');
  return blocks;
}

/** Hex of SHA-256, for the registry. */
export function hashHex(bytes: Uint8Array): string {
  return toHex(sha256(bytes));
}
