import { SW, throwSw, type CommandApdu, type ResponseApdu } from '../../../apdu/index.js';
import { bytesEqual, concat } from '../../../bytes/index.js';
import { AraError } from './errors.js';
import { REFRESH_TAG_LENGTH } from './ref-ar-do.js';
import { ARA_SW, deleteRules, storeRules } from './rule-store.js';
import { MAX_RULES_BYTES, type AraMContents, type StoredRule } from './state.js';
import { decodeStoreCommand } from './store-command.js';

/** STORE DATA P1 (GP Card Spec 11.11.2.1, Table 11-89): b8 last block, b7b6 encryption, b5b4 structure. */
const P1_LAST_BLOCK = 0x80;
const P1_ENCRYPTION = 0x60;
const P1_STRUCTURE = 0x18;
const P1_STRUCTURE_NONE = 0x00;
const P1_STRUCTURE_BER_TLV = 0x10;
const P1_RFU = 0x07;
/** The most STORE DATA bytes joined from blocks: the rule store plus room for the F0/F1 envelope. */
export const MAX_STORE_DATA = MAX_RULES_BYTES + 64;

/** STORE DATA blocks received so far (P1 b8 = 0), waiting for the last block. */
export interface BlockChain {
  readonly parts: Uint8Array[];
  length: number;
  /** Block number expected next (P2). */
  next: number;
}

/** What the applet lets STORE DATA see and change. */
export interface StoreDataContext {
  readonly contents: AraMContents;
  readonly chain: BlockChain | undefined;
  setChain(chain: BlockChain | undefined): void;
  /** Saves new rules and a new refresh tag in the transaction of this command. */
  save(rules: readonly StoredRule[], refreshTag: Uint8Array): void;
  /** 8 random bytes. */
  random(length: number): Uint8Array;
}

/**
 * STORE DATA `80 E2 P1 P2 Lc <data>` on the ARA-M (digest 4.3, [pySim-ARA] `80E29000`), one block of
 * it. P1 `90` is one last block of BER-TLV; blocks with P1 b8 = 0 (`10`) are joined in order of their
 * block number P2 (00, 01, …) and the command data object is read when the last one comes. P1 with
 * encryption bits (b7b6 ≠ 00), a DGI structure, RFU bits, or a block number out of sequence: '6A86'
 * (and the chain is dropped); an empty block or more than `MAX_STORE_DATA` bytes: '6700'.
 */
export function storeData(cmd: CommandApdu, ctx: StoreDataContext): ResponseApdu {
  const structure = cmd.p1 & P1_STRUCTURE;
  if ((cmd.p1 & (P1_ENCRYPTION | P1_RFU)) !== 0 || (structure !== P1_STRUCTURE_NONE && structure !== P1_STRUCTURE_BER_TLV)) {
    ctx.setChain(undefined);
    throwSw(SW.INCORRECT_P1P2);
  }
  const expected = ctx.chain?.next ?? 0;
  if (cmd.p2 !== expected) {
    ctx.setChain(undefined);
    throwSw(SW.INCORRECT_P1P2);
  }
  if (cmd.data.length === 0 || (ctx.chain?.length ?? 0) + cmd.data.length > MAX_STORE_DATA) {
    ctx.setChain(undefined);
    throwSw(SW.WRONG_LENGTH);
  }
  const chain: BlockChain = ctx.chain ?? { parts: [], length: 0, next: 0 };
  chain.parts.push(cmd.data.slice());
  chain.length += cmd.data.length;
  chain.next++;
  if ((cmd.p1 & P1_LAST_BLOCK) === 0) {
    if (chain.next > 0xff) {
      ctx.setChain(undefined);
      throwSw(SW.INCORRECT_P1P2);
    }
    ctx.setChain(chain);
    return { data: new Uint8Array(0), sw: SW.SUCCESS };
  }
  ctx.setChain(undefined);
  return execute(concat(...chain.parts), ctx);
}

/**
 * Runs one command data object (digest 4.3): F0 stores, F1 deletes, F2 draws a new refresh tag.
 * "The ARA-M must change the refresh tag on every rule change": F0 that adds a rule, F1 that removes
 * one, and F2 draw a new tag; a command that changes nothing keeps it.
 * Status words: '9000'; '6381' some rule was already stored as given; '6382' unknown data objects were
 * dropped (wins over '6381'); '6A80' malformed data; '6981' F3-F8/E7; '6A88' nothing to delete;
 * '6A89' conflicting rule; '6581' rule store full.
 */
function execute(payload: Uint8Array, ctx: StoreDataContext): ResponseApdu {
  let decoded;
  try {
    decoded = decodeStoreCommand(payload);
  } catch (err) {
    if (err instanceof AraError) throwSw(err.code === 'ERR_ARA_COMMAND_UNSUPPORTED' ? ARA_SW.DO_NOT_SUPPORTED : SW.INCORRECT_DATA);
    throw err;
  }
  const { command, dropped } = decoded;
  const current = ctx.contents.rules;
  switch (command.kind) {
    case 'store': {
      const outcome = storeRules(current, command.rules);
      if (outcome.added > 0) ctx.save(outcome.rules, nextRefreshTag(ctx));
      const sw = dropped.length > 0 ? ARA_SW.UNKNOWN_DO_DROPPED : outcome.existing > 0 ? ARA_SW.RULE_ALREADY_EXISTS : SW.SUCCESS;
      return { data: new Uint8Array(0), sw };
    }
    case 'delete':
      ctx.save(deleteRules(current, command.target), nextRefreshTag(ctx));
      return { data: new Uint8Array(0), sw: SW.SUCCESS };
    case 'update-refresh-tag':
      ctx.save(current, nextRefreshTag(ctx));
      return { data: new Uint8Array(0), sw: SW.SUCCESS };
  }
}

/**
 * A new refresh tag: 8 bytes from the element's RNG, never the previous tag (the enforcer would keep
 * a stale cache, digest 4.3): on the 2^-64 chance of a repeat, the last bit is flipped.
 */
function nextRefreshTag(ctx: StoreDataContext): Uint8Array {
  const drawn = ctx.random(REFRESH_TAG_LENGTH);
  if (drawn.length !== REFRESH_TAG_LENGTH) throw new Error(`the element's RNG gave ${drawn.length} bytes, not ${REFRESH_TAG_LENGTH}`);
  const tag = drawn.slice();
  if (bytesEqual(tag, ctx.contents.refreshTag)) tag[REFRESH_TAG_LENGTH - 1]! ^= 0x01;
  return tag;
}
