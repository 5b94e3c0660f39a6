import { createPublicKey } from 'node:crypto';
import type { CommandApdu } from '../../../apdu/index.js';
import { fromHex, toHex } from '../../../bytes/index.js';
import { decodeTlvList, encodeTlv, tlv, type Tlv } from '../../../tlv/index.js';
import { isLongFormCertificate } from './certificate-file.js';
import { CERTIFICATE_FIDS, EF, KEY_FIDS, PIN_FIDS, PIN_RULES, type CertificateFid, type KeyFid, type PinFid } from './constants.js';
import { JpkiAppletError } from './errors.js';
import {
  DEFAULT_BLOCK_LENGTH,
  INNER,
  INS_STORE_DATA,
  MAX_BLOCKS,
  MAX_CERTIFICATE_LENGTH,
  MAX_GENERATIONS_PER_BLOCK,
  MAX_OBJECTS_PER_BLOCK,
  P1_CASE_4,
  P1_LAST_BLOCK,
  P1_STRUCTURE_BER_TLV,
  STATUS,
  TAG,
} from './management-format.js';

/*
 * The host side of the JPKI applet's management interface, for the SP-TSM: pure functions that build
 * the management data objects, split them into STORE DATA blocks, and read the answers. The SP-TSM
 * sends the blocks through the applet's security domain — SELECT the domain, open SCP03, INSTALL [for
 * personalization] naming the applet, then the STORE DATA commands, each wrapped by the channel.
 */

function params(message: string): JpkiAppletError {
  return new JpkiAppletError('ERR_JPKI_MANAGEMENT_PARAMS', message);
}

function fidBytes<F extends string>(fid: F, allowed: readonly F[], what: string): Uint8Array {
  if (!allowed.includes(fid)) throw params(`${String(fid)} is not ${what} (${allowed.join(', ')})`);
  return fromHex(fid);
}

/** GENERATE KEY PAIR for key EF 0017 (user authentication) or 001A (signature): `E1 { 83 02 <FID> }`. */
export function generateKeyPairCommand(key: KeyFid): Uint8Array {
  return encodeTlv(tlv(TAG.GENERATE_KEY_PAIR, [tlv(INNER.FID, fidBytes(key, KEY_FIDS, 'a key EF'))]));
}

/** GET PUBLIC KEY of key EF 0017 or 001A: `E6 { 83 02 <FID> }`. */
export function getPublicKeyCommand(key: KeyFid): Uint8Array {
  return encodeTlv(tlv(TAG.GET_PUBLIC_KEY, [tlv(INNER.FID, fidBytes(key, KEY_FIDS, 'a key EF'))]));
}

/**
 * PUT CERTIFICATE into EF 0001, 0002, 000A or 000B: `E2 { 83 02 <FID>, 80 <DER> }`. The certificate must
 * be `30 82 LL LL` DER of 256..8192 bytes; an end-entity certificate must certify the key in its EF.
 */
export function putCertificateCommand(fid: CertificateFid, der: Uint8Array): Uint8Array {
  const f = fidBytes(fid, CERTIFICATE_FIDS, 'a certificate EF');
  if (!(der instanceof Uint8Array) || der.length > MAX_CERTIFICATE_LENGTH || !isLongFormCertificate(der)) {
    throw params(`a certificate is 30 82 LL LL DER of 256..${MAX_CERTIFICATE_LENGTH} bytes`);
  }
  return encodeTlv(tlv(TAG.PUT_CERTIFICATE, [tlv(INNER.FID, f), tlv(INNER.CONTENT, der)]));
}

/**
 * SET REFERENCE DATA of PIN EF 0018 (4 digits) or 001B (6-16 of A-Z 0-9): `E3 { 83 02 <FID>, 80 <ASCII> }`.
 * Sets the value and puts the counter back to its maximum (the initial value, or a reset).
 */
export function setReferenceDataCommand(fid: PinFid, value: string): Uint8Array {
  const f = fidBytes(fid, PIN_FIDS, 'a PIN EF');
  if (typeof value !== 'string' || !PIN_RULES[fid].pattern.test(value)) throw params(`the value is not a ${PIN_RULES[fid].what}`);
  return encodeTlv(tlv(TAG.SET_REFERENCE_DATA, [tlv(INNER.FID, f), tlv(INNER.CONTENT, new TextEncoder().encode(value))]));
}

/** REVOKE the end-entity certificate in EF 0001 or 000A (its key is destroyed): `E4 { 83 02 <FID> }`. */
export function revokeCommand(certificate: typeof EF.SIGN_CERT | typeof EF.AUTH_CERT): Uint8Array {
  return encodeTlv(tlv(TAG.REVOKE, [tlv(INNER.FID, fidBytes(certificate, [EF.SIGN_CERT, EF.AUTH_CERT], 'an end-entity certificate EF'))]));
}

