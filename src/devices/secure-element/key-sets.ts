import { SW, throwSw } from '../../apdu/index.js';
import { concat, constantTimeEqual, fromHex, toHex } from '../../bytes/index.js';
import { aesCbcDecrypt, aesCbcEncrypt, keyCheckValue, KEY_TYPE_AES, scp03KeySet, type Scp03KeySet } from '../../crypto/index.js';
import { decodeTlvList, encodeTlv, tlv, TlvError } from '../../tlv/index.js';
import type { DomainData, KeySetRecord } from './state.js';

/*
 * SCP03 key sets of a security domain: records in the state document, the Key Information Template
 * of GET DATA 'E0', and key loading with STORE DATA in DGI format (GP Card Spec 11.11.4).
 */

/** Key identifiers of an SCP03 key set (Amendment D Table 6-1). */
export const KEY_ID = { ENC: 1, MAC: 2, DEK: 3 } as const;

/** Key usage qualifiers written by `encodeDgiKeySet` (GP Card Spec 11.1.9): C-ENC+R-ENC, C-MAC+R-MAC, C-DEK+R-DEK. */
const USAGE: Record<number, number> = { 1: 0x38, 2: 0x34, 3: 0xc8 };

const ZERO_ICV = new Uint8Array(16);

export function keySetRecord(keys: Scp03KeySet, i: number): KeySetRecord {
  return { kvn: keys.kvn, i, enc: toHex(keys.enc), mac: toHex(keys.mac), dek: toHex(keys.dek), counter: 0 };
}

export function scp03KeysOf(record: KeySetRecord): Scp03KeySet {
  return scp03KeySet(record.kvn, fromHex(record.enc), fromHex(record.mac), fromHex(record.dek));
}

/**
 * GET DATA 'E0', GP Card Spec 11.3.3.1.1 (Table 11-28, basic structure): one `C0 04 <id> <KVN> 88
 * <length>` per key, key sets in registry order, keys by identifier.
 */
export function keyInformationTemplate(domain: DomainData): Uint8Array {
  const entries = domain.keySets.flatMap((k) =>
    [KEY_ID.ENC, KEY_ID.MAC, KEY_ID.DEK].map((id) => tlv(0xc0, Uint8Array.of(id, k.kvn, KEY_TYPE_AES, k.enc.length / 2))),
  );
  return encodeTlv(tlv(0xe0, entries));
}

/** One DGI (GP Card Spec 11.1.12, [Scripting Lang] Annex B): 2-byte identifier, length 1 byte or FF + 2 bytes. */
export interface Dgi {
  readonly id: number;
  readonly value: Uint8Array;
}

function dgiBytes(id: number, value: Uint8Array): Uint8Array {
  const length = value.length < 0xff ? Uint8Array.of(value.length) : Uint8Array.of(0xff, value.length >>> 8, value.length & 0xff);
  return concat(Uint8Array.of(id >>> 8, id & 0xff), length, value);
}

/** Splits STORE DATA data into DGIs; '6A80' when they do not fill it exactly. */
export function parseDgis(data: Uint8Array): Dgi[] {
  const out: Dgi[] = [];
  let at = 0;
  while (at < data.length) {
    if (at + 3 > data.length) throwSw(SW.INCORRECT_DATA, 'truncated DGI header');
    const id = (data[at]! << 8) | data[at + 1]!;
    let length = data[at + 2]!;
    let start = at + 3;
    if (length === 0xff) {
      if (at + 5 > data.length) throwSw(SW.INCORRECT_DATA, 'truncated DGI length');
      length = (data[at + 3]! << 8) | data[at + 4]!;
      start = at + 5;
    }
    if (start + length > data.length) throwSw(SW.INCORRECT_DATA, 'a DGI runs past the data (structures split over blocks are not supported)');
    out.push({ id, value: data.subarray(start, start + length) });
    at = start + length;
  }
  return out;
}

interface KeyCrt {
  readonly id: number;
  readonly kvn: number;
  readonly length: number;
  readonly kcv: Uint8Array;
}

function one(children: readonly { tag: number; value: Uint8Array }[], tag: number, lengths: number[]): Uint8Array {
  const found = children.filter((c) => c.tag === tag);
  if (found.length !== 1 || !lengths.includes(found[0]!.value.length)) throwSw(SW.INCORRECT_DATA, `key CRT tag ${tag.toString(16)} missing or malformed`);
  return found[0]!.value;
}

