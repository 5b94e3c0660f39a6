import { concat } from '../../../bytes/index.js';
import { tlv, type Tlv } from '../../../tlv/index.js';
import { AraError } from './errors.js';
import { TAG } from './tags.js';
import { childrenOf, expectTag, newReport, type DecodeReport } from './template.js';

/**
 * One APDU filter of an APDU-AR-DO (SEAC v1.1 Table 6-8; digest 4.2): a 4-byte APDU header
 * CLA INS P1 P2 and a 4-byte mask. A command passes when `(command[0..3] AND mask) == header`
 * ([AOSP-SE] `CommandApdu.compareHeaders`; digest 4.4 step 5).
 */
export interface ApduFilter {
  readonly header: Uint8Array;
  readonly mask: Uint8Array;
}

/** APDU-AR-DO 'D0': `00` NEVER, `01` ALWAYS, or n × 8 bytes of filters. */
export type ApduRule = { readonly kind: 'never' } | { readonly kind: 'always' } | { readonly kind: 'filters'; readonly filters: readonly ApduFilter[] };

/** NFC-AR-DO 'D1' (Table 6-9): `00` NEVER, `01` ALWAYS (NFC event access). */
export type NfcRule = 'never' | 'always';

/**
 * AR-DO 'E3' (SEAC Table 6-7): "D0 and/or D1 and/or DB. At least one required" (digest 4.2). DB is the
 * 8-byte Android carrier-privilege permission mask ([UICC-CP]).
 */
export interface ArDo {
  readonly apdu?: ApduRule;
  readonly nfc?: NfcRule;
  readonly permissions?: Uint8Array;
}

const KNOWN = [TAG.APDU_AR_DO, TAG.NFC_AR_DO, TAG.PERM_AR_DO];
const FILTER_LENGTH = 8;
const PERMISSIONS_LENGTH = 8;

export function decodeApduRule(value: Uint8Array): ApduRule {
  if (value.length === 1) {
    if (value[0] === 0x00) return { kind: 'never' };
    if (value[0] === 0x01) return { kind: 'always' };
    throw new AraError('ERR_ARA_APDU_AR_VALUE', `a 1-byte APDU-AR-DO is 00 or 01, got ${value[0]!.toString(16).padStart(2, '0')}`);
  }
  if (value.length === 0 || value.length % FILTER_LENGTH !== 0) {
    throw new AraError('ERR_ARA_APDU_AR_LENGTH', `an APDU-AR-DO is 1 byte or n × 8 bytes, got ${value.length}`);
  }
  const filters: ApduFilter[] = [];
  for (let p = 0; p < value.length; p += FILTER_LENGTH) {
    filters.push({ header: value.slice(p, p + 4), mask: value.slice(p + 4, p + FILTER_LENGTH) });
  }
  return { kind: 'filters', filters };
}

export function encodeApduRule(rule: ApduRule): Uint8Array {
  if (rule.kind === 'never') return Uint8Array.of(0x00);
  if (rule.kind === 'always') return Uint8Array.of(0x01);
  if (rule.filters.length === 0) throw new AraError('ERR_ARA_APDU_AR_LENGTH', 'an APDU filter list is not empty');
  for (const f of rule.filters) {
    if (f.header.length !== 4 || f.mask.length !== 4) throw new AraError('ERR_ARA_APDU_FILTER', 'an APDU filter is a 4-byte header and a 4-byte mask');
  }
  return concat(...rule.filters.flatMap((f) => [f.header, f.mask]));
}

function decodeNfcRule(value: Uint8Array): NfcRule {
  if (value.length !== 1) throw new AraError('ERR_ARA_NFC_AR_LENGTH', `an NFC-AR-DO is 1 byte, got ${value.length}`);
  if (value[0] === 0x00) return 'never';
  if (value[0] === 0x01) return 'always';
  throw new AraError('ERR_ARA_NFC_AR_VALUE', `an NFC-AR-DO is 00 or 01, got ${value[0]!.toString(16).padStart(2, '0')}`);
}

/** Decodes an AR-DO; unknown data objects inside are skipped into `report`, as AOSP does. */
export function decodeArDo(node: Tlv, report: DecodeReport = newReport()): ArDo {
  expectTag(node, TAG.AR_DO, 'an AR-DO');
  const parts = childrenOf(node, KNOWN, { report });
  const apduNode = parts.get(TAG.APDU_AR_DO);
  const nfcNode = parts.get(TAG.NFC_AR_DO);
  const permNode = parts.get(TAG.PERM_AR_DO);
  if (!apduNode && !nfcNode && !permNode) throw new AraError('ERR_ARA_AR_DO_EMPTY', 'an AR-DO holds at least one of D0, D1, DB');
  if (permNode && permNode.value.length !== PERMISSIONS_LENGTH) {
    throw new AraError('ERR_ARA_PERM_AR_LENGTH', `a PERM-AR-DO is 8 bytes, got ${permNode.value.length}`);
  }
  return {
    ...(apduNode ? { apdu: decodeApduRule(apduNode.value) } : {}),
    ...(nfcNode ? { nfc: decodeNfcRule(nfcNode.value) } : {}),
    ...(permNode ? { permissions: permNode.value.slice() } : {}),
  };
}

/** Builds an AR-DO in the canonical order D0, D1, DB, checked by the decoder's rules. */
export function encodeArDo(ar: ArDo): Tlv {
  const children: Tlv[] = [];
  if (ar.apdu) children.push(tlv(TAG.APDU_AR_DO, encodeApduRule(ar.apdu)));
  if (ar.nfc) children.push(tlv(TAG.NFC_AR_DO, Uint8Array.of(ar.nfc === 'always' ? 0x01 : 0x00)));
  if (ar.permissions) children.push(tlv(TAG.PERM_AR_DO, ar.permissions));
  const node = tlv(TAG.AR_DO, children);
  decodeArDo(node);
  return node;
}