/** WIPE: keys, certificates, PINs and serial gone: `E5 00`. */
export function wipeCommand(): Uint8Array {
  return encodeTlv(tlv(TAG.WIPE, []));
}

/** GET STATE: `E7 00`. */
export function getStateCommand(): Uint8Array {
  return encodeTlv(tlv(TAG.GET_STATE, []));
}

/** One STORE DATA block: P1 (`10`, or `90` for the last), P2 the block number, the data field. */
export interface StoreDataBlock {
  readonly p1: number;
  readonly p2: number;
  readonly data: Uint8Array;
  /** The block completes a command that answers with data (GENERATE KEY PAIR, GET PUBLIC KEY, GET STATE). */
  readonly expectsResponse: boolean;
}

const RESPONDING: ReadonlySet<number> = new Set([TAG.GENERATE_KEY_PAIR, TAG.GET_PUBLIC_KEY, TAG.GET_STATE]);

/**
 * Splits management commands into one STORE DATA sequence: their bytes concatenated, cut into blocks
 * of `blockLength` bytes (default 239, which fits a short APDU at any SCP03 level), numbered from 00,
 * the last marked in P1 b8. P1 b1 is set on the blocks that complete a command answering with data.
 * A block may complete at most 16 commands, 2 of them key generations (the applet refuses more).
 */
export function storeDataBlocks(commands: readonly Uint8Array[], options: { readonly blockLength?: number } = {}): StoreDataBlock[] {
  const blockLength = options.blockLength ?? DEFAULT_BLOCK_LENGTH;
  if (!Number.isInteger(blockLength) || blockLength < 1 || blockLength > 65535) throw params('blockLength is 1..65535');
  if (commands.length === 0) throw params('a STORE DATA sequence carries at least one command');
  const ends: { end: number; responds: boolean; generates: boolean }[] = [];
  let total = 0;
  for (const c of commands) {
    if (!(c instanceof Uint8Array) || c.length < 2) throw params('a management command is the bytes of one data object');
    total += c.length;
    ends.push({ end: total, responds: RESPONDING.has(c[0]!), generates: c[0] === TAG.GENERATE_KEY_PAIR });
  }
  const count = Math.ceil(total / blockLength);
  if (count > MAX_BLOCKS) throw params(`${count} blocks: a sequence has at most ${MAX_BLOCKS} (block numbers 00..FF)`);
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of commands) {
    all.set(c, at);
    at += c.length;
  }
  const blocks: StoreDataBlock[] = [];
  for (let i = 0; i < count; i++) {
    const start = i * blockLength;
    const end = Math.min(total, start + blockLength);
    const completed = ends.filter((e) => e.end > start && e.end <= end);
    if (completed.length > MAX_OBJECTS_PER_BLOCK || completed.filter((e) => e.generates).length > MAX_GENERATIONS_PER_BLOCK) {
      throw params(`block ${i} would complete more than ${MAX_OBJECTS_PER_BLOCK} commands or ${MAX_GENERATIONS_PER_BLOCK} key generations; use a smaller block length`);
    }
    const expectsResponse = completed.some((e) => e.responds);
    const p1 = P1_STRUCTURE_BER_TLV | (i === count - 1 ? P1_LAST_BLOCK : 0) | (expectsResponse ? P1_CASE_4 : 0);
    blocks.push({ p1, p2: i, data: all.slice(start, end), expectsResponse });
  }
  return blocks;
}

/**
 * The STORE DATA command of a block, before the secure channel wraps it: `80 E2 P1 P2 Lc data`, with
 * an extended Le (65536) on a block that expects response data — a public key (306 bytes) with its
 * response MAC does not fit a short response.
 */
export function storeDataCommand(block: StoreDataBlock): CommandApdu {
  return block.expectsResponse
    ? { cla: 0x80, ins: INS_STORE_DATA, p1: block.p1, p2: block.p2, data: block.data, ne: 65536, extended: true }
    : { cla: 0x80, ins: INS_STORE_DATA, p1: block.p1, p2: block.p2, data: block.data };
}

/** A public key the applet generated or holds, as SubjectPublicKeyInfo DER (RSA-2048, e = 65537). */
export interface PublicKeyResult {
  readonly kind: 'generated' | 'public-key';
  readonly key: KeyFid;
  readonly subjectPublicKeyInfo: Uint8Array;
}

export type KeyStatus = 'absent' | 'present' | 'revoked';

/** GET STATE: what each EF holds, never the content of a key or PIN. */
export interface StateResult {
  readonly kind: 'state';
  readonly keys: Readonly<Record<KeyFid, KeyStatus>>;
  readonly certificates: Readonly<Record<CertificateFid, boolean>>;
  /** Tries left of each PIN that is set, `undefined` for one that is not. */
  readonly pins: Readonly<Record<PinFid, number | undefined>>;
}

