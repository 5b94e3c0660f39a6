/**
 * The tags of GP SE Access Control (SEAC v1.1 tables 4-x, 5-x, 6-x as [pySim-ARA] names them, and
 * [AOSP-SE] `gpac/*`; digest gp-scp03.md 4.1-4.3). Numbers are the tag bytes read big-endian, as
 * `src/tlv` stores them.
 */
export const TAG = {
  /** Response-ALL-REF-AR-DO: the answer to GET DATA [All] (SEAC Table 4-2). */
  RESPONSE_ALL_REF_AR_DO: 0xff40,
  /** Response-AR-DO: the answer to GET DATA [Specific] (Table 4-3). */
  RESPONSE_AR_DO: 0xff50,
  /** P1 P2 of GET DATA [Next]: not a data object, the continuation of an [All] answer. */
  GET_NEXT: 0xff60,
  /** Response-Refresh-Tag-DO (Table 4-4). */
  REFRESH_TAG: 0xdf20,
  /** Response-ARAM-Config-DO (Table 4-5); not implemented. */
  ARAM_CONFIG: 0xdf21,
  /** REF-AR-DO (Table 6-6): one access rule. */
  REF_AR_DO: 0xe2,
  /** REF-DO (Table 6-5): what the rule refers to. */
  REF_DO: 0xe1,
  /** AID-REF-DO (Table 6-3): an SE application, or empty for all of them. */
  AID_REF_DO: 0x4f,
  /** AID-REF-DO for the default selected application (Table 6-3), always empty. */
  AID_REF_DO_DEFAULT: 0xc0,
  /** DeviceAppID-REF-DO / Hash-REF-DO (Table 6-4). */
  HASH_REF_DO: 0xc1,
  /** PKG-REF-DO: Android carrier-privilege package name ([UICC-CP]). */
  PKG_REF_DO: 0xca,
  /** AR-DO (Table 6-7): the rights. */
  AR_DO: 0xe3,
  /** APDU-AR-DO (Table 6-8). */
  APDU_AR_DO: 0xd0,
  /** NFC-AR-DO (Table 6-9). */
  NFC_AR_DO: 0xd1,
  /** PERM-AR-DO: Android carrier-privilege permissions ([UICC-CP]). */
  PERM_AR_DO: 0xdb,
  /** Command-Store-REF-AR-DO (Table 5-2). */
  COMMAND_STORE: 0xf0,
  /** Command-Delete (Table 5-4). */
  COMMAND_DELETE: 0xf1,
  /** Command-UpdateRefreshTag-DO (Table 5-6). */
  COMMAND_UPDATE_REFRESH_TAG: 0xf2,
  /** Command-Get-DO (Table 5-8); not implemented. */
  COMMAND_GET: 0xf3,
  /** Command-GetAll-DO (Table 5-9); not implemented. */
  COMMAND_GET_ALL: 0xf4,
  /** Command-GetNext-DO (Table 5-11); not implemented. */
  COMMAND_GET_NEXT: 0xf5,
  /** Command-Get-ClientAIDs-DO (Table 5-10); not implemented. */
  COMMAND_GET_CLIENT_AIDS: 0xf6,
  /** Command-Register-ClientAIDs-DO (Table 5-7); not implemented. */
  COMMAND_REGISTER_CLIENT_AIDS: 0xf7,
  /** Command-Get-DeviceConfig-DO (Table 5-12); not implemented. */
  COMMAND_GET_DEVICE_CONFIG: 0xf8,
  /** Block-DO (Table 6-13); not implemented. */
  BLOCK_DO: 0xe7,
} as const;

/** SEAC command data objects this ARA-M recognises but does not implement: STORE DATA answers '6981'. */
export const UNSUPPORTED_COMMAND_TAGS: ReadonlySet<number> = new Set([
  TAG.COMMAND_GET,
  TAG.COMMAND_GET_ALL,
  TAG.COMMAND_GET_NEXT,
  TAG.COMMAND_GET_CLIENT_AIDS,
  TAG.COMMAND_REGISTER_CLIENT_AIDS,
  TAG.COMMAND_GET_DEVICE_CONFIG,
  TAG.BLOCK_DO,
]);

/** Uppercase hex of a tag, for messages. */
export function tagName(tag: number): string {
  return tag.toString(16).toUpperCase().padStart(2, '0');
}
