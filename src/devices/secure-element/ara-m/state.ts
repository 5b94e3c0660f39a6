import { fromHex, toHex } from '../../../bytes/index.js';
import { encodeTlv, TlvError } from '../../../tlv/index.js';
import { AraError } from './errors.js';
import { refDoKey } from './ref-do.js';
import { decodeRefArDo, encodeRefArDo, REFRESH_TAG_LENGTH, type RefArDo } from './ref-ar-do.js';
import { newReport, parseOne } from './template.js';

export const ARA_M_FORMAT = 'ara-m/1';

/**
 * The ARA-M's persistent data in the element's state document (JSON): the rules "stored in TLV form"
 * (digest 7), each REF-AR-DO as its canonical encoding (E1 then E3; 4F|C0, C1, CA; D0, D1, DB) in
 * uppercase hex, in the order they were stored, and the refresh tag. GET DATA [All] answers
 * `FF40 L` followed by these encodings, so a rule comes back exactly as a TSM stored it.
 */
export interface AraMData {
  format: typeof ARA_M_FORMAT;
  rules: string[];
  /** 16 hex digits. */
  refreshTag: string;
}

/**
 * The tag of an instance that never had a rule change. It is safe to start every instance with it:
 * an instance whose tag is still all zeros has never held a rule, so an enforcer that cached this
 * tag holds no rules from it (every change draws a new tag, see the applet).
 */
export const INITIAL_REFRESH_TAG = '0000000000000000';

/** Most bytes of stored rules (the value of FF40): beyond it STORE DATA answers '6581' (memory problem). */
export const MAX_RULES_BYTES = 16384;

export function initialAraMData(): AraMData {
  return { format: ARA_M_FORMAT, rules: [], refreshTag: INITIAL_REFRESH_TAG };
}

/** A stored rule with its canonical bytes and REF-DO identity, decoded once per document. */
export interface StoredRule {
  readonly rule: RefArDo;
  readonly bytes: Uint8Array;
  readonly refKey: string;
}

export function storedRule(rule: RefArDo): StoredRule {
  return { rule, bytes: encodeTlv(encodeRefArDo(rule)), refKey: refDoKey(rule.ref) };
}

export interface AraMContents {
  readonly rules: readonly StoredRule[];
  readonly refreshTag: Uint8Array;
}

/**
 * Reads the document as the applet uses it; anything an ARA-M would not have written is
 * `ERR_ARA_STATE` (a rule that does not decode, is not canonical, or repeats a REF-DO).
 */
export function parseAraMData(data: unknown): AraMContents {
  const d = data as Partial<AraMData> | null;
  if (typeof d !== 'object' || d === null || d.format !== ARA_M_FORMAT || !Array.isArray(d.rules) || typeof d.refreshTag !== 'string') {
    throw new AraError('ERR_ARA_STATE', `the document is not ${ARA_M_FORMAT}`);
  }
  const refreshTag = hexField(d.refreshTag, 'refreshTag');
  if (refreshTag.length !== REFRESH_TAG_LENGTH) throw new AraError('ERR_ARA_STATE', 'refreshTag is not 8 bytes');
  const seen = new Set<string>();
  let total = 0;
  const rules = d.rules.map((hex, i) => {
    if (typeof hex !== 'string') throw new AraError('ERR_ARA_STATE', `rule ${i} is not a hex string`);
    const bytes = hexField(hex, `rule ${i}`);
    let stored: StoredRule;
    try {
      const report = newReport();
      stored = storedRule(decodeRefArDo(parseOne(bytes), report));
      if (report.dropped.length > 0) throw new AraError('ERR_ARA_STATE', `rule ${i} holds unknown data objects`);
    } catch (err) {
      if (err instanceof AraError || err instanceof TlvError) throw new AraError('ERR_ARA_STATE', `rule ${i} is not a REF-AR-DO`, { cause: err });
      throw err;
    }
    if (toHex(stored.bytes) !== hex.toUpperCase()) throw new AraError('ERR_ARA_STATE', `rule ${i} is not in canonical form`);
    if (seen.has(stored.refKey)) throw new AraError('ERR_ARA_STATE', `rule ${i} repeats a REF-DO`);
    seen.add(stored.refKey);
    total += bytes.length;
    return stored;
  });
  if (total > MAX_RULES_BYTES) throw new AraError('ERR_ARA_STATE', `the rules take ${total} bytes, more than ${MAX_RULES_BYTES}`);
  return { rules, refreshTag };
}

function hexField(value: string, what: string): Uint8Array {
  try {
    return fromHex(value);
  } catch (err) {
    throw new AraError('ERR_ARA_STATE', `${what} is not hex`, { cause: err });
  }
}
