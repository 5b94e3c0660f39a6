import { encodeTlv, tlv, type Tlv } from '../../../tlv/index.js';
import { AraError } from './errors.js';
import { decodeAidRef, decodeRefDo, encodeAidRef, encodeRefDo, type AidRef, type RefDo } from './ref-do.js';
import { decodeRefArDo, encodeRefArDo, type RefArDo } from './ref-ar-do.js';
import { TAG, UNSUPPORTED_COMMAND_TAGS, tagName } from './tags.js';
import { newReport, parseList } from './template.js';

/**
 * What Command-Delete 'F1' removes (SEAC v1.1 Table 5-4, [pySim-ARA] `CommandDelete`; digest 4.3):
 * "empty = delete all, or {4F/C0 | E1 | E2}".
 * - `all`: every rule;
 * - `aid`: every rule whose AID-REF-DO is this one (`4F 00` names the rules for all applications);
 * - `ref`: the rule with this REF-DO;
 * - `rule`: the rule with this REF-DO and this AR-DO.
 */
export type DeleteTarget =
  | { readonly kind: 'all' }
  | { readonly kind: 'aid'; readonly aid: AidRef }
  | { readonly kind: 'ref'; readonly ref: RefDo }
  | { readonly kind: 'rule'; readonly rule: RefArDo };

/**
 * The STORE DATA command data objects this ARA-M implements (SEAC Table 5-1; digest 4.3):
 * 'F0' Command-Store-REF-AR-DO{E2…}, 'F1' Command-Delete, 'F2' Command-UpdateRefreshTag-DO (empty).
 */
export type StoreCommand =
  | { readonly kind: 'store'; readonly rules: readonly RefArDo[] }
  | { readonly kind: 'delete'; readonly target: DeleteTarget }
  | { readonly kind: 'update-refresh-tag' };

export interface DecodedStoreCommand {
  readonly command: StoreCommand;
  /** Unknown data objects skipped inside F0 (the card then answers '6382'). */
  readonly dropped: readonly number[];
}

/**
 * Decodes the data field of STORE DATA (all blocks joined): exactly one command data object. F3-F8
 * and E7 are SEAC's but not implemented here: `ERR_ARA_COMMAND_UNSUPPORTED` ('6981').
 */
export function decodeStoreCommand(bytes: Uint8Array): DecodedStoreCommand {
  const nodes = parseList(bytes);
  if (nodes.length !== 1) throw new AraError('ERR_ARA_COMMAND_COUNT', `STORE DATA carries one command data object, got ${nodes.length}`);
  const node = nodes[0]!;
  const report = newReport();
  switch (node.tag) {
    case TAG.COMMAND_STORE: {
      const rules: RefArDo[] = [];
      for (const child of node.children ?? []) {
        if (child.tag === TAG.REF_AR_DO) rules.push(decodeRefArDo(child, report));
        else report.dropped.push(child.tag);
      }
      if (rules.length === 0) throw new AraError('ERR_ARA_STORE_EMPTY', 'Command-Store-REF-AR-DO holds at least one REF-AR-DO');
      return { command: { kind: 'store', rules }, dropped: report.dropped };
    }
    case TAG.COMMAND_DELETE:
      return { command: { kind: 'delete', target: decodeDeleteTarget(node) }, dropped: [] };
    case TAG.COMMAND_UPDATE_REFRESH_TAG:
      if (node.value.length !== 0) throw new AraError('ERR_ARA_UPDATE_REFRESH_TAG_CONTENT', 'Command-UpdateRefreshTag-DO is empty');
      return { command: { kind: 'update-refresh-tag' }, dropped: [] };
    default:
      if (UNSUPPORTED_COMMAND_TAGS.has(node.tag)) {
        throw new AraError('ERR_ARA_COMMAND_UNSUPPORTED', `command data object ${tagName(node.tag)} is not supported by this ARA-M`);
      }
      throw new AraError('ERR_ARA_COMMAND_UNKNOWN', `${tagName(node.tag)} is not an ARA-M command data object`);
  }
}

function decodeDeleteTarget(node: Tlv): DeleteTarget {
  const children = node.children ?? [];
  if (children.length === 0) return { kind: 'all' };
  if (children.length > 1) throw new AraError('ERR_ARA_DELETE_TARGET', `Command-Delete names one target, got ${children.length}`);
  const target = children[0]!;
  switch (target.tag) {
    case TAG.AID_REF_DO:
    case TAG.AID_REF_DO_DEFAULT:
      return { kind: 'aid', aid: decodeAidRef(target) };
    case TAG.REF_DO:
      return { kind: 'ref', ref: decodeRefDo(target) };
    case TAG.REF_AR_DO: {
      // An unknown DO inside the rule to delete would make it match nothing stored: refused.
      const report = newReport();
      const rule = decodeRefArDo(target, report);
      if (report.dropped.length > 0) throw new AraError('ERR_ARA_DELETE_TARGET', 'the REF-AR-DO to delete holds unknown data objects');
      return { kind: 'rule', rule };
    }
    default:
      throw new AraError('ERR_ARA_DELETE_TARGET', `Command-Delete takes 4F, C0, E1 or E2, not ${tagName(target.tag)}`);
  }
}

/** Encodes a command data object (what a TSM puts in STORE DATA). */
export function encodeStoreCommand(command: StoreCommand): Uint8Array {
  switch (command.kind) {
    case 'store':
      if (command.rules.length === 0) throw new AraError('ERR_ARA_STORE_EMPTY', 'Command-Store-REF-AR-DO holds at least one REF-AR-DO');
      return encodeTlv(tlv(TAG.COMMAND_STORE, command.rules.map(encodeRefArDo)));
    case 'update-refresh-tag':
      return encodeTlv(tlv(TAG.COMMAND_UPDATE_REFRESH_TAG, []));
    case 'delete': {
      const t = command.target;
      const children = t.kind === 'all' ? [] : t.kind === 'aid' ? [encodeAidRef(t.aid)] : t.kind === 'ref' ? [encodeRefDo(t.ref)] : [encodeRefArDo(t.rule)];
      return encodeTlv(tlv(TAG.COMMAND_DELETE, children));
    }
  }
}