/** The B9 control reference templates of a DGI '00B9' (GP Card Spec Table 11-92). */
function keyCrts(value: Uint8Array): KeyCrt[] {
  let crts;
  try {
    crts = decodeTlvList(value, { maxDepth: 2 });
  } catch (err) {
    if (err instanceof TlvError) throwSw(SW.INCORRECT_DATA, 'DGI 00B9 is not BER-TLV');
    throw err;
  }
  if (crts.length === 0) throwSw(SW.INCORRECT_DATA, 'DGI 00B9 describes no key');
  return crts.map((crt) => {
    if (crt.tag !== 0xb9 || !crt.constructed) throwSw(SW.INCORRECT_DATA, 'DGI 00B9 holds something else than B9 templates');
    const c = crt.children;
    one(c, 0x95, [1, 2]);
    if (one(c, 0x80, [1])[0] !== KEY_TYPE_AES) throwSw(SW.INCORRECT_DATA, 'only AES keys (88) are loaded');
    const len = one(c, 0x81, [1, 2]);
    const length = len.length === 1 ? len[0]! : (len[0]! << 8) | len[1]!;
    const id = one(c, 0x82, [1])[0]!;
    const kvn = one(c, 0x83, [1])[0]!;
    if (![16, 24, 32].includes(length)) throwSw(SW.INCORRECT_DATA, 'an AES key is 16, 24 or 32 bytes');
    if (id < 1 || id > 3) throwSw(SW.INCORRECT_DATA, 'SCP03 key identifiers are 1, 2 and 3');
    if (kvn < 1 || kvn > 0x7f) throwSw(SW.INCORRECT_DATA, 'a key version number is 01..7F');
    return { id, kvn, length, kcv: one(c, 0x84, [3]) };
  });
}

/**
 * Key loading with STORE DATA (GP Card Spec 11.11.4.1): each DGI '00B9' describes keys (B9 templates:
 * usage, type '88', length, identifier, KVN, KCV) and is followed by one DGI '8113' per key, the key
 * encrypted under `dek` (AES-CBC, zero ICV; Amendment D 6.2.8, padded to the block size). Every key
 * must decrypt to its KCV ('6982' otherwise, Table 11-92 note), and the keys must make whole SCP03 key
 * sets: identifiers 1, 2 and 3 of one length under each KVN ('6A80' otherwise).
 */
export function decodeDgiKeySets(dgis: readonly Dgi[], dek: Uint8Array): Scp03KeySet[] {
  const keys = new Map<number, Map<number, Uint8Array>>();
  for (let at = 0; at < dgis.length; ) {
    const head = dgis[at]!;
    if (head.id !== 0x00b9) throwSw(SW.INCORRECT_DATA, `DGI ${head.id.toString(16)} is not key data`);
    const crts = keyCrts(head.value);
    at++;
    for (const crt of crts) {
      const body = dgis[at++];
      if (body?.id !== 0x8113) throwSw(SW.INCORRECT_DATA, 'DGI 8113 must follow for every key of DGI 00B9');
      const padded = Math.ceil(crt.length / 16) * 16;
      if (body.value.length !== padded) throwSw(SW.INCORRECT_DATA, 'DGI 8113 does not hold the key encrypted in whole blocks');
      const key = aesCbcDecrypt(dek, ZERO_ICV, body.value).slice(0, crt.length);
      if (!constantTimeEqual(keyCheckValue(key), crt.kcv)) throwSw(SW.SECURITY_STATUS_NOT_SATISFIED, 'the key check value does not match');
      const set = keys.get(crt.kvn) ?? new Map<number, Uint8Array>();
      if (set.has(crt.id)) throwSw(SW.INCORRECT_DATA, 'a key is given twice');
      set.set(crt.id, key);
      keys.set(crt.kvn, set);
    }
  }
  return [...keys.entries()].map(([kvn, set]) => {
    const enc = set.get(KEY_ID.ENC);
    const mac = set.get(KEY_ID.MAC);
    const dekKey = set.get(KEY_ID.DEK);
    if (!enc || !mac || !dekKey || set.size !== 3 || enc.length !== mac.length || enc.length !== dekKey.length) {
      throwSw(SW.INCORRECT_DATA, `key version ${kvn} is not a whole SCP03 key set`);
    }
    return scp03KeySet(kvn, enc, mac, dekKey);
  });
}

/**
 * Off-card: the STORE DATA data that loads `keys` (DGI '00B9' with three B9 templates, then three
 * DGI '8113' with the keys encrypted under the Key-DEK of the domain whose secure channel carries the
 * command). Send it with P1 = 'A8' (last block, application-dependent encryption since '00B9' is
 * clear and '8113' is not, DGI format; GP Card Spec Table 11-89). A 24-byte key is padded with zeros.
 */
export function encodeDgiKeySet(dek: Uint8Array, keys: Scp03KeySet): Uint8Array {
  const parts: [number, Uint8Array][] = [
    [KEY_ID.ENC, keys.enc],
    [KEY_ID.MAC, keys.mac],
    [KEY_ID.DEK, keys.dek],
  ];
  const crts = parts.map(([id, key]) =>
    tlv(0xb9, [
      tlv(0x95, Uint8Array.of(USAGE[id]!)),
      tlv(0x80, Uint8Array.of(KEY_TYPE_AES)),
      tlv(0x81, Uint8Array.of(key.length)),
      tlv(0x82, Uint8Array.of(id)),
      tlv(0x83, Uint8Array.of(keys.kvn)),
      tlv(0x84, keyCheckValue(key)),
    ]),
  );
  const head = dgiBytes(0x00b9, concat(...crts.map((c) => encodeTlv(c))));
  const bodies = parts.map(([, key]) => {
    const padded = new Uint8Array(Math.ceil(key.length / 16) * 16);
    padded.set(key);
    return dgiBytes(0x8113, aesCbcEncrypt(dek, ZERO_ICV, padded));
  });
  return concat(head, ...bodies);
}
