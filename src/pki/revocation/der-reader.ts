import type { RevocationErrorCode } from './errors.js';
import { RevocationError } from './errors.js';
import { isMinimalInteger, TAG } from './der-writer.js';
import { decodeTime } from './time.js';

/*
 * A strict DER reader over untrusted bytes (X.690 10.1: definite, minimal lengths). It walks the input
 * in place: a node is four offsets into the caller's buffer, nothing is copied or allocated per node,
 * and every declared length is checked against what is left before it is used, so a hostile length
 * costs nothing. Depth is bounded by the parsers, which descend only where their ASN.1 says so.
 */

/** Which code each of the five shapes of broken DER raises, per message family. */
export interface DerCodes {
  readonly truncated: RevocationErrorCode;
  readonly length: RevocationErrorCode;
  readonly tag: RevocationErrorCode;
  readonly value: RevocationErrorCode;
  readonly trailing: RevocationErrorCode;
}

export const CRL_DER: DerCodes = {
  truncated: 'ERR_CRL_DER_TRUNCATED',
  length: 'ERR_CRL_DER_LENGTH',
  tag: 'ERR_CRL_DER_TAG',
  value: 'ERR_CRL_DER_VALUE',
  trailing: 'ERR_CRL_DER_TRAILING',
};

export const OCSP_DER: DerCodes = {
  truncated: 'ERR_OCSP_DER_TRUNCATED',
  length: 'ERR_OCSP_DER_LENGTH',
  tag: 'ERR_OCSP_DER_TAG',
  value: 'ERR_OCSP_DER_VALUE',
  trailing: 'ERR_OCSP_DER_TRAILING',
};

/** One TLV: `bytes[start, end)` is the whole encoding, `bytes[valueStart, end)` its value. */
export interface DerNode {
  readonly tag: number;
  readonly start: number;
  readonly valueStart: number;
  readonly end: number;
}

export class DerReader {
  pos: number;
  readonly bytes: Uint8Array;

  constructor(
    bytes: Uint8Array,
    readonly codes: DerCodes,
    start = 0,
    readonly end = bytes.length,
  ) {
    // A plain view even over a Buffer, whose slice() would share memory instead of copying.
    this.bytes = Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    this.pos = start;
  }

