import { RevocationError } from './errors.js';

/*
 * RFC 5280 5.3.1:
 *
 *   CRLReason ::= ENUMERATED {
 *        unspecified             (0),
 *        keyCompromise           (1),
 *        cACompromise            (2),
 *        affiliationChanged      (3),
 *        superseded              (4),
 *        cessationOfOperation    (5),
 *        certificateHold         (6),
 *             -- value 7 is not used
 *        removeFromCRL           (8),
 *        privilegeWithdrawn      (9),
 *        aACompromise           (10) }
 *
 * The JPKI meanings are J-LIS CPS 4.9.9 as summarised in docs jpki-ap.md section 5. Which actor may
 * use which reason is service policy and lives with the service, not here.
 */

export type CrlReasonName =
  | 'unspecified'
  | 'keyCompromise'
  | 'cACompromise'
  | 'affiliationChanged'
  | 'superseded'
  | 'cessationOfOperation'
  | 'certificateHold'
  | 'removeFromCRL'
  | 'privilegeWithdrawn'
  | 'aACompromise';

export type CrlReasonCode = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 8 | 9 | 10;

export interface CrlReason {
  readonly name: CrlReasonName;
  readonly code: CrlReasonCode;
  /** What the reason means in JPKI (jpki-ap.md section 5), or the RFC 5280 meaning where JPKI has none. */
  readonly jpkiMeaning: string;
}

const REASONS: CrlReason[] = [
  { name: 'unspecified', code: 0, jpkiMeaning: 'discarded before delivery (交付前に破棄)' },
  { name: 'keyCompromise', code: 1, jpkiMeaning: "holder's key compromised (loss of the card or phone, etc.)" },
  { name: 'cACompromise', code: 2, jpkiMeaning: 'CA key compromised' },
  { name: 'affiliationChanged', code: 3, jpkiMeaning: 'certificate content changed (a basic-four item changed)' },
  { name: 'superseded', code: 4, jpkiMeaning: 'renewed or re-issued' },
  { name: 'cessationOfOperation', code: 5, jpkiMeaning: 'no longer needed (holder request)' },
  { name: 'certificateHold', code: 6, jpkiMeaning: 'temporarily held, key safety doubtful (suspension, 一時停止); never released in JPKI' },
  { name: 'removeFromCRL', code: 8, jpkiMeaning: 'not used by JPKI (delta CRLs only, RFC 5280 5.3.1)' },
  { name: 'privilegeWithdrawn', code: 9, jpkiMeaning: 'not used by JPKI' },
  { name: 'aACompromise', code: 10, jpkiMeaning: 'not used by JPKI (attribute authorities)' },
];

/** The closed set, in code order. */
export const CRL_REASONS: readonly CrlReason[] = Object.freeze(REASONS.map((r) => Object.freeze(r)));

const BY_NAME: ReadonlyMap<string, CrlReason> = new Map(CRL_REASONS.map((r) => [r.name, r]));
/** Indexed by code; index 7 and anything past 10 are holes. */
const BY_CODE: readonly (CrlReason | undefined)[] = (() => {
  const table: (CrlReason | undefined)[] = new Array<CrlReason | undefined>(11).fill(undefined);
  for (const r of CRL_REASONS) table[r.code] = r;
  return table;
})();

/** The reason with this code, or undefined (7, negatives, non-integers, > 10). */
export function crlReason(code: number): CrlReason | undefined {
  return Number.isInteger(code) && code >= 0 ? BY_CODE[code] : undefined;
}

/** True for the ten codes of the closed set. */
export function isCrlReasonCode(code: number): code is CrlReasonCode {
  return crlReason(code) !== undefined;
}

/** `reasonByName('keyCompromise')` → its entry; throws `ERR_CRL_REASON_UNKNOWN` for anything else. */
export function reasonByName(name: string): CrlReason {
  const r = BY_NAME.get(name);
  if (r === undefined) throw new RevocationError('ERR_CRL_REASON_UNKNOWN', `no CRLReason is named ${JSON.stringify(name)}`);
  return r;
}

/** `reasonName(1)` → `'keyCompromise'`; throws `ERR_CRL_REASON_UNKNOWN` for 7 and values outside the set. */
export function reasonName(code: number): CrlReasonName {
  const r = crlReason(code);
  if (r === undefined) throw new RevocationError('ERR_CRL_REASON_UNKNOWN', `${code} is not a CRLReason value`);
  return r.name;
}
