/** The genesis hash as an SQL literal: the seed of audit_head. */
export const GENESIS_SQL = "'0000000000000000000000000000000000000000000000000000000000000000'";

/** The markers the triggers raise, mapped to StoreError codes by both adapters (errors.ts). */
export const APPEND_ONLY = 'ERR_STORE_AUDIT_APPEND_ONLY';
export const CHAIN = 'ERR_STORE_AUDIT_CHAIN';
