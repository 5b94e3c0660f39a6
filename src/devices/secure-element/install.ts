import { SW, throwSw } from '../../apdu/index.js';
import { toHex } from '../../bytes/index.js';
import { decodeTlvList, TlvError, type Tlv } from '../../tlv/index.js';
import { InterfaceBit } from './constants.js';
import type { Hex } from './state.js';

/*
 * The data fields of INSTALL, GP Card Spec 11.5.2.3: LV fields without delimiters; the parameter and
 * token fields have BER lengths ('00'-'80' in one byte, where '80' means 128 for backward
 * compatibility, '81 80'-'81 FF', '82 01 00'-'82 FF FF'). Anything else is '6A80'.
 */

function bad(why: string): never {
  return throwSw(SW.INCORRECT_DATA, `INSTALL data: ${why}`);
}

class LvReader {
  #at = 0;
  constructor(readonly data: Uint8Array) {}

  #take(length: number): Uint8Array {
    if (this.#at + length > this.data.length) bad('truncated');
    const out = this.data.slice(this.#at, this.#at + length);
    this.#at += length;
    return out;
  }

  /** A one-byte length and its value. */
  lv(): Uint8Array {
    return this.#take(this.#take(1)[0]!);
  }

  /** An AID field: length 05..10, or 00 when `optional`. */
  aid(what: string, optional: boolean): Hex | undefined {
    const v = this.lv();
    if (v.length === 0 && optional) return undefined;
    if (v.length < 5 || v.length > 16) bad(`${what} is ${v.length} bytes, not 5..16`);
    return toHex(v);
  }

  /** A field that must be empty ('00'). */
  empty(what: string): void {
    if (this.lv().length !== 0) bad(`${what} must be empty`);
  }

  /** A BER-length field (parameters, token). */
  ber(): Uint8Array {
    const first = this.#take(1)[0]!;
    let length = first;
    if (first === 0x81) {
      length = this.#take(1)[0]!;
      if (length < 0x80) bad('a long-form length below 128');
    } else if (first === 0x82) {
      const b = this.#take(2);
      length = (b[0]! << 8) | b[1]!;
      if (length < 0x100) bad('a three-byte length below 256');
    } else if (first > 0x80) {
      bad('a length field of more than three bytes');
    }
    return this.#take(length);
  }

  end(): void {
    if (this.#at !== this.data.length) bad('bytes after the last field');
  }
}

/** INSTALL [for load], Table 11-42. */
export interface LoadRequest {
  readonly loadFile: Hex;
  /** The domain to associate the load file with ('00': the one performing the load). */
  readonly sd: Hex | undefined;
  /** The Load File Data Block hash, when given. */
  readonly hash: Uint8Array | undefined;
  readonly parameters: Uint8Array;
  readonly token: Uint8Array;
}

export function parseInstallForLoad(data: Uint8Array): LoadRequest {
  const r = new LvReader(data);
  const loadFile = r.aid('Load File AID', false)!;
  const sd = r.aid('Security Domain AID', true);
  const hash = r.lv();
  if (hash.length > 0x7f) bad('hash length');
  const parameters = r.ber();
  const token = r.ber();
  r.end();
  return { loadFile, sd, hash: hash.length > 0 ? hash : undefined, parameters, token };
}

/** INSTALL [for install] (and [and make selectable]), Table 11-43; and [for make selectable], Table 11-44. */
export interface InstallRequest {
  readonly loadFile: Hex | undefined;
  readonly module: Hex | undefined;
  readonly aid: Hex;
  /** As sent: 1 or 3 bytes. */
  readonly privileges: Uint8Array;
  readonly parameters: Uint8Array;
  readonly token: Uint8Array;
}

export function parseInstallForInstall(data: Uint8Array): InstallRequest {
  const r = new LvReader(data);
  const loadFile = r.aid('Executable Load File AID', true);
  const module = r.aid('Executable Module AID', true);
  const aid = r.aid('Application AID', false)!;
  const privileges = r.lv();
  if (privileges.length !== 1 && privileges.length !== 3) bad('privileges are 1 or 3 bytes');
  const parameters = r.ber();
  const token = r.ber();
  r.end();
  return { loadFile, module, aid, privileges, parameters, token };
}

/** INSTALL [for make selectable], Table 11-44: the first two fields are empty. */
export function parseInstallForMakeSelectable(data: Uint8Array): InstallRequest {
  const request = parseInstallForInstall(data);
  if (request.loadFile !== undefined || request.module !== undefined) bad('[for make selectable] names no load file or module');
  return request;
}

/** INSTALL [for personalization], Table 11-47: '00 00' AID '00 00 00'. */
export function parseInstallForPersonalization(data: Uint8Array): Hex {
  const r = new LvReader(data);
  r.empty('first field');
  r.empty('second field');
  const aid = r.aid('Application AID', false)!;
  r.empty('fourth field');
  r.empty('fifth field');
  r.empty('sixth field');
  r.end();
  return aid;
}

/** INSTALL [for extradition], Table 11-45. */
export interface ExtraditionRequest {
  readonly sd: Hex;
  readonly target: Hex;
  readonly parameters: Uint8Array;
  readonly token: Uint8Array;
}

export function parseInstallForExtradition(data: Uint8Array): ExtraditionRequest {
  const r = new LvReader(data);
  const sd = r.aid('Security Domain AID', false)!;
  r.empty('second field');
  const target = r.aid('Application or Executable Load File AID', false)!;
  r.empty('fourth field');
  const parameters = r.ber();
  const token = r.ber();
  r.end();
  return { sd, target, parameters, token };
}

function tlvs(bytes: Uint8Array, what: string): Tlv[] {
  try {
    return decodeTlvList(bytes, { maxDepth: 4 });
  } catch (err) {
    if (err instanceof TlvError) bad(`${what} are not BER-TLV`);
    throw err;
  }
}

/**
 * Load parameters (Table 11-48): 'EF' system specific parameters (memory requirements 'C6' 'C7' 'C8',
 * format 'CD', 'DD'), 'B6' token data. Checked for form; their values are not used (memory resource
 * management is not implemented; GP Card Spec 11.5.2.3.7 lets the card ignore them).
 */
export function checkLoadParameters(parameters: Uint8Array): void {
  for (const t of tlvs(parameters, 'load parameters')) {
    if (t.tag !== 0xef && t.tag !== 0xb6) bad(`load parameter ${t.tag.toString(16)}`);
  }
}

export interface InstallParameters {
  /** The application specific parameters: the value of 'C9'. */
  readonly application: Uint8Array;
  /**
   * Communication Interface Access per Instance (GP Amendment C 5.2, 'EF' / 'A0' / 'A5' / '82'):
   * the interfaces the application is available on; undefined when not given.
   */
  readonly interfaces: number | undefined;
}

/**
 * Install parameters (Table 11-49): 'C9' mandatory; 'EF' system specific parameters, of which the
 * element honours the Amendment C contactless parameters 'A0' and in them the Communication
 * Interface Access Parameters 'A5' with the per-instance value '82' (1 byte: '80' contact, '40'
 * contactless); memory quotas, global service parameters, implicit selection and the rest are checked
 * for form and ignored (11.5.2.3.7: "their presence shall be anticipated but the content may be
 * ignored"); 'EA' and 'B6' are accepted and ignored.
 */
export function parseInstallParameters(parameters: Uint8Array): InstallParameters {
  let application: Uint8Array | undefined;
  let interfaces: number | undefined;
  for (const t of tlvs(parameters, 'install parameters')) {
    if (t.tag === 0xc9) {
      if (application !== undefined) bad('C9 twice');
      application = t.value;
    } else if (t.tag === 0xef) {
      for (const s of t.children ?? []) {
        if (s.tag !== 0xa0) continue;
        for (const a5 of s.children ?? []) {
          if (a5.tag !== 0xa5) continue;
          for (const v of a5.children ?? []) {
            if (v.tag !== 0x82) continue;
            if (v.value.length !== 1) bad('Communication Interface Access per Instance is 1 byte');
            const bits = v.value[0]!;
            if (bits === 0 || (bits & ~(InterfaceBit.CONTACT | InterfaceBit.CONTACTLESS)) !== 0) bad('Communication Interface Access per Instance names no interface, or an RFU one');
            interfaces = bits;
          }
        }
      }
    } else if (t.tag !== 0xea && t.tag !== 0xb6) {
      bad(`install parameter ${t.tag.toString(16)}`);
    }
  }
  if (application === undefined) bad('the application specific parameters (C9) are mandatory');
  return { application, interfaces };
}

/** Make selectable parameters (Table 11-50): 'EF' (implicit selection, ignored), 'B6'. */
export function checkMakeSelectableParameters(parameters: Uint8Array): void {
  for (const t of tlvs(parameters, 'make selectable parameters')) {
    if (t.tag !== 0xef && t.tag !== 0xb6) bad(`make selectable parameter ${t.tag.toString(16)}`);
  }
}
