import { SW, throwSw, type CommandApdu } from '../../../apdu/index.js';
import { concat } from '../../../bytes/index.js';
import {
  MANAGEMENT_TAGS,
  MAX_BLOCKS,
  MAX_DO_LENGTH,
  MAX_GENERATIONS_PER_BLOCK,
  MAX_OBJECTS_PER_BLOCK,
  P1_ENCRYPTION,
  P1_LAST_BLOCK,
  P1_RFU,
  P1_STRUCTURE,
  P1_STRUCTURE_BER_TLV,
  TAG,
} from './management-format.js';

const EMPTY = new Uint8Array(0);

/** Where the next data object's header ends, and its whole length; `undefined` while the header is incomplete. */
function header(buffer: Uint8Array): { total: number } | undefined {
  if (buffer.length === 0) return undefined;
  // Only the seven single-byte command tags exist: anything else is refused at its first byte.
  if (!MANAGEMENT_TAGS.has(buffer[0]!)) throwSw(SW.INCORRECT_DATA);
  if (buffer.length < 2) return undefined;
  const first = buffer[1]!;
  if (first < 0x80) return { total: 2 + first };
  const count = first & 0x7f;
  // Definite lengths of one or two bytes, minimally encoded (X.690 10.1); indefinite and longer forms are refused.
  if (count < 1 || count > 2) throwSw(SW.INCORRECT_DATA);
  if (buffer.length < 2 + count) return undefined;
  const length = count === 1 ? buffer[2]! : buffer[2]! * 256 + buffer[3]!;
  if ((count === 1 && length < 0x80) || (count === 2 && length < 0x100)) throwSw(SW.INCORRECT_DATA);
  return { total: 2 + count + length };
}

/**
 * The applet's side of a STORE DATA sequence (GP Card Spec 2.3.1 11.11): checks P1 and the block
 * numbers, and reassembles the management data objects that blocks split. Transient, like a Java
 * Card CLEAR_ON_RESET buffer: a power cut or `abort` forgets a sequence in progress, and the next
 * sequence must start at block 00.
 *
 * - P1 other than BER-TLV without general encryption information ('10', '11', '90', '91') → '6A86'.
 * - P2 must be 00 (a new sequence, whatever was in progress) or the previous block + 1 while a
 *   sequence is open; anything else (a gap, a repeat, a block after the last one) → '6A86'.
 * - No data → '6700'; a data object with an unknown tag or a malformed length → '6A80'; longer than
 *   `MAX_DO_LENGTH` → '6A84'; the last block ending inside a data object → '6A80'; a block completing
 *   more than 16 data objects, or more than 2 key generations → '6A80'.
 *
 * Any refusal ends the sequence (the caller calls `abort` also when carrying out a data object fails).
 */
export class StoreDataSequence {
  /** The block number expected next; `undefined` when no sequence is open. */
  #next: number | undefined;
  #pending: Uint8Array = EMPTY;

  abort(): void {
    this.#next = undefined;
    this.#pending = EMPTY;
  }

  /**
   * Takes one block; returns the data objects it completes, whole and in order, and whether the
   * sequence ended with it.
   */
  accept(cmd: CommandApdu): { objects: Uint8Array[]; last: boolean } {
    try {
      return this.#accept(cmd);
    } catch (err) {
      this.abort();
      throw err;
    }
  }

  #accept(cmd: CommandApdu): { objects: Uint8Array[]; last: boolean } {
    if ((cmd.p1 & (P1_ENCRYPTION | P1_STRUCTURE | P1_RFU)) !== P1_STRUCTURE_BER_TLV) throwSw(SW.INCORRECT_P1P2);
    const block = cmd.p2;
    if (block !== 0 && block !== this.#next) throwSw(SW.INCORRECT_P1P2);
    if (cmd.data.length === 0) throwSw(SW.WRONG_LENGTH);
    const last = (cmd.p1 & P1_LAST_BLOCK) !== 0;
    let buffer = block === 0 ? cmd.data : concat(this.#pending, cmd.data);
    const objects: Uint8Array[] = [];
    for (let h = header(buffer); h !== undefined; h = header(buffer)) {
      if (h.total > MAX_DO_LENGTH) throwSw(SW.NOT_ENOUGH_MEMORY);
      if (buffer.length < h.total) break;
      objects.push(buffer.slice(0, h.total));
      buffer = buffer.subarray(h.total);
      if (objects.length > MAX_OBJECTS_PER_BLOCK) throwSw(SW.INCORRECT_DATA);
    }
    if (objects.filter((o) => o[0] === TAG.GENERATE_KEY_PAIR).length > MAX_GENERATIONS_PER_BLOCK) throwSw(SW.INCORRECT_DATA);
    if (last) {
      if (buffer.length > 0) throwSw(SW.INCORRECT_DATA);
      this.abort();
    } else {
      if (block + 1 >= MAX_BLOCKS) throwSw(SW.INCORRECT_P1P2);
      this.#next = block + 1;
      this.#pending = buffer.slice();
    }
    return { objects, last };
  }
}
