import type { Migration } from './migration.js';

/**
 * CRL building reads the revoked and held certificates of one CA generation in serial order, a page at a
 * time (`revokedPage`). Without this covering partial index each page scanned and sorted every
 * certificate of the generation (2.8 s per 10,000-entry page at a million entries, bench/crl.ts); with
 * it the pages are a range scan of exactly the CRL's entries.
 */
const sql = `CREATE INDEX certificates_crl_entries ON certificates (hierarchy, generation, serial, reason, revoked_at) WHERE status <> 'good';`;

export const migration002: Migration = { id: 2, name: 'crl-index', sqlite: sql, postgres: sql };