export type ManagementResult = PublicKeyResult | StateResult;

function answer(message: string, cause?: unknown): JpkiAppletError {
  return new JpkiAppletError('ERR_JPKI_MANAGEMENT_RESPONSE', message, cause === undefined ? undefined : { cause });
}

function primitive(node: Tlv, index: number, tag: number): Uint8Array {
  const child = node.children?.[index];
  if (child === undefined || child.tag !== tag || child.constructed) throw answer(`expected tag ${tag.toString(16)} at position ${index} of ${node.tag.toString(16)}`);
  return child.value;
}

function keyFid(bytes: Uint8Array): KeyFid {
  const fid = toHex(bytes);
  if (!(KEY_FIDS as readonly string[]).includes(fid)) throw answer(`${fid} is not a key EF`);
  return fid as KeyFid;
}

function publicKeyResult(node: Tlv): PublicKeyResult {
  if (node.children?.length !== 2) throw answer('a public key answer is { 83 FID, 80 SubjectPublicKeyInfo }');
  const key = keyFid(primitive(node, 0, INNER.FID));
  const spki = primitive(node, 1, INNER.CONTENT);
  let details;
  try {
    details = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).asymmetricKeyDetails;
  } catch (err) {
    throw answer('the public key is not a SubjectPublicKeyInfo', err);
  }
  if (details?.modulusLength !== 2048 || details.publicExponent !== 65537n) throw answer('the public key is not RSA-2048 with e = 65537');
  return { kind: node.tag === TAG.GENERATE_KEY_PAIR ? 'generated' : 'public-key', key, subjectPublicKeyInfo: new Uint8Array(spki) };
}

function stateResult(node: Tlv): StateResult {
  const keys: Partial<Record<KeyFid, KeyStatus>> = {};
  const certificates: Partial<Record<CertificateFid, boolean>> = {};
  const pins: Partial<Record<PinFid, number | undefined>> = {};
  const seen = new Set<string>();
  for (const entry of node.children ?? []) {
    if (entry.tag !== INNER.ENTRY || !entry.constructed) throw answer('GET STATE entries are A0');
    const fid = toHex(primitive(entry, 0, INNER.FID));
    const status = primitive(entry, 1, INNER.STATUS);
    if (seen.has(fid) || status.length !== 1) throw answer(`entry ${fid} repeated or malformed`);
    seen.add(fid);
    const s = status[0]!;
    if ((KEY_FIDS as readonly string[]).includes(fid) && entry.children.length === 2 && s <= STATUS.REVOKED) {
      keys[fid as KeyFid] = s === STATUS.ABSENT ? 'absent' : s === STATUS.PRESENT ? 'present' : 'revoked';
    } else if ((CERTIFICATE_FIDS as readonly string[]).includes(fid) && entry.children.length === 2 && s <= STATUS.PRESENT) {
      certificates[fid as CertificateFid] = s === STATUS.PRESENT;
    } else if ((PIN_FIDS as readonly string[]).includes(fid) && s === STATUS.ABSENT && entry.children.length === 2) {
      pins[fid as PinFid] = undefined;
    } else if ((PIN_FIDS as readonly string[]).includes(fid) && s === STATUS.PRESENT && entry.children.length === 3) {
      const tries = primitive(entry, 2, INNER.TRIES_LEFT);
      if (tries.length !== 1 || tries[0]! > PIN_RULES[fid as PinFid].maxTries) throw answer(`tries left of ${fid} out of range`);
      pins[fid as PinFid] = tries[0];
    } else throw answer(`entry ${fid} is not a known EF with a valid status`);
  }
  if (seen.size !== KEY_FIDS.length + CERTIFICATE_FIDS.length + PIN_FIDS.length) throw answer('GET STATE must list every key, certificate and PIN EF');
  return { kind: 'state', keys: keys as StateResult['keys'], certificates: certificates as StateResult['certificates'], pins: pins as StateResult['pins'] };
}

/**
 * Reads the response data of a STORE DATA sequence (the blocks' response data, concatenated, after
 * the secure channel unwrapped them): one result per command that answers, in order.
 */
export function parseManagementResponses(data: Uint8Array): ManagementResult[] {
  let nodes: Tlv[];
  try {
    nodes = decodeTlvList(data, { maxDepth: 3 });
  } catch (err) {
    throw answer('the response data is not BER-TLV', err);
  }
  return nodes.map((node) => {
    if (!node.constructed) throw answer(`unexpected primitive tag ${node.tag.toString(16)}`);
    if (node.tag === TAG.GENERATE_KEY_PAIR || node.tag === TAG.GET_PUBLIC_KEY) return publicKeyResult(node);
    if (node.tag === TAG.GET_STATE) return stateResult(node);
    throw answer(`unknown response tag ${node.tag.toString(16)}`);
  });
}