  /** A reader over the value of `node` (the children of a SEQUENCE or an EXPLICIT tag). */
  inside(node: DerNode): DerReader {
    return new DerReader(this.bytes, this.codes, node.valueStart, node.end);
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  /** The next identifier octet, or -1 at the end. */
  peekTag(): number {
    return this.pos < this.end ? this.bytes[this.pos]! : -1;
  }

  next(what: string): DerNode {
    const b = this.bytes;
    const start = this.pos;
    if (start >= this.end) this.fail('truncated', `${what}: no data object at offset ${start}`);
    const tag = b[start]!;
    // X.690 8.1.2.4: the high-tag-number form; nothing in a CRL or OCSP message uses it.
    if ((tag & 0x1f) === 0x1f) this.fail('tag', `${what}: multi-byte tag at offset ${start}`);
    if (start + 1 >= this.end) this.fail('truncated', `${what}: no length at offset ${start + 1}`);
    let p = start + 1;
    const first = b[p++]!;
    let length = first;
    if (first >= 0x80) {
      const count = first & 0x7f;
      if (count === 0) this.fail('length', `${what}: indefinite length at offset ${start + 1}`);
      if (count > 4) this.fail('length', `${what}: length of ${count} bytes at offset ${start + 1}`);
      if (p + count > this.end) this.fail('truncated', `${what}: length cut short at offset ${start + 1}`);
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + b[p++]!;
      // X.690 10.1: the minimal number of length octets, and the short form below 128.
      if (length < 0x80 || b[start + 2] === 0) this.fail('length', `${what}: non-minimal length at offset ${start + 1}`);
    }
    if (length > this.end - p) this.fail('truncated', `${what}: length ${length} runs past the end (${this.end - p} left)`);
    this.pos = p + length;
    return { tag, start, valueStart: p, end: p + length };
  }

  expect(tag: number, what: string): DerNode {
    const t = this.peekTag();
    if (t === -1) this.fail('truncated', `${what}: missing`);
    if (t !== tag) this.fail('tag', `${what}: tag ${hex2(t)} where ${hex2(tag)} was expected`);
    return this.next(what);
  }

  optional(tag: number, what: string): DerNode | undefined {
    return this.peekTag() === tag ? this.next(what) : undefined;
  }

  /** Nothing may follow the last element (X.690 8.9: a SEQUENCE holds exactly its components). */
  finish(what: string): void {
    if (this.pos < this.end) this.fail('trailing', `${what}: ${this.end - this.pos} byte(s) after the last element`);
  }

  value(node: DerNode): Uint8Array {
    return this.bytes.subarray(node.valueStart, node.end);
  }

  /** A copy of the whole TLV, for values kept beyond the caller's buffer. */
  copyTlv(node: DerNode): Uint8Array {
    return this.bytes.slice(node.start, node.end);
  }

  integer(node: DerNode, what: string): Uint8Array {
    const v = this.value(node);
    if (!isMinimalInteger(v)) this.fail('value', `${what}: INTEGER that is empty or not minimal`);
    return v;
  }

  /** A small non-negative INTEGER or ENUMERATED (versions, statuses, reasons). */
  smallInt(node: DerNode, what: string): number {
    const v = this.integer(node, what);
    if (v.length > 4 || v[0]! >= 0x80) this.fail('value', `${what}: not a small non-negative integer`);
    let n = 0;
    for (const b of v) n = n * 256 + b;
    return n;
  }

  boolean(node: DerNode, what: string): boolean {
    const v = this.value(node);
    // X.690 11.1: DER writes TRUE as FF.
    if (v.length !== 1 || (v[0] !== 0x00 && v[0] !== 0xff)) this.fail('value', `${what}: BOOLEAN is not 00 or FF`);
    return v[0] === 0xff;
  }

  /** OBJECT IDENTIFIER content octets, checked to be well-formed subidentifiers (X.690 8.19.2). */
  oid(node: DerNode, what: string): Uint8Array {
    const v = this.value(node);
    if (v.length === 0 || v[v.length - 1]! >= 0x80) this.fail('value', `${what}: malformed OBJECT IDENTIFIER`);
    for (let i = 0; i < v.length; i++) {
      if (v[i] === 0x80 && (i === 0 || v[i - 1]! < 0x80)) this.fail('value', `${what}: OBJECT IDENTIFIER arc with a leading 80`);
    }
    return v;
  }

  /** The bits of a BIT STRING with no unused bits (signatures, keys). */
  bitString(node: DerNode, what: string): Uint8Array {
    const v = this.value(node);
    if (v.length === 0 || v[0] !== 0) this.fail('value', `${what}: BIT STRING with unused bits`);
    return v.subarray(1);
  }

  null(node: DerNode, what: string): void {
    if (node.end !== node.valueStart) this.fail('value', `${what}: NULL with content`);
  }

  /** A UTCTime or GeneralizedTime in the RFC 5280 form, as a Date. */
  time(node: DerNode, what: string): Date {
    if (node.tag !== TAG.UTC_TIME && node.tag !== TAG.GENERALIZED_TIME) this.fail('tag', `${what}: not a time`);
    const ms = decodeTime(this.bytes, node.valueStart, node.end, node.tag);
    if (ms === undefined) this.fail('value', `${what}: not a YYMMDDHHMMSSZ / YYYYMMDDHHMMSSZ time`);
    return new Date(ms);
  }

  fail(kind: keyof DerCodes, message: string): never {
    throw new RevocationError(this.codes[kind], message);
  }
}

function hex2(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, '0');
}
