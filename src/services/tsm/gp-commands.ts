import { command, type CommandApdu } from '../../apdu/index.js';
import { concat } from '../../bytes/index.js';
import { encodePutKeyData, type Scp03KeySet } from '../../crypto/index.js';
import { encodeTlv, tlv } from '../../tlv/index.js';

/*
 * The GlobalPlatform card management commands a TSM sends, plain (the secure channel wraps them), as
 * GP Card Spec 2.3.1 chapter 11 lays them out. LV fields are a length byte and the value.
 */

const lv = (bytes: Uint8Array) => concat(Uint8Array.of(bytes.length), bytes);
const NONE = new Uint8Array(0);

/** Privileges (GP Card Spec 11.1.2): Security Domain (byte 1 '80') with Authorized Management (byte 2 '40'). */
export const APSD_PRIVILEGES = Uint8Array.of(0x80, 0x40, 0x00);
export const NO_PRIVILEGES = Uint8Array.of(0x00, 0x00, 0x00);

/** GP Amendment C Table 5-2: Communication Interface Access per Instance, b8 contact, b7 contactless. */
export const INTERFACES = { CONTACT: 0x80, CONTACTLESS: 0x40 } as const;

/**
 * Install parameters (GP Card Spec Table 11-49): `C9` with the application's own parameters (empty
 * here), and, when interfaces are given, `EF { A0 { A5 { 82 01 <bits> } } }` (Amendment C 5.2).
 */
export function installParameters(interfaces?: number): Uint8Array {
  const c9 = encodeTlv(tlv(0xc9, NONE));
  if (interfaces === undefined) return c9;
  return concat(c9, encodeTlv(tlv(0xef, [tlv(0xa0, [tlv(0xa5, [tlv(0x82, Uint8Array.of(interfaces))])])])));
}

/** INSTALL [for load] (Table 11-42): load file AID, SD AID (empty: the current domain), LFDB hash, no parameters, no token. */
export function installForLoad(loadFile: Uint8Array, hash: Uint8Array, sd: Uint8Array = NONE): CommandApdu {
  return command(0x80, 0xe6, 0x02, 0x00, concat(lv(loadFile), lv(sd), lv(hash), lv(NONE), lv(NONE)), 256);
}

/** LOAD (11.6): the load file in blocks numbered from 00, P1 '80' on the last. */
export function loadCommands(blocks: readonly Uint8Array[]): CommandApdu[] {
  return blocks.map((b, i) => command(0x80, 0xe8, i === blocks.length - 1 ? 0x80 : 0x00, i, b, 256));
}

/** INSTALL [for install and make selectable] (Table 11-43, P1 '0C'). */
export function installForInstall(p: { loadFile: Uint8Array; module: Uint8Array; aid: Uint8Array; privileges: Uint8Array; parameters: Uint8Array }): CommandApdu {
  return command(0x80, 0xe6, 0x0c, 0x00, concat(lv(p.loadFile), lv(p.module), lv(p.aid), lv(p.privileges), lv(p.parameters), lv(NONE)), 256);
}

/** INSTALL [for personalization] (Table 11-47): the following STORE DATA go to `aid`. */
export function installForPersonalization(aid: Uint8Array): CommandApdu {
  return command(0x80, 0xe6, 0x20, 0x00, concat(lv(NONE), lv(NONE), lv(aid), lv(NONE), lv(NONE), lv(NONE)), 256);
}

/** INSTALL [for extradition] (Table 11-45): associate `target` with the security domain `sd`. */
export function installForExtradition(sd: Uint8Array, target: Uint8Array): CommandApdu {
  return command(0x80, 0xe6, 0x10, 0x00, concat(lv(sd), lv(NONE), lv(target), lv(NONE), lv(NONE), lv(NONE)), 256);
}

/** STORE DATA (11.11): P1 (b8 last block, b5b4 structure), P2 the block number. */
export function storeData(p1: number, block: number, data: Uint8Array, ne?: number): CommandApdu {
  return command(0x80, 0xe2, p1, block, data, ne, ne !== undefined && ne > 256 ? { extended: true } : {});
}

/**
 * PUT KEY (11.8) of a whole SCP03 key set (P2 '81': keys 1, 2, 3), replacing key set `oldKvn` ('00'
 * adds one); the keys travel encrypted under the current session's Key-DEK (Amendment D 7.2).
 */
export function putKeySet(oldKvn: number, currentDek: Uint8Array, keys: Scp03KeySet): CommandApdu {
  return command(0x80, 0xd8, oldKvn, 0x81, encodePutKeyData(currentDek, keys.kvn, keys), 256);
}

/** SET STATUS (11.10): P1 '40' an application or security domain, P2 the new state. */
export function setStatus(p1: number, state: number, aid: Uint8Array): CommandApdu {
  return command(0x80, 0xf0, p1, state, aid);
}

/** DELETE (11.2) of card content: `4F <AID>`, P2 '80' with its related objects. */
export function deleteObject(aid: Uint8Array, related: boolean): CommandApdu {
  return command(0x80, 0xe4, 0x00, related ? 0x80 : 0x00, encodeTlv(tlv(0x4f, aid)), 256);
}
